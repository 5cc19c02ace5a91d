"""The uploads page: files picked in the browser are uploaded one request each, with their
upload progress, then ingested by the real worker; refusals and failures are in words."""

from __future__ import annotations

import zipfile

import pytest
from playwright.sync_api import expect

from events.models import Image
from tests.factories import EventFactory, MembershipFactory
from tests.rasters import DATA

pytestmark = pytest.mark.django_db(transaction=True)


RGB = DATA / "rasterio" / "RGB.byte.tif"


def test_upload_a_geotiff_and_a_broken_file(  # type: ignore[no-untyped-def]
    page, live_server, sign_in, screenshot, console_errors, worker, tmp_path
) -> None:
    membership = MembershipFactory(role="manager")
    event = EventFactory(team=membership.team, name="Valley floods")
    broken = tmp_path / "broken.tif"
    broken.write_text("hello, I am not an image\n")
    url = sign_in(membership.user)
    page.goto(f"{url}/events/{event.pk}/uploads/")
    expect(page.get_by_role("heading", name="Upload imagery")).to_be_visible()
    screenshot("uploads-empty")

    # Slow the upload down so its progress can be seen (Chromium's network emulation).
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 400_000},
    )
    page.get_by_label("Or choose files").set_input_files([str(RGB), str(broken)])

    good = page.locator('[data-upload="RGB.byte.tif"]')
    bad = page.locator('[data-upload="broken.tif"]')
    # The GeoTIFF's bar moves while it is sent.
    bar = good.get_by_role("progressbar", name="RGB.byte.tif upload progress")
    expect(bar).to_be_visible()
    page.wait_for_function(
        """() => {
            const bar = document.querySelector('[data-upload="RGB.byte.tif"] progress');
            return bar && bar.value > 0 && bar.value < 100;
        }"""
    )
    assert "of 1.7 MB" in good.inner_text()
    screenshot("uploads-progress")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )

    # The broken file is refused by the API, in words.
    expect(bad).to_have_attribute("data-status", "refused")
    expect(bad.get_by_role("alert")).to_contain_text("broken.tif")
    refusal = bad.get_by_role("alert").inner_text()
    assert "TIFF" in refusal, refusal

    # The GeoTIFF is ingested by the worker: its job, then ready with a gallery link.
    expect(good).to_have_attribute("data-status", "ready", timeout=60_000)
    expect(good).to_contain_text("1 image added")
    assert good.locator("[data-job-status=succeeded]").count() == 1
    gallery = good.get_by_role("link", name="Open the gallery")
    assert gallery.get_attribute("href") == f"/events/{event.pk}/gallery/"
    screenshot("uploads-done")

    images = list(Image.objects.filter(event=event))
    assert [(i.name, i.status, i.width, i.height, i.band_count) for i in images] == [
        ("RGB.byte.tif", "ready", 791, 718, 3)
    ]
    assert images[0].crs and images[0].footprint is not None
    # The refusal's 400 is the only thing the browser logged as an error.
    assert all("status of 400" in e for e in console_errors), console_errors


def test_archive_failures_are_shown_in_words(  # type: ignore[no-untyped-def]
    page, live_server, sign_in, screenshot, console_errors, worker, tmp_path
) -> None:
    """A ZIP whose member only looks like a TIFF passes the request and fails in the worker
    (the job's error); a ZIP escaping its folder (zip slip) is refused in the request."""
    membership = MembershipFactory(role="owner")
    event = EventFactory(team=membership.team)
    truncated = tmp_path / "truncated.zip"
    with zipfile.ZipFile(truncated, "w") as archive:
        archive.writestr("flood/cut.tif", RGB.read_bytes()[:4096])  # a TIFF header, then nothing
    slip = tmp_path / "slip.zip"
    with zipfile.ZipFile(slip, "w") as archive:
        archive.writestr("../../evil.tif", RGB.read_bytes())
    url = sign_in(membership.user)
    page.goto(f"{url}/events/{event.pk}/uploads/")
    page.get_by_label("Or choose files").set_input_files([str(truncated), str(slip)])

    refused = page.locator('[data-upload="slip.zip"]')
    expect(refused).to_have_attribute("data-status", "refused")
    expect(refused.get_by_role("alert")).to_contain_text("slip.zip")
    assert "../../evil.tif" in refused.get_by_role("alert").inner_text()

    failed = page.locator('[data-upload="truncated.zip"]')
    expect(failed).to_have_attribute("data-status", "failed", timeout=60_000)
    alert = failed.locator("[data-job-status=failed]").get_by_role("alert")
    expect(alert).to_contain_text("truncated.zip/flood/cut.tif")
    screenshot("uploads-archive-errors")
    assert not Image.objects.filter(event=event).exists()
    assert all("status of 400" in e for e in console_errors), console_errors


def test_uploads_need_the_manager_role(page, sign_in, screenshot, console_errors) -> None:  # type: ignore[no-untyped-def]
    membership = MembershipFactory(role="reviewer")
    event = EventFactory(team=membership.team)
    url = sign_in(membership.user)
    page.goto(f"{url}/events/{event.pk}/uploads/")
    expect(page.get_by_text("Uploading imagery needs the")).to_be_visible()
    screenshot("uploads-not-allowed")
    assert page.locator("input[type=file]").count() == 0
    assert console_errors == []


def test_files_dropped_on_the_zone_are_uploaded(  # type: ignore[no-untyped-def]
    page, live_server, sign_in, console_errors
) -> None:
    """A drop (a DataTransfer with a file, as the browser makes one) starts an upload; this
    one is refused in the request, so no job is queued."""
    membership = MembershipFactory(role="manager")
    event = EventFactory(team=membership.team)
    url = sign_in(membership.user)
    page.goto(f"{url}/events/{event.pk}/uploads/")
    zone = page.get_by_test_id("dropzone")
    data = page.evaluate_handle(
        """() => {
            const transfer = new DataTransfer();
            transfer.items.add(new File(["just text"], "notes.png", {type: "image/png"}));
            return transfer;
        }"""
    )
    zone.dispatch_event("dragover", {"dataTransfer": data})
    expect(zone).to_have_class("dropzone dragging")
    zone.dispatch_event("drop", {"dataTransfer": data})
    item = page.locator('[data-upload="notes.png"]')
    expect(item).to_have_attribute("data-status", "refused")
    expect(item.get_by_role("alert")).to_contain_text("notes.png is not a PNG file")
    expect(zone).to_have_class("dropzone")
    assert all("status of 400" in e for e in console_errors), console_errors
