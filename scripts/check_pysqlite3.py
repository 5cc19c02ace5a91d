"""Exit 0 when pysqlite3 uses the system SQLite and loads SpatiaLite, 1 otherwise.

The embedded mode needs both (DESIGN.md §9): a pysqlite3 wheel bundles its own SQLite.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys


def main() -> int:
    try:
        import pysqlite3
    except ImportError as error:
        print(f"pysqlite3 is not installed: {error}", file=sys.stderr)
        return 1
    name = ctypes.util.find_library("sqlite3")
    if name is None:
        print("the system SQLite library (libsqlite3) is not installed", file=sys.stderr)
        return 1
    system = ctypes.CDLL(name)
    system.sqlite3_libversion.restype = ctypes.c_char_p
    system_version = system.sqlite3_libversion().decode()
    if pysqlite3.sqlite_version != system_version:
        print(
            f"pysqlite3 bundles SQLite {pysqlite3.sqlite_version}, the system has {system_version}",
            file=sys.stderr,
        )
        return 1
    connection = pysqlite3.connect(":memory:")
    try:
        connection.enable_load_extension(True)
        connection.load_extension("mod_spatialite")
        (version,) = connection.execute("SELECT spatialite_version()").fetchone()
    except Exception as error:
        print(f"SpatiaLite does not load: {error}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    print(f"pysqlite3 on SQLite {system_version} with SpatiaLite {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
