"""The datasets page: a reviewer builds a COCO + GeoJSON version through the form, the real
worker builds it, the page shows its counts, and the COCO download is a valid COCO ZIP."""

from __future__ import annotations

import json
import zipfile
from typing import Any

import pytest
from playwright.sync_api import expect
from pycocotools.coco import COCO

from events.models import DatasetVersion, LabelClass, Role
from events.services.annotations import annotation_create
from events.services.images import image_tag_set
from tests.factories import (
    DatasetVersionFactory,
    EventFactory,
    LabelClassFactory,
    PixelImageFactory,
)
from tests.rasters import RGB, image_with_raster

pytestmark = pytest.mark.django_db(transaction=True)

BOX = {"type": "Polygon", "coordinates": [[[10, 20], [110, 20], [110, 70], [10, 70], [10, 20]]]}
HOLE = {
    "type": "Polygon",
    "coordinates": [
        [[300, 300], [500, 300], [500, 500], [300, 500], [300, 300]],
        [[350, 350], [350, 400], [400, 400], [400, 350], [350, 350]],
    ],
}
SMALL = {"type": "Polygon", "coordinates": [[[1, 1], [9, 1], [9, 9], [1, 9], [1, 1]]]}


def labelled_event(role: str) -> dict[str, Any]:
    """A georeferenced GeoTIFF with a box and a polygon with a hole, a plain PNG with a box,
    and a tag on each (as tests/api/test_datasets.py)."""
    from tests.factories import MembershipFactory

    membership = MembershipFactory(role=role)
    event = EventFactory(team=membership.team, name="Valley floods")
    water = LabelClassFactory(event=event, name="water")
    cloud = LabelClassFactory(event=event, name="cloud")
    flooded = LabelClassFactory(event=event, name="flooded", kind=LabelClass.Kind.TAG)
    author = membership.user if role != Role.VIEWER else None
    if author is None:
        from tests.factories import UserFactory

        author = UserFactory()
        MembershipFactory(team=membership.team, user=author, role=Role.REVIEWER)
    image = image_with_raster(event, RGB)
    plain = PixelImageFactory(event=event, name="plain.png", width=64, height=64)
    annotation_create(user=author, image=image, label_class=water, kind="bbox", geometry=BOX)
    annotation_create(user=author, image=image, label_class=cloud, kind="polygon", geometry=HOLE)
    annotation_create(user=author, image=plain, label_class=water, kind="bbox", geometry=SMALL)
    image_tag_set(user=author, image=image, label_class=flooded, state="positive")
    image_tag_set(user=author, image=plain, label_class=flooded, state="negative")
    return {"event": event, "user": membership.user, "author": author}


