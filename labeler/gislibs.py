"""Point GeoDjango at the GDAL and GEOS that the rasterio and shapely wheels bundle.

Debian 12's GDAL 3.6 is older than Django 5.2 supports (gis.W001), and loading two
different libgdal builds into one process (Debian's through ctypes, the wheel's through
rasterio) invites crashes. Using the wheels' libraries gives one GDAL per process.
SpatiaLite itself still comes from Debian's ``mod_spatialite``.
"""

from __future__ import annotations

import glob
import os
import sys
from pathlib import Path


def _bundled(package: str, pattern: str) -> str | None:
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    libs = Path(next(iter(spec.submodule_search_locations))).parent / f"{package}.libs"
    found = sorted(glob.glob(str(libs / pattern)))
    return found[0] if found else None


def gdal_library_path() -> str | None:
    """The libgdal inside rasterio's wheel, or None to let Django search the system.

    rasterio is imported first so that the bundled libgdal's own dependencies (libcurl,
    libproj... with hashed names found through rasterio's RPATH) are already loaded when
    GeoDjango opens it with ctypes.
    """
    try:
        import rasterio  # noqa: F401
    except ImportError:
        return os.environ.get("GDAL_LIBRARY_PATH")
    return os.environ.get("GDAL_LIBRARY_PATH") or _bundled("rasterio", "libgdal-*.so*")


def geos_library_path() -> str | None:
    """The libgeos_c inside shapely's wheel, or None to let Django search the system."""
    return os.environ.get("GEOS_LIBRARY_PATH") or _bundled("shapely", "libgeos_c-*.so*")


def use_pysqlite3() -> None:
    """Swap in pysqlite3 (built against Debian's SQLite) for the stdlib sqlite3.

    This Python's sqlite3 cannot load extensions, and SpatiaLite is an extension.
    """
    try:
        import pysqlite3
        import pysqlite3.dbapi2
    except ImportError:  # only the SpatiaLite mode needs it
        return
    sys.modules["sqlite3"] = pysqlite3
    sys.modules["sqlite3.dbapi2"] = pysqlite3.dbapi2
