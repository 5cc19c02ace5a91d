"""Gallery benchmark: the image list API and the gallery page at 100,000 images. Prints
figures; asserts nothing.

    cd frontend && VITE_PAGES=gallery FRONTEND_DIST=/tmp/dist-bench npx vite build && cd ..
    FRONTEND_DIST=/tmp/dist-bench \\
    DATABASE_URL=postgis://postgres@127.0.0.1:5432/labeler .venv/bin/python bench/gallery.py

Builds a throwaway test database (``test_<name>``, dropped afterwards; BENCH_KEEP=1 keeps
it) with one event of BENCH_IMAGES (100,000) images, a fifth of them tagged for a tag class
and one in twenty with a predicted annotation, plus a second event of 10,000 images (so the
event filter matters). Then:
  - API: p50/p95 latency of 100-image pages (first, middle, last) of
    /api/v1/events/{id}/images/ through Django's test client, with and without filters,
    BENCH_REPEAT (30) requests each, and the query plan of the middle page;
  - Chromium (Debian's, headless) on a live server: time to the first grid item and the
    first thumbnail, then frames per second while scrolling the grid for 3 s
    (requestAnimationFrame counting), and the time a jump to the middle of the list takes
    to show images.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labeler.settings")
os.environ.setdefault("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/labeler")
os.environ.setdefault("DATA_DIR", str(ROOT / "data" / "bench"))
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop + the ORM

import django  # noqa: E402

from bench.browser import FRAME_STATS_JS, signed_in_chromium  # noqa: E402

django.setup()

IMAGES = int(os.environ.get("BENCH_IMAGES", 100_000))
OTHER = int(os.environ.get("BENCH_OTHER_IMAGES", 10_000))
REPEAT = int(os.environ.get("BENCH_REPEAT", 30))
PAGE = 100


def make_event(team, images: int, thumbnail: str, *, tag_class: bool):  # type: ignore[no-untyped-def]
    """An event of ``images`` image rows (bulk inserted) sharing one stored thumbnail."""
    import datetime as dt

    import numpy as np
    from django.contrib.gis.geos import Polygon

    from events.models import Annotation, Image, ImageTag, LabelClass
    from tests.factories import EventFactory

    event = EventFactory(team=team)
    tag = LabelClass.objects.create(event=event, name="flooded", kind="tag", order=0)
    water = LabelClass.objects.create(event=event, name="water", kind="object", order=1)
    rng = np.random.default_rng(11)
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    stats = [{"min": 0.0, "max": 255.0, "mean": 97.2, "std": 31.5, "p2": 12.0, "p98": 231.0}] * 3
    batch = []
    for i in range(images):
        lon, lat = float(rng.uniform(-170, 169)), float(rng.uniform(-80, 79))
        footprint = Polygon.from_bbox((lon, lat, lon + 0.5, lat + 0.5))
        footprint.srid = 4326
        batch.append(
            Image(
                event=event,
                name=f"S2_{i:06d}.tif",
                source=("sentinelhub", "gibs", "upload")[i % 3],
                status="ready",
                width=512,
                height=512,
                band_names=["red", "green", "blue"],
                crs="EPSG:4326",
                transform=[0.001, 0, lon, 0, -0.001, lat + 0.5],
                footprint=footprint,
                stats=stats,
                acquired_at=start + dt.timedelta(minutes=int(rng.integers(0, 3 * 365 * 24 * 60))),
                cloud_cover=float(rng.uniform(0, 100)) if i % 10 else None,
                thumbnail=thumbnail,
                preview=thumbnail,
                file=thumbnail,  # never read here; the thumbnail route wants a raster
                checksum=f"{i:064x}",
            )
        )
        if len(batch) == 5000:
            Image.objects.bulk_create(batch)
            batch = []
    Image.objects.bulk_create(batch)
    if tag_class:
        ids = list(Image.objects.filter(event=event).values_list("pk", flat=True))
        ImageTag.objects.bulk_create(
            [
                ImageTag(image_id=pk, label_class=tag, state=("positive", "negative")[n % 2])
                for n, pk in enumerate(ids[::5])
            ],
            batch_size=5000,
        )
        box = {"type": "Polygon", "coordinates": [[[1, 1], [9, 1], [9, 9], [1, 9], [1, 1]]]}
        Annotation.objects.bulk_create(
            [
                Annotation(
                    image_id=pk,
                    label_class=water,
                    kind="bbox",
                    geometry=box,
                    source="predicted",
                    confidence=0.8,
                )
                for pk in ids[::20]
            ],
            batch_size=5000,
        )
    return event, tag


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def api_latency(user, event, tag) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    client = Client()
    client.force_login(user)
    url = f"/api/v1/events/{event.pk}/images/"
    cases = {
        "no filter": {},
        "-acquired_at": {"ordering": "-acquired_at"},
        "cloud 0-30, -cloud_cover": {
            "cloud_cover_min": 0,
            "cloud_cover_max": 30,
            "ordering": "-cloud_cover",
        },
        "tag unlabeled, name": {
            "label_class": tag.pk,
            "tag_state": "unlabeled",
            "ordering": "name",
        },
        "labelled=false": {"labelled": "false"},
        "auto_labelled=true": {"auto_labelled": "true"},
        "source=gibs, date range": {
            "source": "gibs",
            "acquired_after": "2021-01-01T00:00:00Z",
            "acquired_before": "2022-01-01T00:00:00Z",
        },
    }
    print(f"\nAPI: GET {url} page_size={PAGE}, {REPEAT} requests each (ms)")
    print(f"{'filter':<28} {'page':>6} {'count':>8} {'p50':>7} {'p95':>7} {'max':>7}")
    for name, query in cases.items():
        first = client.get(url, {**query, "page_size": PAGE})
        assert first.status_code == 200, first.content[:300]
        count = first.json()["count"]
        last_page = max(1, -(-count // PAGE))
        for label, page in (("first", 1), ("middle", (last_page + 1) // 2), ("last", last_page)):
            times = []
            client.get(url, {**query, "page_size": PAGE, "page": page})  # warm
            for _ in range(REPEAT):
                start = time.perf_counter()
                response = client.get(url, {**query, "page_size": PAGE, "page": page})
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
            print(
                f"{name:<28} {label:>6} {count:>8,} {statistics.median(times):7.1f} "
                f"{percentile(times, 0.95):7.1f} {max(times):7.1f}"
            )


def query_plans(user, event, tag) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection

    from events.image_selectors import image_list_filtered

    for title, kwargs, offset in (
        ("middle page, -acquired_at", {"ordering": "-acquired_at"}, IMAGES // 2),
        ("last page, no filter", {}, IMAGES - PAGE),
        (
            "middle page, tag unlabeled",
            {"label_class": tag.pk, "tag_state": "unlabeled"},
            IMAGES // 3,
        ),
    ):
        # What the list view pages through: ids only (then it reads those 100 rows).
        images = image_list_filtered(user=user, event=event, **kwargs).values_list("pk")
        images = images[offset : offset + PAGE]
        sql, params = images.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS OFF) {sql}", params)
            plan = [row[0] for row in cursor.fetchall()]
        print(f"\nquery plan: {title}")
        for line in plan:
            print(f"  {line}")


def browser(user, event) -> None:  # type: ignore[no-untyped-def]
    with signed_in_chromium(user) as (context, base):
        # The time the first grid item appears, from navigation start.
        context.add_init_script(
            """
            new MutationObserver((_, observer) => {
              if (document.querySelector('[role=option]')) {
                performance.mark('gallery:first-item');
                observer.disconnect();
              }
            }).observe(document, {childList: true, subtree: true});
            """
        )
        page = context.new_page()
        runs = []
        for _ in range(3):
            page.goto(f"{base}/events/{event.pk}/gallery/")
            page.wait_for_selector("[role=option] img")
            page.wait_for_function(
                "performance.getEntriesByName('gallery:first-thumbnail').length > 0"
            )
            runs.append(
                page.evaluate(
                    """() => {
                      const at = (name) => performance.getEntriesByName(name)[0]?.startTime;
                      return {
                        fcp: at('first-contentful-paint'),
                        item: at('gallery:first-item'),
                        thumb: at('gallery:first-thumbnail'),
                        count: document.querySelector('[data-testid=image-count]').textContent,
                      };
                    }"""
                )
            )
        print(f"\nChromium: the gallery of {runs[0]['count']} (3 loads, ms from navigation)")
        for key, label in (
            ("fcp", "first contentful paint"),
            ("item", "first grid item"),
            ("thumb", "first thumbnail shown"),
        ):
            values = [run[key] for run in runs]
            print(f"  {label:<26} median {statistics.median(values):7.0f}   runs {values}")

        scroll = page.evaluate(
            """async () => {
              const el = document.querySelector('.gallery-scroll');
              const frames = [];
              let last = performance.now();
              const end = last + 3000;
              await new Promise((resolve) => {
                const step = (now) => {
                  frames.push(now - last);
                  last = now;
                  el.scrollTop += 40;  // 2,400 px/s at 60 Hz: about 11 rows a second
                  if (now < end) requestAnimationFrame(step); else resolve();
                };
                requestAnimationFrame(step);
              });
              frames.shift();
              return {...("""
            + FRAME_STATS_JS
            + """)(frames), scrolled: el.scrollTop};
            }"""
        )
        print(
            f"  scrolling 3 s (40 px a frame): {scroll['fps']:.1f} frames/s over "
            f"{scroll['frames']} frames, frame time p95 {scroll['p95']:.1f} ms, worst "
            f"{scroll['worst']:.1f} ms, {scroll['long']} frames over 50 ms; "
            f"{scroll['scrolled']:,.0f} px scrolled"
        )
        jump = page.evaluate(
            """async () => {
              const el = document.querySelector('.gallery-scroll');
              const start = performance.now();
              el.scrollTop = el.scrollHeight / 2;
              while (performance.now() - start < 10000) {
                await new Promise((r) => requestAnimationFrame(r));
                const items = el.querySelectorAll('[role=option]');
                const shown = [...items].some((o) => {
                  const box = o.getBoundingClientRect();
                  const view = el.getBoundingClientRect();
                  return box.top >= view.top && box.bottom <= view.bottom;
                });
                if (shown) return performance.now() - start;
              }
              return null;
            }"""
        )
        print(f"  jump to the middle of the list: images shown after {jump:.0f} ms")
        rendered = page.evaluate("document.querySelectorAll('[role=option]').length")
        print(f"  grid items in the DOM after scrolling: {rendered}")


def main() -> None:
    from django.conf import settings
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="labeler-bench-media-")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
    old = setup_databases(verbosity=0, interactive=False)
    try:
        from events.models import Membership, Role
        from tests.factories import TeamFactory, UserFactory
        from tests.rasters import png_bytes

        user = UserFactory(username="bench")
        team = TeamFactory()
        Membership.objects.create(team=team, user=user, role=Role.ANNOTATOR)
        thumbnail = default_storage.save("thumbnails/bench.png", ContentFile(png_bytes(64, 64)))
        start = time.perf_counter()
        event, tag = make_event(team, IMAGES, thumbnail, tag_class=True)
        make_event(team, OTHER, thumbnail, tag_class=False)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # what autovacuum leaves: index-only scans
        print(
            f"event: {IMAGES:,} images (a fifth tagged, 1 in 20 with a predicted box) plus "
            f"another event of {OTHER:,}; {connection.vendor}; built in "
            f"{time.perf_counter() - start:.0f} s"
        )
        query_plans(user, event, tag)
        api_latency(user, event, tag)
        if not os.environ.get("BENCH_NO_BROWSER"):
            browser(user, event)
    finally:
        if os.environ.get("BENCH_KEEP"):
            print(f"kept database {connection.settings_dict['NAME']}")
        else:
            teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