def test_build_a_version_and_download_its_coco(  # type: ignore[no-untyped-def]
    page, live_server, sign_in, screenshot, console_errors, worker, tmp_path
) -> None:
    world = labelled_event(Role.REVIEWER)
    event = world["event"]
    url = sign_in(world["user"])
    page.goto(f"{url}/events/{event.pk}/datasets/")
    expect(page.get_by_text("No dataset version yet.")).to_be_visible()
    # Every exporter is offered; COCO and GeoJSON are ticked by default.
    formats = page.get_by_role("group", name="Formats")
    assert formats.get_by_role("checkbox").count() == 9
    expect(formats.get_by_role("checkbox", name="COCO")).to_be_checked()
    expect(formats.get_by_role("checkbox", name="GeoJSON")).to_be_checked()
    # The event's label classes are offered as filters.
    classes = page.get_by_role("group", name="Label classes")
    expect(classes.get_by_role("checkbox")).to_have_count(3)

    page.get_by_label("Name (optional)").fill("first cut")
    page.get_by_label("Train ratio").fill("0.5")
    page.get_by_label("Validation ratio").fill("0.4")
    page.get_by_label("Test ratio").fill("0")
    expect(
        page.get_by_text("The split ratios must add up to 1 (they add up to 0.9).")
    ).to_be_visible()
    page.get_by_role("button", name="Build version").click()
    expect(page.get_by_role("alert")).to_contain_text("must add up to 1")
    screenshot("datasets-form-error")
    assert not DatasetVersion.objects.exists()  # nothing was sent
    page.get_by_label("Validation ratio").fill("0.5")
    page.get_by_label("Seed").fill("1")
    page.get_by_role("button", name="Build version").click()

    # The build job's progress, then the ready version with its counts.
    expect(page.locator(".build-job [data-job-id]")).to_be_visible()
    card = page.locator('article[data-version="1"]')
    expect(card).to_have_attribute("data-status", "ready", timeout=90_000)
    expect(page.locator(".build-job [data-job-status=succeeded]")).to_be_visible()
    expect(card).to_contain_text("first cut")
    expect(card).to_contain_text(f"Created by {world['user'].username}")
    counts = card.get_by_role("table", name="Counts of version 1")
    images_row = counts.get_by_role("row", name="Images")
    assert images_row.locator("td").last.inner_text() == "2"
    assert (
        counts.get_by_role("row", name="Annotations: water").locator("td").last.inner_text() == "2"
    )
    assert (
        counts.get_by_role("row", name="Annotations: cloud").locator("td").last.inner_text() == "1"
    )
    expect(counts.get_by_role("row", name="Tags: flooded:positive")).to_be_visible()

    # The manifest: every file of each ZIP with its sha256.
    card.get_by_text("Files and checksums").click()
    manifest = card.locator(".manifest")
    expect(manifest.get_by_role("cell", name="label_schema.json").first).to_be_visible()
    version = DatasetVersion.objects.get(event=event)
    assert version.status == "ready" and version.formats == ["coco", "geojson"]
    assert version.name == "first cut" and version.split["seed"] == 1
    for entry in version.manifest["coco"]:
        row = manifest.locator("[data-format=coco]").get_by_role("row", name=entry["path"]).first
        expect(row).to_contain_text(entry["sha256"])
    screenshot("datasets-ready")

    with page.expect_download() as info:
        card.get_by_role("link", name="Download COCO of version 1").click()
    download = info.value
    assert download.suggested_filename == f"{event.slug}-v1-coco.zip"
    path = tmp_path / "coco.zip"
    download.save_as(path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "coco")
        schema = json.loads(archive.read("label_schema.json"))
    assert {"README.md", "label_schema.json", "MANIFEST.sha256"} <= set(names)
    assert [c["name"] for c in schema["classes"]] == ["water", "cloud", "flooded"]
    splits = sorted(n for n in names if n.startswith("annotations/instances_"))
    assert splits
    annotations = []
    for name in splits:
        coco = COCO(str(tmp_path / "coco" / name))
        annotations += coco.loadAnns(coco.getAnnIds())
        assert {c["name"] for c in coco.loadCats(coco.getCatIds())} >= {"water", "cloud"}
    assert len(annotations) == 3
    assert [10, 20, 100, 50] in [[round(v) for v in a["bbox"]] for a in annotations]
    assert console_errors == []


def test_viewers_list_and_download_but_do_not_build(  # type: ignore[no-untyped-def]
    page, live_server, sign_in, screenshot, console_errors, worker
) -> None:
    from workers.exports.build import dataset_start
    from workers.models import Job

    world = labelled_event(Role.VIEWER)
    event = world["event"]
    version, job = dataset_start(user=world["author"], event=event, formats=["geojson"])
    DatasetVersionFactory(
        event=event,
        number=7,
        status="failed",
        error="OSError: No space left on device",
        created_by=world["author"],
    )
    url = sign_in(world["user"])
    page.goto(f"{url}/events/{event.pk}/datasets/")
    expect(page.get_by_text("Building a dataset version needs the reviewer")).to_be_visible()
    assert page.get_by_role("button", name="Build version").count() == 0
    card = page.locator('article[data-version="1"]')
    # The list follows the build the worker runs, then offers the download.
    expect(card).to_have_attribute("data-status", "ready", timeout=90_000)
    link = card.get_by_role("link", name="Download GeoJSON of version 1")
    assert link.get_attribute("href") == f"/api/v1/datasets/{version.pk}/download/?format=geojson"
    assert Job.objects.get(pk=job.pk).status == "succeeded"
    failed = page.locator('article[data-version="7"]')
    expect(failed.get_by_role("alert")).to_have_text(
        "The build failed: OSError: No space left on device"
    )
    assert failed.get_by_role("link").count() == 0
    screenshot("datasets-viewer")
    assert console_errors == []
