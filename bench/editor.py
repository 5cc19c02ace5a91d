"""Editor benchmark: one image with 5,000 polygons in the annotation editor. Prints figures;
asserts nothing.

    cd frontend && VITE_PAGES=editor,jobs FRONTEND_DIST=/tmp/dist-bench npx vite build && cd ..
    FRONTEND_DIST=/tmp/dist-bench \\
    DATABASE_URL=postgis://postgres@127.0.0.1:5432/labeler .venv/bin/python bench/editor.py

Builds a throwaway test database (``test_<name>``, dropped afterwards; BENCH_KEEP=1 keeps
it) with one event and the real RGB.byte.tif (791 x 718 px, its COG in a temporary media
dir) carrying BENCH_SHAPES (5,000) polygons of 8-12 vertices in four classes, each with its
EPSG:4326 twin as the API stores it. Then, in Chromium (Debian's, headless, 1280 x 800) on
a live server, BENCH_REPEAT (3) times:
  - load: navigation start -> every shape drawn (the objects list says 5,000 and two
    animation frames have passed since the last shape was added to the canvas), with the
    first shapes drawn (the first page) and the time the annotation list requests took
    (the API alone is timed too, through Django's test client);
and once on the loaded page, counting requestAnimationFrame callbacks:
  - panning by mouse drag (what a person does: the canvas is redrawn when the drag ends),
  - panning programmatically by a few pixels every frame without animation (the canvas is
    redrawn every frame: the worst case),
  - zooming in and out with the mouse wheel (animated zoom, a redraw at each zoom end).
Targets (issue 7): load <= 2 s, >= 30 frames per second.
"""

from __future__ import annotations

import math
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

SHAPES = int(os.environ.get("BENCH_SHAPES", 5_000))
REPEAT = int(os.environ.get("BENCH_REPEAT", 3))


def make_image(user):  # type: ignore[no-untyped-def]
    import numpy as np
    from django.contrib.gis.geos import GEOSGeometry

    from events.geometry import pixel_to_wgs84
    from events.models import Annotation, LabelClass
    from tests import rasters
    from tests.factories import EventFactory

    event = EventFactory(team=user.memberships.first().team, name="Editor bench")
    classes = [
        LabelClass.objects.create(event=event, name=name, order=i, color=color, hotkey=str(i + 1))
        for i, (name, color) in enumerate(
            [("water", "#1f78b4"), ("ship", "#e31a1c"), ("cloud", "#ffffff"), ("smoke", "#ff7f00")]
        )
    ]
    image = rasters.image_with_raster(event, rasters.RGB)
    rng = np.random.default_rng(7)
    rows = []
    for i in range(SHAPES):
        n = int(rng.integers(8, 13))
        cx = float(rng.uniform(15, image.width - 15))
        cy = float(rng.uniform(15, image.height - 15))
        angles = np.sort(rng.uniform(0, 2 * math.pi, n))
        radii = rng.uniform(4, 12, n)
        ring = [
            [round(cx + r * math.cos(a), 2), round(cy + r * math.sin(a), 2)]
            for a, r in zip(angles, radii, strict=True)
        ]
        ring.append(ring[0])
        geometry = {"type": "Polygon", "coordinates": [ring]}
        geo = pixel_to_wgs84(geometry, transform=image.transform, crs=image.crs)
        rows.append(
            Annotation(
                image=image,
                label_class=classes[i % 4],
                kind="polygon",
                geometry=geometry,
                geo_geometry=GEOSGeometry(geo.wkt, srid=4326),
                author=user,
            )
        )
    Annotation.objects.bulk_create(rows, batch_size=2000)
    return image


DRAWN_MARK = """
  // performance.mark('editor:drawn') once the objects list shows every shape and two
  // animation frames have passed (Leaflet's canvas draws on the next frame).
  (() => {
    const want = 'Objects (%d)';
    const check = () => {
      const h = document.getElementById('editor-objects');
      if (h && !performance.getEntriesByName('editor:first').length
          && /^Objects \\((?!0\\))\\d+\\)$/.test(h.textContent)) {
        requestAnimationFrame(() => requestAnimationFrame(() => performance.mark('editor:first')));
      }
      if (h && h.textContent === want) {
        observer.disconnect();
        requestAnimationFrame(() => requestAnimationFrame(() => performance.mark('editor:drawn')));
      }
    };
    const observer = new MutationObserver(check);
    observer.observe(document, {childList: true, subtree: true, characterData: true});
  })();
"""

COUNT_FRAMES = """
  () => {
    window.__frames = [];
    let last = performance.now();
    window.__counting = true;
    const step = (now) => {
      window.__frames.push(now - last);
      last = now;
      if (window.__counting) requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  }
"""

FRAME_STATS = f"""
  () => {{
    window.__counting = false;
    return ({FRAME_STATS_JS})(window.__frames.slice(1));
  }}
"""


def report(label: str, stats: dict) -> None:  # type: ignore[type-arg]
    print(
        f"  {label:<44} {stats['fps']:5.1f} frames/s over {stats['seconds']:.1f} s "
        f"(frame time p95 {stats['p95']:.1f} ms, worst {stats['worst']:.1f} ms, "
        f"{stats['long']} frames over 50 ms)"
    )


