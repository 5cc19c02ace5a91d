"""gunicorn settings for labeler's web processes: ``gunicorn -c labeler/gunicorn.conf.py
labeler.wsgi:application ...`` (command-line options still override these).

``post_worker_init`` warms each worker up after it has loaded Django and before it accepts
a request, so no user pays the first request's one-off costs (about 0.3-0.8 s: GDAL, PROJ,
rio-tiler, the tile encoders, the URL conf and views, the database connection), then
freezes what it loaded out of the garbage collector's way.
"""

from __future__ import annotations

from typing import Any


def post_worker_init(worker: Any) -> None:
    import gc
    import logging

    from django.db import connection
    from django.urls import get_resolver

    from workers import tiles

    log = logging.getLogger("labeler.gunicorn")
    tiles.warm_up()
    try:
        get_resolver().url_patterns  # noqa: B018 - imports every view, serializer, renderer
        import api.authentication  # noqa: F401 - DRF imports the authenticators lazily

        connection.ensure_connection()  # kept for CONN_MAX_AGE: the first request reuses it
    except Exception as exc:  # e.g. the database not up yet: the first request connects
        log.warning("Web worker warm-up incomplete: %s", exc)
    # What is loaded now lives as long as the worker: keep it out of the cyclic garbage
    # collector's full passes (each one otherwise walks Django's, GDAL's and numpy's heap).
    gc.collect()
    gc.freeze()
