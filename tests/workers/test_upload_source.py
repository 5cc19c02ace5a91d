"""workers/sources/upload.py: checks in the request, staging, and the ``ingest_upload`` job.

Every refusal is checked for its error class and message, and for leaving nothing behind:
no Image row, no file in storage, no staging folder.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from django.core.files.uploadedfile import SimpleUploadedFile

from events.errors import Forbidden
from events.models import Image, ImageTag, LabelClass, Membership, Role
from tests.workers import imagery
from tests.workers.test_storage import BUCKET as s3_storage_bucket
from tests.workers.test_storage import s3_endpoint, s3_storage  # noqa: F401 (fixtures)
from workers.errors import (
    CorruptRaster,
    JobError,
    JobInputError,
    RasterTooLarge,
    UnsafeArchive,
    UnsupportedFormat,
    UnsupportedGeoreference,
    UploadRejected,
    UploadTooLarge,
)
from workers.sources import upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> imagery.Media:  # type: ignore[no-untyped-def]
    return imagery.isolate_storage(settings, tmp_path)


@pytest.fixture
def manager(member):  # type: ignore[no-untyped-def]
    return member(Role.MANAGER)


def _file(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def _bytes(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


class Progress:
    def __init__(self) -> None:
        self.calls: list[tuple[float, str]] = []

    def __call__(self, fraction: float, message: str = "") -> None:
        self.calls.append((fraction, message))


def _run(event, manager, files, band_order=None) -> tuple[dict[str, Any], Progress]:  # type: ignore[no-untyped-def]
    params = upload.upload_stage(event=event, files=files, band_order=band_order)
    progress = Progress()
    result = upload.ingest_upload(
        event_id=event.pk, user_id=manager.pk, progress=progress, **params
    )
    return result, progress


# --- staging -----------------------------------------------------------------------------------


def test_a_jpeg_and_its_sidecars_are_staged_side_by_side(event, media) -> None:  # type: ignore[no-untyped-def]
    tile = imagery.GIBS_TILES[0]
    files = [_file(tile), *(_file(p) for p in imagery.sidecars(tile))]

    params = upload.upload_stage(event=event, files=files)

    staging = params["staging"]
    assert staging.startswith("staging/") and len(staging) == len("staging/") + 32
    assert [(f["name"], f["kind"]) for f in params["files"]] == [
        (tile.name, "jpeg"),
        (tile.with_suffix(".wld").name, "sidecar"),
        (tile.name + ".aux.xml", "sidecar"),
    ]
    assert media.files() == sorted(f"{staging}/{f['name']}" for f in params["files"])
    for f in params["files"]:
        assert f["path"] == f"{staging}/{f['name']}"
    assert params["band_order"] is None


def test_the_staged_jpeg_is_georeferenced_by_its_sidecars_and_staging_goes(  # type: ignore[no-untyped-def]
    event, manager, media
) -> None:
    tile = imagery.GIBS_TILES[0]
    files = [_file(tile), *(_file(p) for p in imagery.sidecars(tile))]

    result, progress = _run(event, manager, files)

    image = Image.objects.get(pk__in=result["images"])
    assert (image.name, image.crs) == (tile.name, "EPSG:4326")
    footprint = shapely.from_wkb(bytes(image.footprint.wkb))
    assert footprint.bounds == pytest.approx((-90.0, 36.0, -81.0, 45.0))
    assert result == {"images": [image.pk], "duplicates": [], "tags": {}}
    assert media.staged() == []
    assert len(media.files()) == 3  # COG, preview, thumbnail
    assert progress.calls[-1][0] == 1.0


# --- the job ---------------------------------------------------------------------------------


def test_several_files_with_progress_per_file(event, manager, media) -> None:  # type: ignore[no-untyped-def]
    files = [_file(imagery.RGB_TENTH), _file(imagery.EO_FLOAT), _file(imagery.EUROSAT[2])]

    result, progress = _run(event, manager, files)

    images = list(Image.objects.filter(pk__in=result["images"]).order_by("pk"))
    assert [i.name for i in images] == [
        p.name for p in (imagery.RGB_TENTH, imagery.EO_FLOAT, imagery.EUROSAT[2])
    ]
    assert images[2].band_names == [
        "B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B09", "B10", "B11", "B12", "B8A"
    ]  # fmt: skip
    fractions = [fraction for fraction, _ in progress.calls]
    assert fractions == sorted(fractions)
    messages = [message for _, message in progress.calls]
    for n in (1, 2, 3):
        assert any(f"({n} of 3)" in m for m in messages)
    assert any("SeaLake_3000.tif" in m for m in messages)
    assert media.staged() == []


def test_band_order_applies_to_the_images_with_its_band_count(event, manager) -> None:  # type: ignore[no-untyped-def]
    files = [_file(imagery.EUROSAT[0]), _file(imagery.RGB_TENTH), _file(imagery.S2_L2A)]

    result, _ = _run(event, manager, files, band_order="l1c")

    names = {i.name: i.band_names for i in Image.objects.filter(pk__in=result["images"])}
    assert names == {
        "AnnualCrop_1.tif": [
            "B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10",
            "B11", "B12",
        ],
        "rgb-byte-tenth.tif": ["red", "green", "blue"],
        "S2A_29RKH_20200219_L2A_12band_200m_256px.tif": [
            "B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B11", "B12"
        ],
    }  # fmt: skip


def test_zip_folders_become_positive_tags(event, manager, media) -> None:  # type: ignore[no-untyped-def]
    archive = imagery.zip_bytes(
        {
            "flood/a.png": imagery.small_png(1),
            "flood/2024/b.png": imagery.small_png(2),
            "dry/c.tif": imagery.RGB_TENTH.read_bytes(),
            "top.png": imagery.small_png(3),
            "__MACOSX/flood/._a.png": b"\x00\x05\x16\x07 resource fork",
            "flood/.DS_Store": b"\x00\x00\x00\x01Bud1",
            "Thumbs.db": b"\xd0\xcf\x11\xe0",
        }
    )

    result, _ = _run(event, manager, [_bytes("labels.zip", archive)])

    images = {i.name: i for i in Image.objects.filter(pk__in=result["images"])}
    assert set(images) == {
        "labels.zip/flood/a.png",
        "labels.zip/flood/2024/b.png",
        "labels.zip/dry/c.tif",
        "labels.zip/top.png",
    }
    assert result["tags"] == {"flood": 2, "dry": 1}
    tags = {
        (t.image.name, t.label_class.name, t.state)
        for t in ImageTag.objects.select_related("image", "label_class")
    }
    assert tags == {
        ("labels.zip/flood/a.png", "flood", "positive"),
        ("labels.zip/flood/2024/b.png", "flood", "positive"),  # the top folder only
        ("labels.zip/dry/c.tif", "dry", "positive"),
    }
    assert set(LabelClass.objects.filter(event=event).values_list("name", "kind")) == {
        ("flood", "tag"),
        ("dry", "tag"),
    }
    assert images["labels.zip/dry/c.tif"].provenance["upload"] == {
        "file": "labels.zip",
        "member": "dry/c.tif",
    }
    assert media.staged() == []


def test_a_zip_keeps_sidecars_beside_their_image(event, manager) -> None:  # type: ignore[no-untyped-def]
    tile = imagery.GIBS_TILES[0]
    members = {f"snow/{tile.name}": tile.read_bytes()}
    members.update({f"snow/{p.name}": p.read_bytes() for p in imagery.sidecars(tile)})

    result, _ = _run(event, manager, [_bytes("tiles.zip", imagery.zip_bytes(members))])

    image = Image.objects.get(pk__in=result["images"])
    assert image.crs == "EPSG:4326"
    assert shapely.from_wkb(bytes(image.footprint.wkb)).bounds == pytest.approx(
        (-90.0, 36.0, -81.0, 45.0)
    )


def test_duplicates_are_skipped_and_reported(event, manager, media) -> None:  # type: ignore[no-untyped-def]
    first, _ = _run(event, manager, [_file(imagery.RGB_TENTH)])
    existing = first["images"][0]
    archive = imagery.zip_bytes(
        {"again/tenth.tif": imagery.RGB_TENTH.read_bytes(), "new.png": imagery.small_png(9)}
    )

    result, _ = _run(event, manager, [_bytes("batch.zip", archive)])

    assert result["duplicates"] == [
        {"name": "batch.zip/again/tenth.tif", "existing_image": existing}
    ]
    assert len(result["images"]) == 1
    assert Image.objects.count() == 2
    assert media.staged() == []


def test_the_same_file_twice_in_one_upload_is_one_image(event, manager) -> None:  # type: ignore[no-untyped-def]
    png = imagery.small_png(5)
    archive = imagery.zip_bytes({"a/one.png": png, "b/two.png": png})

    result, _ = _run(event, manager, [_bytes("twice.zip", archive)])

    assert len(result["images"]) == 1
    assert result["duplicates"] == [
        {"name": "twice.zip/b/two.png", "existing_image": result["images"][0]}
    ]


def test_a_bad_file_fails_the_job_naming_it_and_removes_the_upload(  # type: ignore[no-untyped-def]
    event, manager, media, tmp_path
) -> None:
    """The good images ingested before the bad one are removed: nothing half-stored."""
    cut = imagery.truncated_cog(imagery.RGB_BYTE, tmp_path / "cut.tif").read_bytes()
    archive = imagery.zip_bytes(
        {
            "flood/a.png": imagery.small_png(1),
            "flood/b.png": imagery.small_png(2),
            "flood/cut.tif": cut,
        }
    )
    params = upload.upload_stage(event=event, files=[_bytes("set.zip", archive)])
    progress = Progress()

    with pytest.raises(CorruptRaster, match=r"set\.zip/flood/cut\.tif is corrupt or truncated"):
        upload.ingest_upload(event_id=event.pk, user_id=manager.pk, progress=progress, **params)

    assert any("(2 of 3)" in message for _, message in progress.calls)  # two went in first
    assert not Image.objects.exists()
    assert not ImageTag.objects.exists()
    assert media.files() == []
    assert media.staged() == []


def test_an_unexpected_error_is_named_after_the_file(event, manager, media, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from workers import rasters

    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise OSError("disk full")

    monkeypatch.setattr(rasters, "render_preview", broken)
    params = upload.upload_stage(event=event, files=[_file(imagery.RGB_TENTH)])

    with pytest.raises(
        JobError, match=r"rgb-byte-tenth\.tif could not be ingested: OSError: disk full"
    ):
        upload.ingest_upload(event_id=event.pk, user_id=manager.pk, progress=Progress(), **params)

    assert not Image.objects.exists()
    assert media.files() == []


def test_the_job_rechecks_the_users_role(event, manager, media) -> None:  # type: ignore[no-untyped-def]
    params = upload.upload_stage(event=event, files=[_file(imagery.RGB_TENTH)])
    Membership.objects.filter(user=manager).update(role=Role.ANNOTATOR)

    with pytest.raises(Forbidden, match="needs manager or higher"):
        upload.ingest_upload(event_id=event.pk, user_id=manager.pk, progress=Progress(), **params)

    assert not Image.objects.exists()
    assert media.files() == []


def test_an_event_deleted_before_the_job_ran(event, manager, media) -> None:  # type: ignore[no-untyped-def]
    params = upload.upload_stage(event=event, files=[_file(imagery.RGB_TENTH)])
    event_id = event.pk
    event.delete()

    with pytest.raises(JobInputError, match="no longer exists"):
        upload.ingest_upload(event_id=event_id, user_id=manager.pk, progress=Progress(), **params)

    assert media.files() == []


def test_staging_delete_never_leaves_staging(media) -> None:  # type: ignore[no-untyped-def]
    for prefix in ("images", "staging/../images", "staging/", "staging/ABC", ""):
        with pytest.raises(ValueError, match="Not a staging folder"):
            upload.staging_delete(prefix)


# --- refused in the request --------------------------------------------------------------------


PNG = imagery.small_png()

#: case -> (the files sent, built on demand in a temp dir; the error; its message)
REFUSALS: dict[str, tuple[Callable[[Path], list[SimpleUploadedFile]], type[Exception], str]] = {
    "text renamed .tif": (
        lambda tmp: [_bytes("scene.tif", b"just some text, honest\n")],
        UnsupportedFormat,
        r"scene\.tif is not a TIFF file: its content is text",
    ),
    "png renamed .jpg": (
        lambda tmp: [_bytes("photo.jpg", PNG)],
        UnsupportedFormat,
        r"photo\.jpg is not a JPEG file: its content is PNG",
    ),
    "unsupported format": (
        lambda tmp: [_bytes("map.bmp", b"BM" + bytes(100))],
        UnsupportedFormat,
        r"map\.bmp: unsupported file type",
    ),
    "zero size": (
        lambda tmp: [_bytes("empty.png", b"")],
        UploadRejected,
        r"empty\.png is empty \(0 bytes\)",
    ),
    "decompression bomb": (
        lambda tmp: [_bytes("bomb.png", imagery.png_bomb())],
        RasterTooLarge,
        r"bomb\.png declares 100000 x 100000 pixels",
    ),
    "corrupt tiff header": (
        lambda tmp: [_bytes("broken.tif", b"II*\x00" + b"\xff" * 64)],
        CorruptRaster,
        r"broken\.tif could not be read as TIFF",
    ),
    "rotated transform": (
        lambda tmp: [_file(imagery.rotated_tiff(tmp / "rotated.tif"))],
        UnsupportedGeoreference,
        r"rotated\.tif: rotated transforms are not supported; warp to north-up first",
    ),
    "crs without transform": (
        lambda tmp: [_file(imagery.crs_without_transform_tiff(tmp / "lost.tif"))],
        UnsupportedGeoreference,
        r"lost\.tif has a CRS but no usable geotransform",
    ),
    "same name twice": (
        lambda tmp: [_bytes("a.png", PNG), _bytes("a.png", imagery.small_png(2))],
        UploadRejected,
        r"a\.png is sent twice",
    ),
    "sidecar alone": (
        lambda tmp: [_bytes("a.png", PNG), _bytes("b.wld", b"1\n0\n0\n-1\n0\n0\n")],
        UploadRejected,
        r"b\.wld is a sidecar file without its image",
    ),
    "not a world file": (
        lambda tmp: [_bytes("a.png", PNG), _bytes("a.wld", b"hello")],
        UploadRejected,
        r"a\.wld is not a world file",
    ),
    "no file": (lambda tmp: [], UploadRejected, "Send at least one file"),
    "zip slip ..": (
        lambda tmp: [_bytes("evil.zip", imagery.zip_bytes({"../../etc/evil.png": PNG}))],
        UnsafeArchive,
        r"evil\.zip has members with paths outside the archive: \.\./\.\./etc/evil\.png",
    ),
    "zip slip absolute": (
        lambda tmp: [_bytes("evil.zip", imagery.zip_bytes({"/tmp/evil.png": PNG}))],
        UnsafeArchive,
        "paths outside the archive: /tmp/evil.png",
    ),
    "zip slip backslashes": (
        lambda tmp: [_bytes("evil.zip", imagery.zip_bytes({"..\\..\\evil.png": PNG}))],
        UnsafeArchive,
        "paths outside the archive",
    ),
    "zip symlink": (
        lambda tmp: [
            _bytes(
                "link.zip",
                imagery.zip_bytes(
                    {"flood/a.png": PNG, "flood/passwd.png": b"/etc/passwd"},
                    symlinks=("flood/passwd.png",),
                ),
            )
        ],
        UnsafeArchive,
        r"link\.zip has symbolic links: flood/passwd\.png",
    ),
    "zip bomb": (
        lambda tmp: [_bytes("bomb.zip", imagery.zip_bomb())],
        UnsafeArchive,
        r"bomb\.zip would expand \d[\d,]* times its size, over the limit of 100",
    ),
    "nested zip by name": (
        lambda tmp: [
            _bytes(
                "outer.zip",
                imagery.zip_bytes({"a.png": PNG, "inner.zip": b"PK\x05\x06" + bytes(18)}),
            )
        ],
        UnsafeArchive,
        r"outer\.zip holds other ZIP archives \(inner\.zip\)",
    ),
    "nested zip in disguise": (
        lambda tmp: [
            _bytes(
                "outer.zip", imagery.zip_bytes({"flood/a.png": imagery.zip_bytes({"x.png": PNG})})
            )
        ],
        UnsafeArchive,
        r"holds other ZIP archives \(flood/a\.png\)",
    ),
    "unsupported members": (
        lambda tmp: [
            _bytes(
                "mixed.zip",
                imagery.zip_bytes({"a.png": PNG, "notes.txt": b"x", "b.gif": b"GIF89a"}),
            )
        ],
        UnsupportedFormat,
        r"mixed\.zip has members of unsupported types: notes\.txt, b\.gif",
    ),
    "text renamed .tif in a zip": (
        lambda tmp: [_bytes("set.zip", imagery.zip_bytes({"flood/a.tif": b"plain text\n"}))],
        UnsupportedFormat,
        r"set\.zip: flood/a\.tif is not a TIFF file: its content is text",
    ),
    "sidecar alone in a zip": (
        lambda tmp: [
            _bytes("set.zip", imagery.zip_bytes({"a/x.png": PNG, "b/x.wld": b"1 0 0 -1 0 0"}))
        ],
        UploadRejected,
        r"set\.zip: b/x\.wld is a sidecar file without its image beside it",
    ),
    "huge sidecar in a zip": (
        lambda tmp: [
            _bytes("set.zip", imagery.zip_bytes({"a/x.png": PNG, "a/x.wld": bytes(2_000_000)}))
        ],
        UploadRejected,
        r"a/x\.wld is too large for a sidecar file \(2,000,000 bytes\)",
    ),
    "zip without images": (
        lambda tmp: [_bytes("nothing.zip", imagery.zip_bytes({"__MACOSX/._a.png": b"x"}))],
        UploadRejected,
        r"nothing\.zip holds no PNG, JPEG or TIFF image",
    ),
    "not a zip": (
        lambda tmp: [_bytes("fake.zip", b"PK\x03\x04 but not really a zip")],
        UploadRejected,
        r"fake\.zip is not a valid ZIP archive",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refused_in_the_request_naming_the_problem(event, media, tmp_path, case) -> None:  # type: ignore[no-untyped-def]
    build, error, message = REFUSALS[case]
    files = build(tmp_path)

    with pytest.raises(error, match=message) as exc:
        upload.upload_stage(event=event, files=files)

    assert exc.value.code  # type: ignore[attr-defined]
    assert media.files() == []
    assert media.staged() == []
    assert not Image.objects.exists()


def test_a_file_over_the_size_limit_is_too_large(event, media, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LABELER_MAX_UPLOAD_SIZE = 1000
    with pytest.raises(UploadTooLarge, match=r"big\.png is larger than the limit of 1,000 bytes"):
        upload.upload_stage(event=event, files=[_bytes("big.png", imagery.small_png(size=64))])
    assert media.files() == []


def test_a_zip_expanding_over_the_size_limit_is_refused(event, media, settings) -> None:  # type: ignore[no-untyped-def]
    archive = imagery.zip_bytes({"flood/big.tif": b"II*\x00" + bytes(100_000)})
    settings.LABELER_MAX_UPLOAD_SIZE = len(archive) + 10  # the archive fits, its content not

    with pytest.raises(UnsafeArchive, match=r"would expand to [\d,]+ bytes, over the limit"):
        upload.upload_stage(event=event, files=[_bytes("big.zip", archive)])
    assert media.files() == []


def test_a_zip_with_too_many_members_is_refused(event, media, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LABELER_MAX_ZIP_MEMBERS = 3
    archive = imagery.zip_bytes({f"{i}.png": imagery.small_png(i) for i in range(4)})

    with pytest.raises(UnsafeArchive, match=r"has 4 members, over the limit of 3"):
        upload.upload_stage(event=event, files=[_bytes("many.zip", archive)])


def test_small_compressible_zips_are_no_bombs(event) -> None:  # type: ignore[no-untyped-def]
    """An all-zero mask compresses ~1000:1; under ZIP_RATIO_FLOOR the ratio is not held
    against it."""
    mask = imagery.png_bytes(np.zeros((1, 2000, 2000), dtype="uint8"))
    archive = imagery.zip_bytes(
        {"masks/m.png": mask, "masks/big.tif": b"II*\x00" + bytes(4_000_000)}
    )
    members = upload.check_archive(io.BytesIO(archive), filename="masks.zip", size=len(archive))
    assert [m.path for m in members] == ["masks/m.png", "masks/big.tif"]


def test_a_folder_named_like_an_object_class_is_refused(event, media) -> None:  # type: ignore[no-untyped-def]
    LabelClass.objects.create(event=event, name="water", kind=LabelClass.Kind.OBJECT)
    archive = imagery.zip_bytes({"water/a.png": imagery.small_png()})

    with pytest.raises(UploadRejected, match="'water' is a label class of kind object"):
        upload.upload_stage(event=event, files=[_bytes("w.zip", archive)])
    assert media.files() == []


def test_uploaded_file_names_are_made_safe(event, media) -> None:  # type: ignore[no-untyped-def]
    params = upload.upload_stage(
        event=event, files=[_bytes("my scene (1).png", imagery.small_png())]
    )

    assert params["files"][0]["name"] == "my scene (1).png"
    assert params["files"][0]["path"].endswith("/my_scene_1.png")


def test_file_kinds() -> None:
    assert upload.file_kind("A.TIF") == "tiff"
    assert upload.file_kind("a.jpeg") == "jpeg"
    assert upload.file_kind("a.jpg.aux.xml") == "sidecar"
    assert upload.file_kind("a.JGW") == "sidecar"
    assert upload.file_kind("a.zip") == "zip"
    assert upload.file_kind("a.gif") is None
    assert upload.file_kind("tif") is None


# --- on S3 (moto's S3 server) ------------------------------------------------------------------


@pytest.mark.usefixtures("s3_storage")
def test_an_upload_on_s3_storage_stages_ingests_and_cleans_up_in_the_bucket(  # type: ignore[no-untyped-def]
    event, manager, settings
) -> None:
    """S3 has no local paths: the job copies the staged files, sidecars too, to local disk."""
    import boto3

    endpoint = settings.STORAGES["default"]["OPTIONS"]["endpoint_url"]
    tile = imagery.GIBS_TILES[1]
    files = [_file(tile), *(_file(p) for p in imagery.sidecars(tile)), _file(imagery.RGB_TENTH)]
    bucket = boto3.resource(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    ).Bucket(s3_storage_bucket)
    before = {o.key for o in bucket.objects.all()}

    params = upload.upload_stage(event=event, files=files)
    staged = {o.key for o in bucket.objects.all()} - before
    assert staged == {f"media/{f['path']}" for f in params["files"]}  # the sidecars too
    result = upload.ingest_upload(
        event_id=event.pk, user_id=manager.pk, progress=Progress(), **params
    )

    images = {i.name: i for i in Image.objects.filter(pk__in=result["images"])}
    assert images[tile.name].crs == "EPSG:4326"  # its sidecars came along from the bucket
    added = {o.key for o in bucket.objects.all()} - before
    assert not [key for key in added if "/staging/" in key]
    assert added == {
        f"media/{f.name}"
        for image in images.values()
        for f in (image.file, image.preview, image.thumbnail)
    }
