"""Tile and pixel-value benchmark over the real HTTP path. Prints figures; asserts nothing.

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/labeler_bench_tiles \
        .venv/bin/python bench/tiles.py

Builds a 13-band 2048 x 2048 uint16 COG (smooth waves plus noise per band, like the ingest
benchmark's input; written with the ingest job's COG options, workers.rasters.COG_OPTIONS)
in a temporary DATA_DIR, one Image row in a throwaway test database (``test_<name>``, dropped
afterwards: give a database name no test run is using), then starts gunicorn with 2 workers
and labeler/gunicorn.conf.py (each worker warms up before its first request, as in
production; the first pass still counts every worker's first real requests) on 127.0.0.1
against that database and
  - requests BENCH_TILES random tiles (half web-mercator at zooms that hit the image, half
    image space for the editor; true colour, false colour, NDVI) from BENCH_THREADS client
    threads with a token: p50/p95 latency and tiles per second, first pass (cold caches)
    and a second pass over other random tiles (warm), and the CPU a tile cost the server
    and this client (on a shared machine the CPU figures move far less than the latencies);
  - times ``band_vectors`` for 10,000 random points in this process (cold and warm), and
    one POST of 10,000 points through the API.
Targets (issue 3): tile p95 <= 40 ms and >= 100 tiles/s on 2 cores; 10,000 vectors <= 200 ms.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="labeler-bench-tiles-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labeler.settings")
os.environ.setdefault("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/labeler_bench_tiles")
os.environ["DATA_DIR"] = str(WORK / "data")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")

import django  # noqa: E402

django.setup()

import morecantile  # noqa: E402
import numpy as np  # noqa: E402
import requests  # noqa: E402
from affine import Affine  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from pyproj import Transformer  # noqa: E402
from rasterio.shutil import copy as rio_copy  # noqa: E402

from bench.stack import write_stack  # noqa: E402
from workers.rasters import cog_options  # noqa: E402

BANDS, SIZE = 13, 2048
TILES = int(os.environ.get("BENCH_TILES", 500))
THREADS = int(os.environ.get("BENCH_THREADS", 3))
POINTS = 10_000
S2_NAMES = [f"B{i:02d}" for i in range(1, 9)] + ["B8A", "B09", "B10", "B11", "B12"]
TMS = morecantile.tms.get("WebMercatorQuad")
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def build_cog(path: Path) -> None:
    """The ingest benchmark's input (bench/stack.py) as a COG with the ingest's options."""
    plain = WORK / "plain.tif"
    # No nodata corner: the random tiles must all show pixels (an all-nodata tile is a 404).
    write_stack(plain, size=SIZE, bands=BANDS, nodata_corner=False)
    rio_copy(
        str(plain),
        str(path),
        driver="COG",
        **cog_options(is_float=False),
        OVERVIEW_RESAMPLING="AVERAGE",
    )
    plain.unlink()


def build_rows(cog: Path):  # type: ignore[no-untyped-def]
    from rest_framework.authtoken.models import Token

    from events.models import Membership, Role
    from tests.factories import EventFactory, ImageFactory, TeamFactory, UserFactory
    from tests.rasters import metadata, statistics

    team = TeamFactory()
    user = UserFactory()
    Membership.objects.create(team=team, user=user, role=Role.VIEWER)
    with cog.open("rb") as handle:
        name = default_storage.save("images/bench/stack.tif", handle)
    fields = {**metadata(cog), "band_names": S2_NAMES, "stats": statistics(cog)}
    image = ImageFactory(
        event=EventFactory(team=team),
        checksum="b" * 64,
        reflectance_scale=1e-4,
        **fields,
    )
    image.file.name = name
    image.save()
    return image, Token.objects.create(user=user).key


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int) -> subprocess.Popen:  # type: ignore[type-arg]
    database = settings.DATABASES["default"]
    url = f"postgis://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "labeler.wsgi",
            "--config",
            str(ROOT / "labeler" / "gunicorn.conf.py"),  # the worker warm-up, as in production
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(200):
        try:
            requests.get(f"http://127.0.0.1:{port}/api/v1/jobs/", timeout=5)
            return server
        except requests.RequestException:  # not listening yet, or workers still booting
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


def random_tiles(image, rng: np.random.Generator, count: int, fmt: str = "png") -> list[str]:  # type: ignore[no-untyped-def]
    from workers import tiles

    info = tiles.StoredRaster.from_image(image)
    mercator = tiles.tile_range(info, space="mercator")
    to_lonlat = Transformer.from_crs(info.crs, "EPSG:4326", always_xy=True)
    transform = Affine(*info.transform[:6])  # type: ignore[index]
    image_max = tiles.image_maxzoom(info.width, info.height)
    styles = ["", "?preset=falsecolor", "?index=ndvi"]
    urls = []
    for i in range(count):
        style = styles[i % len(styles)]
        if i % 2 == 0:
            z = int(rng.integers(mercator["minzoom"], mercator["maxzoom"] + 2))
            # a random point of the image, so the tile shows some of it
            lon, lat = to_lonlat.transform(
                *(transform @ (rng.uniform(0, info.width), rng.uniform(0, info.height)))
            )
            tile = TMS.tile(lon, lat, z)
            urls.append(f"/api/v1/images/{image.pk}/tiles/{z}/{tile.x}/{tile.y}.{fmt}{style}")
        else:
            z = int(rng.integers(0, image_max + 1))
            n = 2**z
            x, y = int(rng.integers(0, n)), int(rng.integers(0, n))
            urls.append(f"/api/v1/images/{image.pk}/image-tiles/{z}/{x}/{y}.{fmt}{style}")
    return urls


def server_cpu(server: subprocess.Popen) -> float:  # type: ignore[type-arg]
    """CPU seconds (user + system) used so far by gunicorn's master and workers.

    Less sensitive than latency to other processes on a shared machine: CPU per tile says
    how many tiles per second two free cores would serve.
    """
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        pid, ppid = int(stat.parent.name), int(fields[1])
        if server.pid in (pid, ppid):
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def fetch_all(base: str, token: str, urls: list[str]) -> tuple[list[float], float]:
    local = threading.local()

    def fetch(url: str) -> float:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.headers["Authorization"] = f"Token {token}"
        start = time.perf_counter()
        response = session.get(base + url, timeout=30)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code} {response.text[:200]}")
        return elapsed

    start = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        times = list(pool.map(fetch, urls))
    return times, time.perf_counter() - start


def report_tiles(label: str, times: list[float], wall: float, cpu: tuple[float, float]) -> None:
    p95 = float(np.percentile(times, 95))
    rate = len(times) / wall
    server_ms, client_ms = (1000 * used / len(times) for used in cpu)
    print(
        f"{label:<34} p50 {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms  "
        f"{rate:6.1f} tiles/s  (n={len(times)}; targets p95 <= 40 ms, >= 100 tiles/s)\n"
        f"{'':<34} CPU a tile: server {server_ms:4.1f} ms (2 free cores: ~"
        f"{2000 / server_ms:.0f} tiles/s), this client {client_ms:4.1f} ms"
    )


def run_pass(
    server: subprocess.Popen,  # type: ignore[type-arg]
    label: str,
    base: str,
    token: str,
    urls: list[str],
) -> None:
    server_before, client_before = server_cpu(server), time.process_time()
    times, wall = fetch_all(base, token, urls)
    cpu = (server_cpu(server) - server_before, time.process_time() - client_before)
    report_tiles(label, times, wall, cpu)


def bench_vectors(image, base: str, token: str, server) -> None:  # type: ignore[no-untyped-def]
    from workers import tiles

    info = tiles.StoredRaster.from_image(image)
    rng = np.random.default_rng(5)
    runs = []
    for run in range(5):
        points = np.column_stack(
            [rng.uniform(0, info.width, POINTS), rng.uniform(0, info.height, POINTS)]
        ).tolist()
        if run in (0, 1):
            # Run 0: first call of this process (opens datasets, starts the decoding
            # threads, builds the CRS transformer). Run 1: cold data only (no decoded block
            # cached), as for an image nobody has read since the process started.
            tiles.BLOCKS.clear()
        start = time.perf_counter()
        vectors = tiles.band_vectors(info, points)
        runs.append((time.perf_counter() - start) * 1000)
        assert len(vectors) == POINTS and len(vectors[0]["values"]) == BANDS
    print(
        f"band_vectors, {POINTS} points x {BANDS} bands   first call {runs[0]:6.1f} ms  "
        f"cold blocks {runs[1]:6.1f} ms  warm {statistics.median(runs[2:]):6.1f} ms  "
        "(target <= 200 ms)"
    )
    body = {"points": points, "crs": "pixel"}
    headers = {"Authorization": f"Token {token}"}
    url = f"{base}/api/v1/images/{image.pk}/pixels/"
    for label in ("first", "second"):
        server_before = server_cpu(server)
        start = time.perf_counter()
        response = requests.post(url, json=body, headers=headers, timeout=60)
        elapsed = (time.perf_counter() - start) * 1000
        used = (server_cpu(server) - server_before) * 1000
        assert response.status_code == 200, response.text[:300]
        print(
            f"POST pixels/, {POINTS} points ({label}) {elapsed:8.1f} ms  "
            f"({len(response.content) / 1e6:.1f} MB of JSON; server CPU {used:.0f} ms)"
        )


def main() -> None:
    print(f"{os.cpu_count()} cores; client threads {THREADS}; gunicorn workers 2")
    old = setup_databases(verbosity=0, interactive=False, keepdb=False)
    server = None
    try:
        cog = WORK / "stack.tif"
        start = time.perf_counter()
        build_cog(cog)
        print(
            f"built {BANDS} x {SIZE} x {SIZE} uint16 COG ({cog.stat().st_size / 1e6:.0f} MB) "
            f"in {time.perf_counter() - start:.1f} s"
        )
        image, token = build_rows(cog)
        from django.db import connections

        connections.close_all()  # gunicorn's workers use the database from here on
        port = free_port()
        server = start_gunicorn(port)
        base = f"http://127.0.0.1:{port}"
        rng = np.random.default_rng(1)
        first, second = random_tiles(image, rng, TILES), random_tiles(image, rng, TILES)
        run_pass(server, "PNG tiles, first pass (cold caches)", base, token, first)
        run_pass(server, "PNG tiles, second pass (warm)", base, token, second)
        # Lossless WebP: what the map and the editor ask for (workers/tiles.py: _webp).
        webp = random_tiles(image, rng, TILES, "webp")
        run_pass(server, "WebP lossless tiles (warm)", base, token, webp)
        bench_vectors(image, base, token, server)
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        teardown_databases(old, verbosity=0)
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
