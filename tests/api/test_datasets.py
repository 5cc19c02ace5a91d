"""Dataset versions through the API: build (the real job), list, download, immutability,
stable class ids, filters and bad input. Built on the real georeferenced RGB.byte.tif."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from pycocotools.coco import COCO

from events.models import DatasetVersion, LabelClass, Role
from events.services.annotations import annotation_create, annotation_delete
from events.services.images import image_tag_set
from tests.factories import EventFactory, LabelClassFactory, PixelImageFactory
from tests.rasters import RGB, image_with_raster
from workers.models import Job
from workers.services import job_run

pytestmark = pytest.mark.django_db

BOX = {"type": "Polygon", "coordinates": [[[10, 20], [110, 20], [110, 70], [10, 70], [10, 20]]]}
HOLE = {
    "type": "Polygon",
    "coordinates": [
        [[300, 300], [500, 300], [500, 500], [300, 500], [300, 300]],
        [[350, 350], [350, 400], [400, 400], [400, 350], [350, 350]],
    ],
}


@pytest.fixture
def world(event, member, settings, tmp_path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    reviewer = member(Role.REVIEWER)
    water = LabelClassFactory(event=event, name="water")
    cloud = LabelClassFactory(event=event, name="cloud")
    flooded = LabelClassFactory(event=event, name="flooded", kind=LabelClass.Kind.TAG)
    image = image_with_raster(event, RGB)
    plain = PixelImageFactory(event=event, name="plain.png", width=64, height=64)
    box = annotation_create(
        user=reviewer, image=image, label_class=water, kind="bbox", geometry=BOX
    )
    annotation_create(user=reviewer, image=image, label_class=cloud, kind="polygon", geometry=HOLE)
    annotation_create(
        user=reviewer,
        image=plain,
        label_class=water,
        kind="bbox",
        geometry={"type": "Polygon", "coordinates": [[[1, 1], [9, 1], [9, 9], [1, 9], [1, 1]]]},
    )
    image_tag_set(user=reviewer, image=image, label_class=flooded, state="positive")
    image_tag_set(user=reviewer, image=plain, label_class=flooded, state="negative")
    return {
        "event": event,
        "reviewer": reviewer,
        "classes": {"water": water, "cloud": cloud, "flooded": flooded},
        "image": image,
        "plain": plain,
        "box": box,
    }


def build(client, event_id: int, **body: Any) -> tuple[DatasetVersion, Job]:  # type: ignore[no-untyped-def]
    response = client.post(reverse("v1:dataset-list", kwargs={"event_id": event_id}), body)
    assert response.status_code == 202, response.json()
    assert response["Location"].endswith(f"/api/v1/jobs/{response.json()['id']}/")
    job = job_run(job_id=response.json()["id"])
    assert job.status == Job.Status.SUCCEEDED, job.error
    version = DatasetVersion.objects.get(pk=job.params["dataset"])
    assert job.result["dataset"] == version.pk
    return version, job


def download(client, version: DatasetVersion, fmt: str) -> zipfile.ZipFile:  # type: ignore[no-untyped-def]
    url = reverse("v1:dataset-download", kwargs={"dataset_id": version.pk})
    response = client.get(url, {"format": fmt})
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/zip"
    assert (
        f'filename="{version.event.slug}-v{version.number}-{fmt}.zip"'
        in (response["Content-Disposition"])
    )
    body = b"".join(response.streaming_content)
    assert response["ETag"] == f'"{hashlib.sha256(body).hexdigest()}"'
    assert int(response["Content-Length"]) == len(body)
    return zipfile.ZipFile(io.BytesIO(body))


def test_build_list_and_download_a_version(api, world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    client = api(world["reviewer"])
    version, _ = build(
        client,
        world["event"].pk,
        name="first cut",
        formats=["coco", "geojson", "classification_csv"],
        split={"train": 0.5, "validation": 0.5, "test": 0, "seed": 1},
    )
    assert version.status == "ready" and version.number == 1
    assert sum(version.counts["images"].values()) == 2
    listed = client.get(reverse("v1:dataset-list", kwargs={"event_id": world["event"].pk})).json()
    assert listed["count"] == 1
    item = listed["results"][0]
    assert item["name"] == "first cut" and item["created_by"] == world["reviewer"].username
    assert set(item["files"]) == {"coco", "geojson", "classification_csv"}
    assert item["files"]["coco"]["download"].startswith("http://testserver/api/v1/datasets/")

    detail = client.get(reverse("v1:dataset-detail", kwargs={"dataset_id": version.pk})).json()
    archive = download(client, version, "coco")
    names = set(archive.namelist())
    assert {"README.md", "label_schema.json", "MANIFEST.sha256"} <= names
    # The manifest holds every other file's sha256, in the ZIP and in the API.
    manifest = dict(
        reversed(line.split("  ", 1))
        for line in archive.read("MANIFEST.sha256").decode().splitlines()
    )
    assert set(manifest) == names - {"MANIFEST.sha256"}
    for name, digest in manifest.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    api_manifest = {entry["path"]: entry["sha256"] for entry in detail["manifest"]["coco"]}
    assert {k: v for k, v in api_manifest.items() if k != "MANIFEST.sha256"} == manifest

    schema = json.loads(archive.read("label_schema.json"))
    assert [c["name"] for c in schema["classes"]] == ["water", "cloud", "flooded"]
    readme = archive.read("README.md").decode()
    assert "dataset version 1" in readme and "| 0 | water |" in readme

    # pycocotools loads every split file; the box is where it was drawn.
    archive.extractall(tmp_path / "coco")
    boxes = []
    for name in sorted(n for n in names if n.startswith("annotations/")):
        coco = COCO(str(tmp_path / "coco" / name))
        boxes += [a["bbox"] for a in coco.loadAnns(coco.getAnnIds())]
    assert [10, 20, 100, 50] in [[round(v) for v in b] for b in boxes]

    rows = download(client, version, "classification_csv").read("labels.csv").decode()
    assert "flooded,positive" in rows and "flooded,negative" in rows


def test_earlier_versions_stay_unchanged_when_labels_change(api, world) -> None:  # type: ignore[no-untyped-def]
    client = api(world["reviewer"])
    first, _ = build(client, world["event"].pk, formats=["geojson"])
    before = download(client, first, "geojson")
    before_bytes = {n: before.read(n) for n in before.namelist()}

    annotation_delete(user=world["reviewer"], annotation=world["box"])
    second, _ = build(client, world["event"].pk, formats=["geojson"])
    assert second.number == 2
    again = download(client, first, "geojson")
    assert {n: again.read(n) for n in again.namelist()} == before_bytes
    second_features = json.loads(download(client, second, "geojson").read("annotations.geojson"))
    first_features = json.loads(before_bytes["annotations.geojson"])
    assert len(second_features["features"]) == len(first_features["features"]) - 1


def test_class_ids_are_stable_across_versions(api, world) -> None:  # type: ignore[no-untyped-def]
    client = api(world["reviewer"])
    first, _ = build(client, world["event"].pk, formats=["classification_csv"])
    schema = json.loads(download(client, first, "classification_csv").read("label_schema.json"))
    ids = {c["name"]: c["id"] for c in schema["classes"]}
    # A class added and one (unused) deleted: the others keep their ids, the new one is next.
    unused = LabelClassFactory(event=world["event"], name="unused")
    build(client, world["event"].pk, formats=["classification_csv"])
    unused.delete()
    LabelClassFactory(event=world["event"], name="smoke")
    third, _ = build(client, world["event"].pk, formats=["classification_csv"])
    schema = json.loads(download(client, third, "classification_csv").read("label_schema.json"))
    now = {c["name"]: c["id"] for c in schema["classes"]}
    assert {k: now[k] for k in ids} == ids
    assert now["smoke"] == max(ids.values()) + 2  # "unused" took the id before it


def test_filters_select_labels_and_images(api, world) -> None:  # type: ignore[no-untyped-def]
    client = api(world["reviewer"])
    water = world["classes"]["water"]
    version, _ = build(
        client,
        world["event"].pk,
        formats=["geojson"],
        filters={"label_classes": [water.pk], "images": [world["image"].pk]},
    )
    assert sum(version.counts["images"].values()) == 1
    features = json.loads(download(client, version, "geojson").read("annotations.geojson"))
    assert {f["properties"]["class"] for f in features["features"]} == {"water"}
    # A bbox far from the image's footprint (North Carolina, 2013): no image.
    empty, _ = build(client, world["event"].pk, formats=["geojson"], filters={"bbox": [0, 0, 1, 1]})
    assert sum(empty.counts["images"].values()) == 0


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"formats": ["cocoa"]}, "formats", "Unknown export format(s): cocoa"),
        ({"formats": []}, "formats", "at least one export format"),
        ({"formats": ["coco"], "filters": {"clases": [1]}}, "filters", "Unknown filter(s): clases"),
        ({"formats": ["coco"], "filters": {"images": [999999]}}, "filters.images", "no image"),
        ({"formats": ["coco"], "filters": {"bbox": [1, 2, 3]}}, "filters.bbox", "[west, south"),
        ({"formats": ["coco"], "split": {"train": 0.9}}, "split", "add up to 1"),
        ({"formats": ["coco"], "options": {"chips": 256}}, "options", "Unknown option(s): chips"),
        ({"formats": ["coco"], "colour": "red"}, "colour", "Unknown field"),
    ],
)
def test_bad_requests_name_the_problem(api, world, body, field, message) -> None:  # type: ignore[no-untyped-def]
    response = api(world["reviewer"]).post(
        reverse("v1:dataset-list", kwargs={"event_id": world["event"].pk}), body
    )
    assert response.status_code == 400
    error = response.json()
    assert field in error["fields"], error
    assert message in error["detail"] + json.dumps(error["fields"])
    assert not DatasetVersion.objects.exists()  # nothing half-created


def test_label_classes_of_another_event_are_refused(api, world) -> None:  # type: ignore[no-untyped-def]
    other = LabelClassFactory(event=EventFactory(team=world["event"].team))
    response = api(world["reviewer"]).post(
        reverse("v1:dataset-list", kwargs={"event_id": world["event"].pk}),
        {"formats": ["coco"], "filters": {"label_classes": [other.pk]}},
    )
    assert response.status_code == 400
    assert "no label class" in response.json()["detail"]


def test_download_answers_for_formats_and_states(api, world) -> None:  # type: ignore[no-untyped-def]
    client = api(world["reviewer"])
    url = reverse("v1:dataset-list", kwargs={"event_id": world["event"].pk})
    job = client.post(url, {"formats": ["coco"]}).json()
    version = DatasetVersion.objects.get(pk=Job.objects.get(pk=job["id"]).params["dataset"])
    download_url = reverse("v1:dataset-download", kwargs={"dataset_id": version.pk})
    building = client.get(download_url, {"format": "coco"})
    assert building.status_code == 409 and building.json()["code"] == "not_ready"
    job_run(job_id=job["id"])
    not_built = client.get(download_url, {"format": "yolo"})
    assert not_built.status_code == 400
    assert "not built with format 'yolo'; built: coco" in not_built.json()["detail"]
    first = client.get(download_url, {"format": "coco"})
    cached = client.get(download_url, {"format": "coco"}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert cached.status_code == 304


def test_a_failed_build_keeps_its_error_and_no_files(api, world) -> None:  # type: ignore[no-untyped-def]
    # The image file vanished from storage: including images cannot work.
    default_storage.delete(world["image"].file.name)
    client = api(world["reviewer"])
    url = reverse("v1:dataset-list", kwargs={"event_id": world["event"].pk})
    job = client.post(
        url, {"formats": ["geojson", "coco"], "options": {"include_images": True}}
    ).json()
    with pytest.raises(FileNotFoundError):
        job_run(job_id=job["id"])
    version = DatasetVersion.objects.get()
    assert version.status == "failed" and "FileNotFoundError" in version.error
    assert version.files == {}
    folder = f"datasets/{version.event_id}/{version.pk}"
    assert not default_storage.exists(folder) or default_storage.listdir(folder) == ([], [])


def test_viewers_download_but_only_reviewers_build(api, world, member) -> None:  # type: ignore[no-untyped-def]
    version, _ = build(api(world["reviewer"]), world["event"].pk, formats=["geojson"])
    viewer = api(member(Role.VIEWER))
    download(viewer, version, "geojson")
    refused = viewer.post(
        reverse("v1:dataset-list", kwargs={"event_id": world["event"].pk}), {"formats": ["coco"]}
    )
    assert refused.status_code == 403
