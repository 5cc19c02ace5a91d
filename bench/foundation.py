"""Foundation benchmark: the API on an event at scale. Prints figures; asserts nothing.

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/labeler .venv/bin/python bench/foundation.py

Builds a throwaway test database (``test_<name>``, dropped afterwards) holding one event with
IMAGES georeferenced images spread over the globe and ANNOTATIONS annotations, then times:
  - image list pages with a bbox filter (spatial index on footprints) and without,
  - annotation create and PATCH through the API (validation, EPSG:4326 twin, history),
  - SQL queries per request (they must not grow with the data),
  - pixel -> EPSG:4326 of a 10,000-vertex polygon.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labeler.settings")
os.environ.setdefault("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/labeler")
os.environ.setdefault("DATA_DIR", str(ROOT / "data" / "bench"))
os.environ.setdefault("ALLOWED_HOSTS", "testserver")  # the in-process API client

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
import shapely  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.gis.geos import Polygon  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

IMAGES = int(os.environ.get("BENCH_IMAGES", 50_000))
ANNOTATIONS = int(os.environ.get("BENCH_ANNOTATIONS", 100_000))
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def report(name: str, times: list[float]) -> None:
    p95 = sorted(times)[int(len(times) * 0.95) - 1]
    print(f"{name:<58} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   n={len(times)}")


def build() -> tuple:  # type: ignore[type-arg]
    from events.models import Annotation, Image, LabelClass, Membership, Role
    from tests.factories import EventFactory, TeamFactory, UserFactory

    team = TeamFactory()
    user = UserFactory()
    Membership.objects.create(team=team, user=user, role=Role.ANNOTATOR)
    event = EventFactory(team=team)
    label = LabelClass.objects.create(event=event, name="water")
    rng = np.random.default_rng(7)
    lons, lats = rng.uniform(-179, 178, IMAGES), rng.uniform(-85, 84, IMAGES)
    start = time.perf_counter()
    images = [
        Image(
            event=event,
            name=f"tile-{i}.tif",
            width=512,
            height=512,
            crs="EPSG:4326",
            transform=[1 / 512, 0, float(lon), 0, -1 / 512, float(lat) + 1],
            footprint=Polygon.from_bbox((lon, lat, lon + 1, lat + 1)),
            status="ready",
            source="gibs",
        )
        for i, (lon, lat) in enumerate(zip(lons, lats, strict=True))
    ]
    Image.objects.bulk_create(images, batch_size=5000)
    ids = list(Image.objects.filter(event=event).values_list("pk", flat=True))
    box = {"type": "Polygon", "coordinates": [[[10, 10], [60, 10], [60, 40], [10, 40], [10, 10]]]}
    Annotation.objects.bulk_create(
        [
            Annotation(image_id=ids[i % len(ids)], label_class=label, kind="bbox", geometry=box)
            for i in range(ANNOTATIONS)
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"built {IMAGES} images + {ANNOTATIONS} annotations in {time.perf_counter() - start:.1f} s"
    )
    return user, event, label, ids


def main() -> None:
    print(f"database: {connection.vendor} ({settings.DATABASES['default']['ENGINE']})")
    old = setup_databases(verbosity=0, interactive=False, keepdb=False)
    try:
        user, event, label, ids = build()
        client = APIClient()
        client.force_authenticate(user)
        base = f"/api/v1/events/{event.pk}/images/"

        def page(query: str) -> None:
            response = client.get(base + query)
            assert response.status_code == 200, response.content

        report("GET images, first page of 50 (no filter)", timed(lambda: page(""), 30))
        report(
            "GET images, bbox 20x20 deg (spatial index)", timed(lambda: page("?bbox=0,0,20,20"), 30)
        )
        report(
            "GET images, bbox + source + status, page 5",
            timed(lambda: page("?bbox=-60,-30,60,30&source=gibs&status=ready&page=5"), 30),
        )
        with CaptureQueriesContext(connection) as queries:
            page("?bbox=0,0,20,20")
        print(f"{'SQL queries for one image list page':<58} {len(queries)}")

        image_id = ids[len(ids) // 2]
        box = {"type": "Polygon", "coordinates": [[[1, 1], [9, 1], [9, 9], [1, 9], [1, 1]]]}

        def create() -> None:
            response = client.post(
                f"/api/v1/images/{image_id}/annotations/",
                {"label_class": label.pk, "kind": "bbox", "geometry": box},
                format="json",
            )
            assert response.status_code == 201, response.content

        report("POST annotation (validate, geo twin, history)", timed(create, 100))
        created = client.get(f"/api/v1/images/{image_id}/annotations/?page_size=1").json()
        annotation_id = created["results"][0]["id"]
        version = [created["results"][0]["version"]]

        def patch() -> None:
            response = client.patch(
                f"/api/v1/annotations/{annotation_id}/",
                {"version": version[0], "geometry": box},
                format="json",
            )
            assert response.status_code == 200, response.content
            version[0] = response.json()["version"]

        report("PATCH annotation with version (conditional write)", timed(patch, 100))
        with CaptureQueriesContext(connection) as queries:
            patch()
        print(f"{'SQL queries for one annotation PATCH':<58} {len(queries)}")

        from events.geometry import pixel_to_geographic

        ring = shapely.Polygon(
            [
                (256 + 200 * np.cos(t), 256 + 200 * np.sin(t))
                for t in np.linspace(0, 2 * np.pi, 10_000)
            ]
        )
        report(
            "pixel -> EPSG:4326, 10,000-vertex polygon (UTM 32618)",
            timed(
                lambda: pixel_to_geographic(
                    ring, transform=[30, 0, 500000, 0, -30, 4500000], crs="EPSG:32618"
                ),
                20,
            ),
        )
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
