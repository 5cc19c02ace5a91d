"""Ingest benchmark: throughput of ``ingest_file`` on a 13-band 2048 x 2048 uint16 GeoTIFF.
Prints figures; asserts nothing.

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/labeler_bench .venv/bin/python bench/ingest.py

Builds the GeoTIFF (smooth waves plus noise per band, like a Sentinel-2 stack: compressible
but not trivially; uncompressed by default, BENCH_COMPRESS=deflate for a compressed input)
in a temporary folder, then in a throwaway test database (``test_<name>``, dropped
afterwards) and a temporary storage:
  - the split, as ingest_file runs it: sha256, inspect (header), statistics, band names,
    COG, previews,
  - BENCH_RUNS end-to-end ``ingest_file`` runs (checksum, all of the above, storage, row),
  - MB/s = input file size / wall time, and the peak RSS of the process (the input is
    built in a child process, so it does not count).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="labeler-bench-ingest-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labeler.settings")
os.environ.setdefault("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/labeler_bench")
os.environ["DATA_DIR"] = str(WORK / "data")  # media and upload temp files: thrown away

import django  # noqa: E402

django.setup()

import rasterio  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

from bench.stack import write_stack  # noqa: E402

BANDS, SIZE = 13, int(os.environ.get("BENCH_SIZE", 2048))
RUNS = int(os.environ.get("BENCH_RUNS", 3))
COMPRESS = os.environ.get("BENCH_COMPRESS", "none")
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def build(path: Path) -> None:
    write_stack(path, size=SIZE, bands=BANDS, compress=COMPRESS)


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main() -> None:
    from events.models import Membership, Role
    from tests.factories import EventFactory, TeamFactory, UserFactory
    from workers import ingest, rasters

    source = WORK / "stack.tif"
    # Built in a child process, so the peak RSS printed at the end is the ingest's.
    builder = multiprocessing.get_context("fork").Process(target=build, args=(source,))
    _, seconds = timed(lambda: (builder.start(), builder.join()))
    baseline = _rss_mib()
    size_mb = source.stat().st_size / 1e6
    raw_mb = BANDS * SIZE * SIZE * 2 / 1e6
    print(f"database: {connection.vendor}; GDAL {rasterio.__gdal_version__}; {os.cpu_count()} CPUs")
    print(
        f"input: {BANDS} bands x {SIZE} x {SIZE} uint16, compress={COMPRESS}, "
        f"{size_mb:.1f} MB on disk ({raw_mb:.1f} MB of pixels); built in {seconds:.1f} s"
    )

    # The split, step by step (what ingest_file does, without storage and database).
    info, t_inspect = timed(lambda: rasters.inspect_raster(source, read_data=False))
    stats, t_stats = timed(lambda: rasters.band_statistics(source))
    names, t_names = timed(lambda: rasters.band_names(info, source, stats=stats))
    _, t_verify = timed(lambda: rasters.inspect_raster(source))
    cog = WORK / "cog.tif"
    resampling = rasters.overview_resampling(info, source)
    _, t_cog = timed(
        lambda: rasters.write_cog(source, cog, descriptions=names, resampling=resampling)
    )
    _, t_preview = timed(
        lambda: (
            rasters.render_preview(cog, rasters.PREVIEW_SIZE, names=names, stats=stats),
            rasters.render_preview(cog, rasters.THUMBNAIL_SIZE, names=names, stats=stats),
        )
    )
    _, t_sha = timed(lambda: ingest.file_sha256(source))
    print(f"band names recognised: {','.join(names)}")
    cog_mb = cog.stat().st_size / 1e6
    print(f"COG: {cog_mb:.1f} MB ({cog_mb / raw_mb:.0%} of the pixels)")
    print("split:")
    for label, value in [
        ("sha256", t_sha),
        ("inspect (header)", t_inspect),
        ("statistics (reads the data)", t_stats),
        ("band names (from the statistics)", t_names),
        ("COG (ZSTD, overviews)", t_cog),
        ("preview + thumbnail", t_preview),
    ]:
        print(f"  {label:<34} {value:6.2f} s")
    print(f"  (not in ingest_file: inspect with a full read, standalone: {t_verify:.2f} s)")

    old = setup_databases(verbosity=0, interactive=False, keepdb=False)
    try:
        team = TeamFactory()
        user = UserFactory()
        Membership.objects.create(team=team, user=user, role=Role.MANAGER)
        walls = []
        for _ in range(RUNS):
            event = EventFactory(team=team)  # a new event each run: no duplicate
            _, wall = timed(
                lambda event=event: ingest.ingest_file(
                    event=event, path=source, name="stack.tif", user=user
                )
            )
            walls.append(wall)
        wall = statistics.median(walls)
        print(
            f"ingest_file end to end: median {wall:.2f} s of {RUNS} "
            f"(min {min(walls):.2f}, max {max(walls):.2f})"
        )
        print(
            f"throughput: {size_mb / wall:.1f} MB/s of input ({raw_mb / wall:.1f} MB/s of pixels)"
        )
    finally:
        teardown_databases(old, verbosity=0)
    print(f"peak RSS: {_rss_mib():.0f} MiB (Django, GDAL and friends loaded: {baseline:.0f} MiB)")


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


if __name__ == "__main__":
    try:
        main()
    finally:
        import shutil

        shutil.rmtree(WORK, ignore_errors=True)
