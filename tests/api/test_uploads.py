"""POST /api/v1/events/{id}/uploads/: multipart uploads that start an ingest job.

A real job is run with ``job_run`` (no Celery worker); the task message is checked to go
to the broker only once the request's transaction commits. Every refusal is checked for its
status, ``code`` and message, and for leaving nothing: no job, no image, no staged file, no
temporary upload file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from events.models import Image, ImageTag, Membership, Role
from tests.api.support import assert_error
from tests.api.test_jobs import FIELDS as JOB_FIELDS
from tests.factories import TeamFactory, UserFactory
from tests.workers import imagery
from tests.workers.broker import queue_delete, queue_messages, unique_queue_name
from workers.models import Job
from workers.services import job_run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> imagery.Media:  # type: ignore[no-untyped-def]
    return imagery.isolate_storage(settings, tmp_path)


@pytest.fixture
def queue(settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Task messages of this test go to a queue of its own on the real broker."""
    name = unique_queue_name()
    settings.CELERY_TASK_DEFAULT_QUEUE = name
    yield name
    queue_delete(name)


@pytest.fixture
def manager(member):  # type: ignore[no-untyped-def]
    return member(Role.MANAGER)


def _url(event_id: int) -> str:
    return reverse("v1:event-uploads", kwargs={"event_id": event_id})


