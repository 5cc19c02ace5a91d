"""Export benchmark: dataset versions of a large event. Prints figures; asserts nothing.

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/labeler .venv/bin/python bench/exports.py

Builds a throwaway test database (``test_<name>``, dropped afterwards) with the shape of the
issue's peer measurement (Label Studio: 10,000 tasks, 100,000 regions): one event of
BENCH_IMAGES georeferenced 512 x 512 images with 8 boxes and 2 six-vertex polygons each
(80,000 boxes, 20,000 polygons), every annotation with its EPSG:4326 twin. Then times:
  - freezing the labels into the version's snapshot (database -> JSON lines),
  - each exporter alone on that snapshot (COCO, YOLO, GeoJSON, STAC, ...),
  - whole ``build_dataset`` jobs (snapshot + ZIPs + storage) one after the other in a fresh
    process, as in a job worker: COCO; COCO + GeoJSON + STAC, BENCH_REPEAT times each (3),
    with the CPU seconds of Python (the build's process and its forked exporters) and of
    the PostgreSQL backend (the machine may be shared: CPU time says what wall time
    cannot),
  - peak memory (max RSS) of a fresh process running a COCO + GeoJSON build and of its
    largest export process, for the event and for an event twice its size: flat means
    streaming.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labeler.settings")
os.environ.setdefault("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/labeler")
os.environ.setdefault("DATA_DIR", str(ROOT / "data" / "bench"))

import django  # noqa: E402

django.setup()

IMAGES = int(os.environ.get("BENCH_IMAGES", 10_000))
BOXES, POLYGONS = 8, 2


def child(dataset_id: int) -> None:
    """Run one build in this fresh process and print its peak RSS (called by ``main``)."""
    from workers.exports.build import build_dataset

    def rss() -> float:
        # VmHWM, not getrusage's ru_maxrss: Linux carries the parent's peak across exec
        # into ru_maxrss, so a child of a big process would report the parent's size.
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmHWM in /proc/self/status")

    def progress(fraction: float, message: str = "") -> None:
        print(f"  {message:<30} peak RSS so far {rss():6.0f} MB", file=sys.stderr)

    print(f"  {'before the build':<30} peak RSS so far {rss():6.0f} MB", file=sys.stderr)
    start = time.perf_counter()
    build_dataset(dataset=dataset_id, progress=progress)
    seconds = time.perf_counter() - start
    # The formats are written in forked children (workers/forked.py): the largest one's
    # peak, which counts the pages it shares with this process at the fork.
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{seconds:.3f} {rss():.1f} {children:.1f}")


def builds(user_id: int, event_id: int, formats: list[str], repeat: int) -> None:
    """Time ``repeat`` builds of ``formats`` one after the other in this fresh process (the
    first pays the process's first-build costs, as a worker's first job does): wall time
    and the CPU seconds of Python (this process and its forked exporters) and of the
    PostgreSQL backend; the machine may be shared, and CPU time says what wall time cannot.
    """
    from django.conf import settings
    from django.contrib.auth.models import User

    from events.models import Event
    from workers.exports.build import build_dataset, dataset_start

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="labeler-bench-media-")
    user, event = User.objects.get(pk=user_id), Event.objects.get(pk=event_id)
    for _ in range(repeat):
        version, _ = dataset_start(user=user, event=event, formats=formats)
        start, cpu, database = time.perf_counter(), _python_cpu(), _backend_cpu()
        build_dataset(dataset=version.pk, progress=lambda *a: None)
        print(
            f"{'build_dataset job: ' + ' + '.join(formats):<44} "
            f"{time.perf_counter() - start:7.3f} s   (CPU: Python {_python_cpu() - cpu:.2f} s, "
            f"PostgreSQL {_backend_cpu() - database:.2f} s)"
        )
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


def make_event(images: int, user):  # type: ignore[no-untyped-def]
    import numpy as np
    from django.contrib.gis.geos import GEOSGeometry, Polygon

    from events.models import Annotation, Image, LabelClass
    from tests.factories import EventFactory

    event = EventFactory(team=user.memberships.first().team)
    classes = [
        LabelClass.objects.create(event=event, name=name, order=i)
        for i, name in enumerate(["water", "cloud street", "smoke", "dust"])
    ]
    rng = np.random.default_rng(7)
    rows = []
    for i in range(images):
        lon, lat = float(rng.uniform(-170, 169)), float(rng.uniform(-80, 79))
        rows.append(
            Image(
                event=event,
                name=f"tile-{i}.tif",
                width=512,
                height=512,
                crs="EPSG:4326",
                transform=[1 / 512, 0, lon, 0, -1 / 512, lat + 1],
                footprint=Polygon.from_bbox((lon, lat, lon + 1, lat + 1)),
                acquired_at="2024-06-01T10:00:00Z",
                status="ready",
            )
        )
    created = Image.objects.bulk_create(rows, batch_size=2000)
    annotations = []
    for image in created:
        lon0, lat1 = image.transform[2], image.transform[5]

        def geo(ring: list[list[float]], lon0: float = lon0, lat1: float = lat1) -> GEOSGeometry:
            coords = ",".join(f"{lon0 + x / 512} {lat1 - y / 512}" for x, y in ring)
            return GEOSGeometry(f"SRID=4326;POLYGON(({coords}))")

        for b in range(BOXES):
            x, y = float(rng.integers(0, 440)), float(rng.integers(0, 440))
            w, h = float(rng.integers(8, 70)), float(rng.integers(8, 70))
            ring = [[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]
            annotations.append(
                Annotation(
                    image=image,
                    label_class=classes[b % 4],
                    kind="bbox",
                    geometry={"type": "Polygon", "coordinates": [ring]},
                    geo_geometry=geo(ring),
                    author=user,
                )
            )
        for p in range(POLYGONS):
            cx, cy = float(rng.integers(60, 450)), float(rng.integers(60, 450))
            angles = np.sort(rng.uniform(0, 2 * np.pi, 6))
            radii = rng.uniform(20, 50, 6)
            ring = [
                [cx + r * np.cos(a), cy + r * np.sin(a)] for a, r in zip(angles, radii, strict=True)
            ]
            ring = [[round(float(x), 2), round(float(y), 2)] for x, y in ring]
            ring.append(ring[0])
            annotations.append(
                Annotation(
                    image=image,
                    label_class=classes[p],
                    kind="polygon",
                    geometry={"type": "Polygon", "coordinates": [ring]},
                    geo_geometry=geo(ring),
                    author=user,
                )
            )
        if len(annotations) >= 20_000:
            Annotation.objects.bulk_create(annotations)
            annotations = []
    Annotation.objects.bulk_create(annotations)
    return event


def main() -> None:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="labeler-bench-media-")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    old = setup_databases(verbosity=0, interactive=False)
    try:
        from events.models import Annotation, DatasetVersion, Membership, Role
        from tests.factories import TeamFactory, UserFactory
        from workers.exports import EXPORTERS, exporter
        from workers.exports.base import ExportWriter, read_snapshot
        from workers.exports.build import dataset_start
        from workers.exports.snapshot import freeze
        from workers.exports.splits import split_settings

        print(f"machine reference: {_reference_ms():.1f} ms (a fixed pure-Python loop)")
        user = UserFactory()
        Membership.objects.create(team=TeamFactory(), user=user, role=Role.OWNER)
        start = time.perf_counter()
        event = make_event(IMAGES, user)
        n = Annotation.objects.filter(image__event=event).count()
        if connection.vendor == "postgresql":
            # What autovacuum does soon after such a bulk load (PostgreSQL 13+ vacuums
            # after inserts too): planner statistics (without them PostgreSQL guesses 21
            # images for the event and joins badly) and the visibility map (index-only
            # scans for the label counts).
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        print(
            f"event: {IMAGES:,} images, {n:,} annotations "
            f"({IMAGES * BOXES:,} boxes, {IMAGES * POLYGONS:,} six-vertex polygons), "
            f"{connection.vendor}; built in {time.perf_counter() - start:.0f} s"
        )

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "snapshot.jsonl"
            import cProfile
            import pstats

            profile = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
            if profile:
                profile.enable()
            start = time.perf_counter()
            freeze(
                event=event,
                filters={},
                split=split_settings(None),
                path=path,
                header={
                    "event": {"id": event.pk, "name": event.name},
                    "version": 0,
                    "created_at": "2026-01-01T00:00:00Z",
                    "options": {},
                },
            )
            print(
                f"{'snapshot (database -> JSON lines)':<44} {time.perf_counter() - start:7.3f} s"
                f"   {path.stat().st_size / 1e6:6.1f} MB"
            )
            if profile:
                profile.disable()
                pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
            for fmt in EXPORTERS:
                target = Path(tmp) / f"{fmt}.zip"
                start = time.perf_counter()
                # As a build reads it: the EPSG:4326 geometries only for geographic formats.
                snapshot = read_snapshot(path, geo=exporter(fmt).geographic)
                with ExportWriter(target) as out:
                    exporter(fmt).export(snapshot, out)
                seconds = time.perf_counter() - start
                print(
                    f"{'exporter ' + fmt:<44} {seconds:7.3f} s"
                    f"   {target.stat().st_size / 1e6:6.1f} MB zip"
                )

        # Whole builds in a fresh process, as in a job worker (this process has grown with
        # every exporter above, and forking a bigger process costs more).
        env = {**os.environ, "DATABASE_URL": _database_url(connection.settings_dict)}
        for formats in (["coco"], ["coco", "geojson", "stac"]):
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--builds",
                    str(user.pk),
                    str(event.pk),
                    ",".join(formats),
                    os.environ.get("BENCH_REPEAT", "3"),
                ],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            print(out.stdout.rstrip())

        print(f"machine reference: {_reference_ms():.1f} ms (a fixed pure-Python loop)")
        # Peak memory of a fresh process building the version, then for twice the event.
        bigger = make_event(IMAGES * 2, user)
        for label, target_event in (("event", event), ("event x 2", bigger)):
            version, _ = dataset_start(user=user, event=target_event, formats=["coco", "geojson"])
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(version.pk)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            seconds, peak, children = out.stdout.split()[-3:]
            print(out.stderr.strip())
            images = DatasetVersion.objects.get(pk=version.pk).counts["images"]
            print(
                f"{'fresh process, coco + geojson, ' + label:<44} {float(seconds):7.3f} s"
                f"   peak RSS {float(peak):6.0f} MB, largest export process "
                f"{float(children):4.0f} MB   ({sum(images.values()):,} images)"
            )
    finally:
        if os.environ.get("BENCH_KEEPDB"):  # to look further at the data afterwards
            print(f"kept database {connection.settings_dict['NAME']}")
        else:
            teardown_databases(old, verbosity=0)


def _reference_ms() -> float:
    """A fixed pure-Python workload, best of 5 (ms): how fast this machine runs right now.
    Its CPU speed moves from hour to hour (a shared virtual machine); compare figures of
    runs whose reference figures agree."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        sum(i * i for i in range(1_000_000))
        best = min(best, time.perf_counter() - start)
    return best * 1000


def _python_cpu() -> float:
    """CPU seconds of this process and of its children that ended (the forked exporters)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (a local server on
    Linux; NaN otherwise)."""
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except Exception:
        return float("nan")


def _database_url(db: dict) -> str:  # type: ignore[type-arg]
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    user = db.get("USER") or "postgres"
    return f"postgis://{user}@{host}:{port}/{db['NAME']}"


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(int(sys.argv[2]))
    elif len(sys.argv) == 6 and sys.argv[1] == "--builds":
        builds(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split(","), int(sys.argv[5]))
    else:
        main()
