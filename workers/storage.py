"""Rasters in Django's default storage, as paths GDAL can read.

Local disk (``FileSystemStorage``) gives the file's own path. S3-compatible storage
(django-storages ``S3Storage``) gives ``/vsis3/<bucket>/<location>/<name>`` and GDAL reads it
with HTTP range requests: the endpoint, region, keys and addressing style come from the
storage's own settings and are handed to GDAL in a ``rasterio.Env`` (``raster_env``), so a
custom endpoint (MinIO, moto, Ceph) works exactly like AWS. Any other storage backend is
downloaded once into ``DATA_DIR/cache/rasters/`` and read from there.

    with open_raster(image.file.name) as dataset:
        dataset.read(1)
"""

from __future__ import annotations

import functools
import hashlib
import posixpath
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import rasterio
from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from rasterio.session import AWSSession

# GDAL options for reading COGs: no directory listing on open (a COG is one file; on S3
# a listing is an extra request per open) and only the extensions GDAL may fetch remotely.
READ_OPTIONS: dict[str, Any] = {
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".tif,.tiff,.TIF,.TIFF",
    "GDAL_HTTP_MERGE_CONSECUTIVE_RANGES": "YES",
    "VSI_CACHE": "TRUE",
}


def _s3_storage_class() -> type | None:
    try:
        from storages.backends.s3 import S3Storage
    except ImportError:  # pragma: no cover - django-storages[s3] is a dependency
        return None
    return S3Storage


def is_s3(storage: Storage | None = None) -> bool:
    """Whether ``storage`` (default: the default storage) is django-storages' S3Storage."""
    s3 = _s3_storage_class()
    # default_storage is a LazyObject; isinstance() sees the storage it wraps.
    return s3 is not None and isinstance(storage or default_storage, s3)


def raster_path(name: str) -> str:
    """A path GDAL can open for the file ``name`` of the default storage."""
    storage = default_storage
    if isinstance(storage, FileSystemStorage):
        return storage.path(name)
    if is_s3(storage):
        key = posixpath.join(storage.location or "", name).lstrip("/")  # type: ignore[attr-defined]
        return f"/vsis3/{storage.bucket_name}/{key}"  # type: ignore[attr-defined]
    return str(_downloaded(name))


def _downloaded(name: str) -> Path:
    """A local copy of ``name`` from a storage GDAL cannot read directly (kept once made)."""
    digest = hashlib.sha256(name.encode()).hexdigest()[:32]
    target = Path(settings.DATA_DIR) / "cache" / "rasters" / f"{digest}{Path(name).suffix}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".part")
        with default_storage.open(name, "rb") as source, partial.open("wb") as out:
            shutil.copyfileobj(source, out, length=1024 * 1024)
        partial.replace(target)
    return target


def gdal_options() -> dict[str, Any]:
    """GDAL configuration (besides credentials) for reading the default storage."""
    options = dict(READ_OPTIONS)
    storage = default_storage
    if not is_s3(storage):
        return options
    endpoint = getattr(storage, "endpoint_url", None)
    if endpoint:
        parts = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
        options["AWS_HTTPS"] = "YES" if parts.scheme == "https" else "NO"
        # A custom endpoint (MinIO, moto, Ceph...) serves path-style URLs unless told not to.
        virtual = getattr(storage, "addressing_style", None) == "virtual"
        options["AWS_VIRTUAL_HOSTING"] = "TRUE" if virtual else "FALSE"
    elif getattr(storage, "use_ssl", True) is False:
        options["AWS_HTTPS"] = "NO"
    return options


@functools.lru_cache(maxsize=8)
def _aws_session(
    access_key: str | None,
    secret_key: str | None,
    token: str | None,
    region: str | None,
    endpoint: str | None,
) -> AWSSession:
    # Built once per configuration: a boto3 session costs milliseconds to create.
    return AWSSession(
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        aws_session_token=token,
        region_name=region or "us-east-1",
        endpoint_url=endpoint,
    )


def _session() -> AWSSession | None:
    storage = default_storage
    if not is_s3(storage):
        return None
    endpoint = getattr(storage, "endpoint_url", None)
    if endpoint and "://" in endpoint:
        endpoint = urlsplit(endpoint).netloc  # GDAL's AWS_S3_ENDPOINT is host[:port]
    return _aws_session(
        getattr(storage, "access_key", None),
        getattr(storage, "secret_key", None),
        getattr(storage, "security_token", None),
        getattr(storage, "region_name", None),
        endpoint,
    )


@contextmanager
def raster_env() -> Iterator[None]:
    """A ``rasterio.Env`` able to read the default storage (credentials included)."""
    with rasterio.Env(session=_session(), **gdal_options()):
        yield


@contextmanager
def open_raster(name: str) -> Iterator[rasterio.io.DatasetReader]:
    """Open the raster ``name`` of the default storage for reading, in ``raster_env``."""
    with raster_env(), rasterio.open(raster_path(name)) as dataset:
        yield dataset