def _file(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def _post(client, event_id: int, files: list[Any], **fields: Any):  # type: ignore[no-untyped-def]
    return client.post(_url(event_id), {"files": files, **fields}, format="multipart")


def assert_nothing_left(media: imagery.Media) -> None:
    assert not Job.objects.exists()
    assert not Image.objects.exists()
    assert media.files() == []
    assert media.staged() == []
    assert media.temporary() == []


def test_the_route_is_where_the_readme_says() -> None:
    assert _url(7) == "/api/v1/events/7/uploads/"


# --- a real upload, end to end -------------------------------------------------------------


def test_a_multi_file_upload_queues_one_job_after_commit_and_ingests_everything(  # type: ignore[no-untyped-def]
    api, event, manager, media, queue, settings, django_capture_on_commit_callbacks
) -> None:
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10_000  # the bigger files stream to disk
    tile = imagery.GIBS_TILES[0]
    archive = imagery.zip_bytes(
        {"flood/a.png": imagery.small_png(1), "dry/b.png": imagery.small_png(2)}
    )
    files = [
        _file(imagery.RGB_TENTH),
        _file(imagery.EUROSAT[1]),
        _file(tile),
        *(_file(p) for p in imagery.sidecars(tile)),
        SimpleUploadedFile("labels.zip", archive),
    ]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _post(api(manager), event.pk, files, band_order="l1c")

    assert response.status_code == 202, response.content
    body = response.json()
    assert set(body) == JOB_FIELDS
    assert (body["kind"], body["status"], body["progress"]) == ("ingest_upload", "queued", 0.0)
    assert (body["owner"], body["team"], body["event"]) == (
        manager.username,
        event.team_id,
        event.pk,
    )
    assert response["Location"] == f"http://testserver/api/v1/jobs/{body['id']}/"
    params = body["params"]
    assert (params["event_id"], params["user_id"], params["band_order"]) == (
        event.pk,
        manager.pk,
        "l1c",
    )
    assert [(f["name"], f["kind"]) for f in params["files"]] == [
        ("rgb-byte-tenth.tif", "tiff"),
        ("Pasture_300.tif", "tiff"),
        (tile.name, "jpeg"),
        (tile.with_suffix(".wld").name, "sidecar"),
        (tile.name + ".aux.xml", "sidecar"),
        ("labels.zip", "zip"),
    ]
    # Staged side by side; Django's temporary upload files are gone (moved or closed).
    assert len(media.staged()) == 7  # the folder and its six files
    assert media.temporary() == []
    # Queued only once the transaction commits.
    assert len(callbacks) == 1
    assert queue_messages(queue) == []
    callbacks[0]()
    assert [(m["task"], m["args"]) for m in queue_messages(queue)] == [
        ("workers.tasks.run_job", [body["id"]])
    ]

    job = job_run(job_id=body["id"])  # what the worker does with the message

    assert job.status == Job.Status.SUCCEEDED, job.error
    result = api(manager).get(response["Location"]).json()["result"]
    assert len(result["images"]) == 5
    assert result["duplicates"] == []
    assert result["tags"] == {"flood": 1, "dry": 1}
    images = {i.name: i for i in Image.objects.all()}
    assert set(images) == {
        "rgb-byte-tenth.tif",
        "Pasture_300.tif",
        tile.name,
        "labels.zip/flood/a.png",
        "labels.zip/dry/b.png",
    }
    assert images[tile.name].crs == "EPSG:4326"
    assert images["rgb-byte-tenth.tif"].source == "geotiff"
    assert images["rgb-byte-tenth.tif"].band_names == ["red", "green", "blue"]
    # band_order=l1c applies to the 13-band image, over EuroSAT's order recognised otherwise.
    assert images["Pasture_300.tif"].band_names[8:] == ["B8A", "B09", "B10", "B11", "B12"]
    assert ImageTag.objects.filter(label_class__name="flood", state="positive").count() == 1
    assert media.staged() == []

    listed = api(manager).get(f"/api/v1/events/{event.pk}/images/").json()["results"]
    tenth = next(i for i in listed if i["name"] == "rgb-byte-tenth.tif")
    assert (tenth["has_preview"], tenth["has_thumbnail"]) == (True, True)
    assert tenth["reflectance_scale"] is None and tenth["reflectance_offset"] == 0.0
    assert [set(band) for band in tenth["stats"]] == [
        {"min", "max", "mean", "std", "p2", "p98"}
    ] * 3


def test_a_failing_file_fails_the_job_naming_it_and_keeps_nothing(  # type: ignore[no-untyped-def]
    api, event, manager, media, tmp_path, django_capture_on_commit_callbacks
) -> None:
    cut = imagery.truncated_cog(imagery.RGB_BYTE, tmp_path / "cut.tif")
    with django_capture_on_commit_callbacks(execute=False):
        response = _post(api(manager), event.pk, [_file(imagery.RGB_TENTH), _file(cut)])
    assert response.status_code == 202  # its header is fine: only reading its data fails

    with pytest.raises(Exception, match=r"cut\.tif is corrupt or truncated"):
        job_run(job_id=response.json()["id"])

    job = api(manager).get(response["Location"]).json()
    assert job["status"] == "failed"
    assert job["error"].startswith("CorruptRaster: cut.tif is corrupt or truncated")
    assert not Image.objects.exists()  # rgb-byte-tenth.tif went in first, then out again
    assert media.files() == []
    assert media.staged() == []


def test_a_duplicate_is_reported_in_the_result(  # type: ignore[no-untyped-def]
    api, event, manager, django_capture_on_commit_callbacks
) -> None:
    ids = []
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=False):
            response = _post(api(manager), event.pk, [_file(imagery.RGB_TENTH)])
        ids.append(job_run(job_id=response.json()["id"]).result)

    first, second = ids
    assert second == {
        "images": [],
        "duplicates": [{"name": "rgb-byte-tenth.tif", "existing_image": first["images"][0]}],
        "tags": {},
    }


# --- who may upload ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MANAGER, Role.OWNER])
def test_managers_and_owners_may_upload(api, member, event, role) -> None:  # type: ignore[no-untyped-def]
    response = _post(
        api(member(role)), event.pk, [SimpleUploadedFile("a.png", imagery.small_png())]
    )
    assert response.status_code == 202


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANNOTATOR, Role.REVIEWER])
def test_members_below_manager_get_403_and_nothing_is_read(  # type: ignore[no-untyped-def]
    api, member, event, media, role
) -> None:
    response = _post(api(member(role)), event.pk, [_file(imagery.RGB_TENTH)])

    body = assert_error(response, 403, "permission_denied")
    assert "needs manager or higher" in body["detail"]
    assert_nothing_left(media)


