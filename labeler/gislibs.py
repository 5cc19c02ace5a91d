"""Point GeoDjango at the GDAL and GEOS that the rasterio and shapely wheels bundle.

Debian 12's GDAL 3.6 is older than Django 5.2 supports (gis.W001), and loading two
different libgdal builds into one process (Debian's through ctypes, the wheel's through
rasterio) invites crashes. Using the wheels' libraries gives one GDAL per process.
SpatiaLite itself still comes from Debian's ``mod_spatialite``.

That makes two of GEOS, PROJ, SQLite, libtiff... in one process: the wheels' copies
(renamed by auditwheel, same symbols) and Debian's, which SQLite loads with
``RTLD_GLOBAL`` together with ``mod_spatialite``. A wheel library loaded *after* that
binds to Debian's symbols and the process corrupts its heap, at the latest when it
exits. Loading the wheels first (``load_wheel_libraries``) keeps each copy to itself.
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


# Python packages whose wheels bundle native libraries that Debian's mod_spatialite also
# pulls in (GEOS, PROJ, SQLite, GDAL's libtiff/libcurl/OpenSSL...).
WHEELS_WITH_NATIVE_LIBRARIES = (
    "numpy",
    "PIL._imaging",
    "shapely",
    "pyproj",
    "rasterio",
    "pyogrio",
    "psycopg",
    "lxml.etree",
)


def load_wheel_libraries() -> None:
    """Import the native-library wheels before SQLite opens mod_spatialite (see above)."""
    import contextlib
    import importlib

    for module in WHEELS_WITH_NATIVE_LIBRARIES:
        # Optional here; the code that needs a missing one says so itself.
        with contextlib.suppress(ImportError):
            importlib.import_module(module)


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
