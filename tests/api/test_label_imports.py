"""Label import through the API: a COCO file exported by labeler comes back onto the images;
bad files answer 400 naming the problem."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import tests.api.test_datasets as dataset_tests
from events.models import Annotation, Role
from tests.api.test_datasets import build, download
from workers.models import Job
from workers.services import job_run

pytestmark = pytest.mark.django_db

world = dataset_tests.world  # the same fixture: an event with real labels


def import_file(client, event_id: int, name: str, data: bytes, **fields):  # type: ignore[no-untyped-def]
    url = reverse("v1:label-import", kwargs={"event_id": event_id})
    body = {"file": SimpleUploadedFile(name, data), **fields}
    return client.post(url, body, format="multipart")


def test_a_coco_export_imports_back_onto_the_images(api, world) -> None:  # type: ignore[no-untyped-def]
    client = api(world["reviewer"])
    version, _ = build(client, world["event"].pk, formats=["coco"], split={"train": 1})
    archive = download(client, version, "coco")
    coco = archive.read("annotations/instances_train.json")
    before = Annotation.objects.filter(image__event=world["event"]).count()

    response = import_file(client, world["event"].pk, "instances.json", coco, format="coco")
    assert response.status_code == 202, response.json()
    job = job_run(job_id=response.json()["id"])
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.result["created"] == before  # every exported object matched its image again
    assert Annotation.objects.filter(image__event=world["event"]).count() == 2 * before

    # replace: the images' annotations are swapped for the imported ones, not doubled.
    response = import_file(
        client, world["event"].pk, "instances.json", coco, format="coco", mode="replace"
    )
    job = job_run(job_id=response.json()["id"])
    assert job.result["deleted"] == 2 * before and job.result["created"] == before
    imported = Annotation.objects.filter(image__event=world["event"])
    assert imported.count() == before
    assert set(imported.values_list("source", flat=True)) == {"imported"}


@pytest.mark.parametrize(
    ("name", "data", "fields", "message"),
    [
        ("x.json", b"not json", {"format": "coco"}, "JSON"),
        ("x.json", b'{"type": "FeatureCollection", "features": []}', {"format": "coco"}, "COCO"),
        ("x.json", b"{}", {"format": "kml"}, "kml"),
        ("x.json", b"{}", {"format": "coco", "mode": "merge"}, "merge"),
    ],
)
def test_bad_files_answer_400_naming_the_problem(api, world, name, data, fields, message) -> None:  # type: ignore[no-untyped-def]
    response = import_file(api(world["reviewer"]), world["event"].pk, name, data, **fields)
    assert response.status_code == 400, response.json()
    body = response.json()
    assert message in body["detail"] + str(body["fields"])
    assert not Job.objects.exists()


def test_viewers_cannot_import(api, world, member) -> None:  # type: ignore[no-untyped-def]
    response = import_file(
        api(member(Role.VIEWER)), world["event"].pk, "x.json", b"{}", format="coco"
    )
    assert response.status_code == 403


def test_a_zip_is_not_a_label_file(api, world) -> None:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("a.json", "{}")
    response = import_file(
        api(world["reviewer"]), world["event"].pk, "labels.zip", buffer.getvalue(), format="coco"
    )
    assert response.status_code == 400