def test_another_teams_event_is_404(api, event, media) -> None:  # type: ignore[no-untyped-def]
    outsider = UserFactory()
    Membership.objects.create(team=TeamFactory(), user=outsider, role=Role.OWNER)

    response = _post(api(outsider), event.pk, [_file(imagery.RGB_TENTH)])

    assert_error(response, 404, "not_found")
    assert_nothing_left(media)


def test_anonymous_callers_get_401(api, event, media) -> None:  # type: ignore[no-untyped-def]
    response = _post(api(), event.pk, [_file(imagery.RGB_TENTH)])

    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"
    assert_nothing_left(media)


def test_a_json_body_is_not_an_upload(api, event, manager, media) -> None:  # type: ignore[no-untyped-def]
    response = api(manager).post(_url(event.pk), {"files": []}, format="json")

    assert_error(response, 415, "unsupported_media_type")
    assert_nothing_left(media)


# --- bad input ---------------------------------------------------------------------------


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


BAD = {
    "text renamed .tif": (
        lambda tmp: [_upload("scene.tif", b"field notes, not a raster\n")],
        "unsupported_format",
        "scene.tif is not a TIFF file: its content is text",
    ),
    "unsupported format": (
        lambda tmp: [_upload("scene.gif", b"GIF89a" + bytes(20))],
        "unsupported_format",
        "scene.gif: unsupported file type",
    ),
    "zero size": (
        lambda tmp: [_upload("empty.tif", b"")],
        "invalid_upload",
        "empty.tif is empty (0 bytes).",
    ),
    "corrupt tiff": (
        lambda tmp: [_upload("broken.tif", imagery.RGB_BYTE.read_bytes()[:300])],
        "corrupt_raster",
        "broken.tif could not be read as TIFF",
    ),
    "decompression bomb": (
        lambda tmp: [_upload("bomb.png", imagery.png_bomb())],
        "raster_too_large",
        "bomb.png declares 100000 x 100000 pixels",
    ),
    "rotated transform": (
        lambda tmp: [_file(imagery.rotated_tiff(tmp / "rotated.tif"))],
        "unsupported_georeference",
        "rotated.tif: rotated transforms are not supported; warp to north-up first, e.g. gdalwarp",
    ),
    "crs without transform": (
        lambda tmp: [_file(imagery.crs_without_transform_tiff(tmp / "lost.tif"))],
        "unsupported_georeference",
        "lost.tif has a CRS but no usable geotransform",
    ),
    "zip slip": (
        lambda tmp: [_upload("slip.zip", imagery.zip_bytes({"../../x.png": imagery.small_png()}))],
        "unsafe_archive",
        "slip.zip has members with paths outside the archive: ../../x.png",
    ),
    "zip bomb": (
        lambda tmp: [_upload("bomb.zip", imagery.zip_bomb())],
        "unsafe_archive",
        "bomb.zip would expand",
    ),
    "nested zip": (
        lambda tmp: [
            _upload(
                "outer.zip",
                imagery.zip_bytes({"flood/inner.zip": imagery.zip_bytes({"a.png": b"x"})}),
            )
        ],
        "unsafe_archive",
        "outer.zip holds other ZIP archives (flood/inner.zip)",
    ),
    "unsupported zip member": (
        lambda tmp: [
            _upload("set.zip", imagery.zip_bytes({"a.png": imagery.small_png(), "a.exe": b"MZ"}))
        ],
        "unsupported_format",
        "set.zip has members of unsupported types: a.exe",
    ),
    "sidecar without image": (
        lambda tmp: [_file(imagery.GIBS_TILES[0].with_suffix(".wld"))],
        "invalid_upload",
        "MODIS_Terra_CorrectedReflectance_TrueColor_0.wld is a sidecar file without its image",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_a_400_naming_the_file_and_keeps_nothing(  # type: ignore[no-untyped-def]
    api, event, manager, media, settings, tmp_path, case
) -> None:
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000  # most go through a temporary file on disk
    build, code, message = BAD[case]
    # A good file first: a refusal must not leave it staged either.
    files = [SimpleUploadedFile("good.png", imagery.small_png()), *build(tmp_path)]

    response = _post(api(manager), event.pk, files)

    body = assert_error(response, 400, code)
    assert message in body["detail"]
    assert_nothing_left(media)


@pytest.mark.parametrize(
    ("fields", "names", "text"),
    [
        ({}, ["files"], "This field is required."),
        ({"band_order": "l3"}, ["band_order"], '"l3" is not a valid choice.'),
        ({"bands": "l1c"}, ["bands"], "Unknown field 'bands'."),
    ],
)
def test_bad_fields_are_named(api, event, manager, media, fields, names, text) -> None:  # type: ignore[no-untyped-def]
    body = {"files": [SimpleUploadedFile("a.png", imagery.small_png())], **fields}
    if not fields:
        body = {}
    response = api(manager).post(_url(event.pk), body, format="multipart")

    result = assert_error(response, 400, "invalid", names)
    assert result["fields"][names[0]] == [text]
    assert_nothing_left(media)


@pytest.mark.parametrize("in_memory", [True, False], ids=["in-memory", "streamed-to-disk"])
def test_a_file_over_the_size_limit_is_413_and_is_not_kept(  # type: ignore[no-untyped-def]
    api, event, manager, media, settings, monkeypatch, in_memory
) -> None:
    from api.views import uploads

    # The upload handler stops the request while the file streams in: the view never
    # gets to the upload checks (which would refuse it too, after the whole body).
    monkeypatch.setattr(uploads, "upload_start", lambda **kwargs: pytest.fail("body read"))
    settings.LABELER_MAX_UPLOAD_SIZE = 10_000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1_000_000 if in_memory else 1_000
    big = SimpleUploadedFile("big.tif", imagery.RGB_TENTH.read_bytes())  # 17 kB
    assert big.size > 10_000

    response = _post(
        api(manager), event.pk, [SimpleUploadedFile("a.png", imagery.small_png()), big]
    )

    body = assert_error(response, 413, "payload_too_large")
    assert (
        body["detail"]
        == "big.tif is larger than the limit of 10,000 bytes (LABELER_MAX_UPLOAD_SIZE)."
    )
    assert_nothing_left(media)


def test_a_browser_session_uploads_with_the_csrf_token(  # type: ignore[no-untyped-def]
    event, manager, media, settings, django_capture_on_commit_callbacks
) -> None:
    """Session auth reads the body for the CSRF check before the view runs: the size limit
    is already in place then (413, nothing kept), and a good upload still works."""
    from rest_framework.test import APIClient

    from tests.factories import PASSWORD

    browser = APIClient(enforce_csrf_checks=True)
    assert browser.login(username=manager.username, password=PASSWORD)
    files = {"files": [SimpleUploadedFile("a.png", imagery.small_png())]}

    refused = browser.post(_url(event.pk), files, format="multipart")
    assert "CSRF" in assert_error(refused, 403, "permission_denied")["detail"]

    secret = "a" * 32
    browser.cookies["csrftoken"] = secret
    settings.LABELER_MAX_UPLOAD_SIZE = 500
    big = {"files": [SimpleUploadedFile("big.png", imagery.small_png(size=64))]}
    too_big = browser.post(_url(event.pk), big, format="multipart", HTTP_X_CSRFTOKEN=secret)
    assert assert_error(too_big, 413, "payload_too_large")["detail"].startswith("big.png is")
    assert_nothing_left(media)

    settings.LABELER_MAX_UPLOAD_SIZE = 10_000
    files = {"files": [SimpleUploadedFile("a.png", imagery.small_png())]}
    with django_capture_on_commit_callbacks(execute=False):
        accepted = browser.post(_url(event.pk), files, format="multipart", HTTP_X_CSRFTOKEN=secret)
    assert accepted.status_code == 202, accepted.content


def test_too_many_files_in_one_request_is_a_400(api, event, manager, media, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    files = [SimpleUploadedFile(f"{i}.png", imagery.small_png(i)) for i in range(4)]

    response = _post(api(manager), event.pk, files)

    body = assert_error(response, 400, "too_many_files")
    assert "DATA_UPLOAD_MAX_NUMBER_FILES" in body["detail"]
    assert_nothing_left(media)
