"""The two modes of labeler/settings.py, read in fresh interpreters with a given environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": str(settings.DATABASES["default"]["NAME"]),
    "options": settings.DATABASES["default"].get("OPTIONS", {}),
    "broker": settings.CELERY_BROKER_URL,
    "broker_options": getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
    "storage": settings.STORAGES["default"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "secret_len": len(settings.SECRET_KEY),
    "gdal": settings.GDAL_LIBRARY_PATH,
}, default=str))
"""


def read_settings(tmp_path: Path, **env: str) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "REDIS_URL",
            "STORAGE_URL",
            "SECRET_KEY",
            "DATA_DIR",
        }
    }
    clean.update({"DJANGO_SETTINGS_MODULE": "labeler.settings", "DATA_DIR": str(tmp_path), **env})
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_embedded_default_needs_no_service(tmp_path: Path) -> None:
    found = read_settings(tmp_path)
    assert found["engine"] == "django.contrib.gis.db.backends.spatialite"
    assert found["name"] == str(tmp_path / "labeler.sqlite3")
    assert "journal_mode=WAL" in found["options"]["init_command"]
    assert found["options"]["transaction_mode"] == "IMMEDIATE"
    assert found["broker"] == "filesystem://"
    assert found["broker_options"]["data_folder_in"] == str(tmp_path / "broker" / "out")
    assert (tmp_path / "broker" / "out").is_dir()  # the worker needs it before it starts
    assert found["storage"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert found["cache"].endswith("LocMemCache")
    # No SECRET_KEY given: one is generated once, kept private in DATA_DIR, and reused.
    key_file = tmp_path / "secret_key"
    assert key_file.stat().st_mode & 0o077 == 0
    assert found["secret_len"] >= 50
    assert read_settings(tmp_path)["secret_len"] == found["secret_len"]
    assert "rasterio.libs" in found["gdal"]  # one GDAL per process: the rasterio wheel's


def test_team_deployment_from_urls(tmp_path: Path) -> None:
    found = read_settings(
        tmp_path,
        DATABASE_URL="postgis://labeler:pw@db.internal:5432/labeler",
        CELERY_BROKER_URL="redis://redis.internal:6379/0",
        REDIS_URL="redis://redis.internal:6379/1",
        STORAGE_URL="s3://imagery-bucket/labeler?endpoint_url=https://s3.example.org&region_name=eu-1",
        SECRET_KEY="x" * 60,
    )
    assert found["engine"] == "django.contrib.gis.db.backends.postgis"
    assert found["name"] == "labeler"
    assert found["broker"] == "redis://redis.internal:6379/0"
    assert found["cache"].endswith("RedisCache")
    assert found["storage"] == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "imagery-bucket",
            "location": "labeler",
            "endpoint_url": "https://s3.example.org",
            "region_name": "eu-1",
        },
    }
    assert not (tmp_path / "secret_key").exists()


def test_unknown_storage_scheme_is_refused(tmp_path: Path) -> None:
    clean = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="labeler.settings",
        DATA_DIR=str(tmp_path),
        STORAGE_URL="ftp://example.org/files",
    )
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert out.returncode != 0
    assert "STORAGE_URL must be empty (local disk) or s3://bucket/prefix" in out.stderr


SPATIALITE_THEN_WHEELS = """
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:  # SQLite loads mod_spatialite (and Debian's GEOS, PROJ)
    cursor.execute("SELECT spatialite_version(), geos_version(), proj_version()")
    print(cursor.fetchone())
import PIL.Image, pyproj, rasterio, shapely
from rasterio.crs import CRS
print(shapely.buffer(shapely.Point(0, 0), 1).area)
print(pyproj.Transformer.from_crs(4326, 3857, always_xy=True).transform(10, 50))
print(CRS.from_epsg(32633).to_epsg())
"""


def test_spatialite_and_the_wheels_native_libraries_share_a_process(tmp_path: Path) -> None:
    # Regression: a wheel's GEOS/PROJ loaded after mod_spatialite bound to Debian's copies
    # and the process died in free() at exit (`manage.py migrate` in run.sh, exit 134/139).
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="labeler.settings", DATA_DIR=str(tmp_path))
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", SPATIALITE_THEN_WHEELS],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert out.returncode == 0, out.stderr[-2000:]
        lines = out.stdout.strip().splitlines()
        assert lines[-1] == "32633"
        assert lines[-3].startswith("3.1")  # the buffer's area, about pi