def api_time(user, image) -> None:  # type: ignore[no-untyped-def]
    """The annotation list on the server alone (Django's test client, no network)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    url = f"/api/v1/images/{image.pk}/annotations/"
    client.get(url, {"page_size": 1000})  # warm
    times = []
    for _ in range(3):
        start = time.perf_counter()
        page, count = 1, 0
        while True:
            response = client.get(url, {"page_size": 1000, "page": page})
            body = response.json()
            count += len(body["results"])
            if not body["next"]:
                break
            page += 1
        times.append((time.perf_counter() - start) * 1000)
    print(
        f"\nAPI: all {count:,} annotations in pages of 1,000, one after another: "
        f"median {statistics.median(times):.0f} ms (runs {[round(t) for t in times]})"
    )


def browser(user, image) -> None:  # type: ignore[no-untyped-def]
    with signed_in_chromium(user) as (context, base):
        context.add_init_script(DRAWN_MARK.replace("%d", str(SHAPES)))
        page = context.new_page()
        runs = []
        for _ in range(REPEAT):
            page.goto(f"{base}/images/{image.pk}/edit/")
            page.wait_for_function(
                "performance.getEntriesByName('editor:drawn').length > 0", timeout=120_000
            )
            runs.append(
                page.evaluate(
                    """() => {
                      const at = (name) => performance.getEntriesByName(name)[0]?.startTime;
                      const lists = performance.getEntriesByType('resource')
                        .filter((r) => r.name.includes('/annotations/'));
                      return {
                        drawn: at('editor:drawn'),
                        first: at('editor:first'),
                        fcp: at('first-contentful-paint'),
                        listStart: Math.min(...lists.map((r) => r.startTime)),
                        listEnd: Math.max(...lists.map((r) => r.responseEnd)),
                        requests: lists.length,
                      };
                    }"""
                )
            )
        print(
            f"\nChromium: the editor with {SHAPES:,} polygons ({REPEAT} loads, ms from navigation)"
        )
        for key, label in (
            ("fcp", "first contentful paint"),
            ("listStart", "annotation list: first request"),
            ("first", "first shapes drawn (first page)"),
            ("listEnd", "annotation list: last response"),
            ("drawn", "every shape drawn (load time)"),
        ):
            values = [round(run[key]) for run in runs]
            print(f"  {label:<34} median {statistics.median(values):7.0f}   runs {values}")
        print(f"  annotation list requests per load: {runs[0]['requests']}")

        map_box = page.locator(".editor-map").bounding_box()
        assert map_box is not None
        cx, cy = map_box["x"] + map_box["width"] / 2, map_box["y"] + map_box["height"] / 2

        # 1. Drag-panning with the mouse, back and forth, for about 3 s.
        page.evaluate(COUNT_FRAMES)
        start = time.perf_counter()
        while time.perf_counter() - start < 3:
            page.mouse.move(cx, cy)
            page.mouse.down()
            page.mouse.move(cx + 200, cy + 120, steps=20)
            page.mouse.move(cx, cy, steps=20)
            page.mouse.up()
        report("pan by mouse drag", page.evaluate(FRAME_STATS))

        # 2. A programmatic pan every frame (the canvas redraws every frame).
        page.evaluate(COUNT_FRAMES)
        page.evaluate(
            """async () => {
              const map = window.__editor.map;
              const end = performance.now() + 3000;
              let i = 0;
              while (performance.now() < end) {
                const dx = (Math.floor(i / 60) % 2 ? -6 : 6);
                map.panBy([dx, 3 * Math.sign(dx)], {animate: false});
                i += 1;
                await new Promise((r) => requestAnimationFrame(r));
              }
            }"""
        )
        report("pan every frame, no animation (redraws)", page.evaluate(FRAME_STATS))

        # 3. Zooming with the mouse wheel, in and out.
        page.mouse.move(cx, cy)
        page.evaluate(COUNT_FRAMES)
        start = time.perf_counter()
        direction = -1
        while time.perf_counter() - start < 4:
            for _ in range(3):
                page.mouse.wheel(0, 120 * direction)
                page.wait_for_timeout(120)
            direction = -direction
        report("zoom in and out by mouse wheel", page.evaluate(FRAME_STATS))

        zoom = page.evaluate("window.__editor.map.getZoom()")
        print(f"  (zoom at the end {zoom}; the image's full resolution is its max zoom)")


def main() -> None:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="labeler-bench-media-")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEBUG = False
    settings.BASEMAP_URL = ""
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
    old = setup_databases(verbosity=0, interactive=False)
    try:
        from events.models import Membership, Role
        from tests.factories import TeamFactory, UserFactory

        user = UserFactory(username="bench")
        team = TeamFactory()
        Membership.objects.create(team=team, user=user, role=Role.ANNOTATOR)
        start = time.perf_counter()
        image = make_image(user)
        print(
            f"image: {image.name} {image.width} x {image.height} px with {SHAPES:,} polygons "
            f"(8-12 vertices); {connection.vendor}; built in {time.perf_counter() - start:.0f} s"
        )
        api_time(user, image)
        browser(user, image)
    finally:
        if os.environ.get("BENCH_KEEP"):
            print(f"kept database {connection.settings_dict['NAME']}")
        else:
            teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
