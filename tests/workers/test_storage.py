"""workers/storage.py: GDAL paths for local disk, and S3 for real against moto's S3 server.

The S3 tests start ``moto_server`` on 127.0.0.1 (a free port), save a COG through
django-storages' S3Storage, then read a tile and band vectors through GDAL's /vsis3/.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import rasterio
import requests
from django.core.files.storage import default_storage

from tests import rasters
from workers import storage, tiles

pytestmark = pytest.mark.django_db

BUCKET = "labeler-test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server on 127.0.0.1 for this module, stopped afterwards."""
    executable = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")
    port = _free_port()
    server = subprocess.Popen(
        [executable, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(endpoint, timeout=0.5)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail("moto_server did not start")
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        ).create_bucket(Bucket=BUCKET)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def s3_storage(settings, s3_endpoint):  # type: ignore[no-untyped-def]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "location": "media",
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
            },
        },
    }
    yield
    tiles.close_datasets()
    tiles.BLOCKS.clear()


@pytest.fixture
def local_storage(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    yield
    tiles.close_datasets()
    tiles.BLOCKS.clear()


def test_local_files_are_read_from_their_own_path(local_storage, event):
    image = rasters.image_with_raster(event, rasters.EUROSAT)
    path = storage.raster_path(image.file.name)
    assert path == default_storage.path(image.file.name) and Path(path).is_file()
    with storage.open_raster(image.file.name) as dataset:
        assert (dataset.count, dataset.width) == (13, 64)
    assert storage.gdal_options()["GDAL_DISABLE_READDIR_ON_OPEN"] == "EMPTY_DIR"


def test_s3_files_are_read_through_vsis3_with_the_storages_settings(s3_storage, event):
    image = rasters.image_with_raster(event, rasters.EUROSAT)
    assert storage.is_s3()
    assert storage.raster_path(image.file.name) == f"/vsis3/{BUCKET}/media/{image.file.name}"
    options = storage.gdal_options()
    assert options["AWS_HTTPS"] == "NO" and options["AWS_VIRTUAL_HOSTING"] == "FALSE"

    with storage.open_raster(image.file.name) as dataset:
        remote = dataset.read()
    with rasterio.open(rasters.EUROSAT) as src:
        assert (remote == src.read()).all()


def test_a_tile_and_band_vectors_through_s3_equal_the_local_ones(
    s3_storage, event, settings, tmp_path
):
    remote_image = rasters.image_with_raster(event, rasters.S2)
    remote = tiles.StoredRaster.from_image(remote_image)
    plan = tiles.resolve(remote, tiles.TileRequest(preset="falsecolor"))
    points = [(0.5, 0.5), (100.2, 30.9), (255, 255)]
    remote_tile = tiles.render_tile(remote, 0, 0, 0, plan, space="image")
    found = tiles.tile_range(remote, space="mercator")
    tile = tiles.TMS.tile(found["center"][0], found["center"][1], found["maxzoom"])
    remote_map_tile = tiles.render_tile(remote, tile.z, tile.x, tile.y, plan)
    remote_vectors = tiles.band_vectors(remote, points)

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = str(tmp_path / "media")
    local = tiles.StoredRaster.from_image(rasters.image_with_raster(event, rasters.S2))

    assert remote_tile == tiles.render_tile(local, 0, 0, 0, plan, space="image")
    assert remote_map_tile == tiles.render_tile(local, tile.z, tile.x, tile.y, plan)
    assert remote_vectors == tiles.band_vectors(local, points)
    assert remote_vectors[2]["values"][3] > 0  # real data, not an empty read


def test_band_vectors_of_many_blocks_through_s3_equal_the_file(s3_storage, event):
    # Several blocks in one read: GDAL's decoding threads fetch them from S3.
    info = tiles.StoredRaster.from_image(rasters.image_with_raster(event, rasters.RGB))
    points = [(x + 0.5, y + 0.5) for x in range(5, 791, 97) for y in range(3, 718, 101)]

    vectors = tiles.band_vectors(info, points)

    with rasterio.open(rasters.RGB) as src:
        data = src.read()
    for (x, y), found in zip(points, vectors, strict=True):
        assert found["values"] == data[:, int(y), int(x)].tolist()
    assert any(found["values"] != [0, 0, 0] for found in vectors)  # real data, not zeros


def test_a_dataset_version_is_stored_through_s3(s3_storage, event, member):  # type: ignore[no-untyped-def]
    # The build's files go to S3 by upload (local storage moves them into place instead).
    import hashlib

    from events.models import Role
    from tests.factories import AnnotationFactory, LabelClassFactory
    from workers.exports.build import build_dataset, dataset_start

    image = rasters.image_with_raster(event, rasters.RGB)
    AnnotationFactory(image=image, label_class=LabelClassFactory(event=event))
    version, _ = dataset_start(user=member(Role.REVIEWER), event=event, formats=["coco"])
    build_dataset(dataset=version.pk, progress=lambda *a: None)
    version.refresh_from_db()
    assert version.status == "ready", version.error
    with default_storage.open(version.snapshot) as f:
        assert hashlib.sha256(f.read()).hexdigest() == version.checksum
    with default_storage.open(version.files["coco"]["name"]) as f:
        data = f.read()
    assert hashlib.sha256(data).hexdigest() == version.files["coco"]["sha256"]
    assert len(data) == version.files["coco"]["size"] > 0
