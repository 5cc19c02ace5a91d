"""GIBS extraction benchmark: a tile mosaic from a local fake GIBS. Prints figures; asserts
nothing.

    .venv/bin/python bench/gibs_extraction.py

A fake GIBS on 127.0.0.1 (``http.server.ThreadingHTTPServer``, HTTP/1.1 keep-alive) answers
GetCapabilities with the real 2014 document and every tile of the layer with the real
512 x 512 JPEG ../shared/data/onearth/MODIS_Terra_CorrectedReflectance_TrueColor_0.jpg after
sleeping BENCH_LATENCY_MS (50). ``workers.sources.gibs.fetch`` (downloads, decoding, the
GeoTIFF written tile by tile) then runs, each in a fresh child process so that the RSS
figures of one run do not carry over to the next, for:
  - 100 tiles (10 x 10 of matrix 5 of EPSG4326_250m, 9 degrees a tile; the bbox 100 px
    inside the outer tiles' edges, so they are cropped) at
    GIBS_MAX_PARALLEL (default 16): wall time, and the same with GIBS_MAX_PARALLEL=1 (the
    serial sum, measured), so the speed-up;
  - 25, 100 and 400 tiles: peak RSS growth over the process after a one-tile warm-up
    (sampled every 2 ms) and the tracemalloc peak of Python allocations (a second run:
    tracemalloc slows allocation), to show memory flat in the mosaic size.
Targets (issue): >= 8x faster than serial; peak memory flat in the mosaic size.
No database is touched: ``fetch`` needs none.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labeler.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402

from workers.sources import gibs  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
CAPABILITIES = (DATA / "gibs" / "worldview-wmts-geo-getCapabilities.xml").read_bytes()
LAYER = "MODIS_Terra_CorrectedReflectance_TrueColor"
TILE = (DATA / "onearth" / f"{LAYER}_0.jpg").read_bytes()
LATENCY = float(os.environ.get("BENCH_LATENCY_MS", 50)) / 1000
# Matrix 5 of EPSG4326_250m: 9 degrees a tile from -180, 90; n x n tiles from lon -180.
SIZES = {25: 5, 100: 10, 400: 20}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the session's pooled connections are reused
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed ACK

    def do_GET(self) -> None:
        if self.path.split("?")[0].endswith("/wmts.cgi"):
            self._answer(CAPABILITIES, "application/xml")
        elif f"/{LAYER}/" in self.path and self.path.endswith(".jpg"):
            time.sleep(LATENCY)
            self._answer(TILE, "image/jpeg")
        else:
            self._answer(b"", "text/plain", status=404)

    def _answer(self, body: bytes, content_type: str, *, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # 16 connections opened at once must not overflow the backlog


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class _RssPeak:
    """The highest RSS seen while running, sampled every 2 ms from another thread."""

    def __enter__(self) -> _RssPeak:
        self.peak = _rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, _rss())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())


def _quiet(fraction: float, message: str = "") -> None:
    pass


def _fetch(n: int, out_dir: Path) -> float:
    """Seconds to fetch n x n tiles of matrix 5 into one GeoTIFF."""
    # Inset 100 px on every side: edge tiles are cropped and no tile seam falls on a block
    # edge of the GeoTIFF (256 px), as for most bboxes.
    inset = 100 * 9 / 512
    bbox = [-180.0 + inset, 90.0 - 9 * n + inset, -180.0 + 9 * n - inset, 90.0 - inset]
    request = gibs.plan(layer=LAYER, bbox=bbox, dates=[dt.date(2013, 7, 1)], km_per_pixel=2.0)
    assert request["tile_matrix"] == "5"  # the grid this benchmark counts tiles on
    start = time.perf_counter()
    (item,) = gibs.fetch({**request, "out_dir": str(out_dir)}, progress=_quiet)
    elapsed = time.perf_counter() - start
    if "error" in item:
        raise SystemExit(f"fetch failed: {item['error']}")
    Path(item["path"]).unlink()
    return elapsed


def child(tiles: int, parallel: int) -> dict[str, float]:
    """One measurement in this (fresh) process: wall time and RSS growth, then tracemalloc."""
    server = _Server(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.GIBS_WMTS_URL = f"http://127.0.0.1:{server.server_address[1]}/wmts/epsg4326/best"
    settings.GIBS_MAX_PARALLEL = parallel
    settings.EXTRACTION_MAX_PIXELS = 10**9  # 400 tiles are 104 M px, over the default limit
    n = SIZES[tiles]
    try:
        with tempfile.TemporaryDirectory(prefix="labeler-bench-gibs-") as out:
            _fetch(1, Path(out))  # warm-up: catalogue, GDAL drivers, connections, threads
            baseline = _rss()
            with _RssPeak() as rss:
                wall = _fetch(n, Path(out))
            tracemalloc.start()
            _fetch(n, Path(out))
            _, python_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    finally:
        server.shutdown()
        cache.delete(gibs.cache_key(settings.GIBS_WMTS_URL))
        cache.delete(f"{gibs.cache_key(settings.GIBS_WMTS_URL)}:tile-matrix-sets")
    return {
        "wall": wall,
        "rss_growth_mib": (rss.peak - baseline) / 2**20,
        "baseline_mib": baseline / 2**20,
        "python_peak_mib": python_peak / 2**20,
    }


def _run(tiles: int, parallel: int) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(tiles), str(parallel)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> None:
    parallel = max(1, int(settings.GIBS_MAX_PARALLEL))
    print(
        f"fake GIBS on 127.0.0.1, {LATENCY * 1000:.0f} ms a tile, {len(TILE) / 1024:.0f} KiB "
        f"JPEG, 512 x 512 px; GIBS_MAX_PARALLEL={parallel}; {os.cpu_count()} CPUs"
    )
    serial = _run(100, 1)
    fast = _run(100, parallel)
    print(f"100 tiles (4920 x 4920 px), parallel {parallel:>2}: {fast['wall']:6.2f} s")
    print(
        f"100 tiles, serial (parallel 1):     {serial['wall']:6.2f} s "
        f"({serial['wall'] * 10:.0f} ms a tile: {LATENCY * 1000:.0f} ms latency + HTTP, "
        "decode, write)"
    )
    print(f"speed-up over serial: {serial['wall'] / fast['wall']:.1f}x (target >= 8x)")
    print(f"peak memory by mosaic size (parallel {parallel}):")
    print(f"  {'tiles':>5} {'pixels':>13} {'wall':>8} {'RSS growth':>11} {'Python peak':>12}")
    for tiles, n in SIZES.items():
        found = fast if tiles == 100 else _run(tiles, parallel)
        side = 512 * n - 200
        print(
            f"  {tiles:>5} {f'{side} x {side}':>13} {found['wall']:7.2f}s "
            f"{found['rss_growth_mib']:8.1f} MiB {found['python_peak_mib']:9.1f} MiB"
        )
    print(
        f"  (RSS of the process before each run, Django, GDAL and the pool loaded: "
        f"{fast['baseline_mib']:.0f} MiB; one decoded tile is {512 * 512 * 4 / 2**20:.2f} MiB)"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(int(sys.argv[2]), int(sys.argv[3]))))
    else:
        main()
