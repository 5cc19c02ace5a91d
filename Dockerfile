# labeler: one image for the web server, the Celery worker and one-shot management commands.
# Build: docker compose build   (see docker-compose.yml and README.md "Team deployment")

# --- The browser app (frontend/src, TypeScript + Vite) built into frontend/dist ----------
FROM node:20-bookworm-slim AS frontend
WORKDIR /frontend
COPY frontend/ ./
# The TypeScript app is optional at build time: without a package.json there is nothing
# to build and Django serves the shell pages alone.
RUN if [ -f package.json ]; then \
        npm install --no-audit --no-fund && npm run build; \
    fi \
    && mkdir -p dist

# --- Python application ---------------------------------------------------------------------
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATA_DIR=/data \
    STATIC_ROOT=/app/staticfiles

# mod_spatialite for the embedded (SpatiaLite) mode; gcc and libsqlite3-dev to build
# pysqlite3 against Debian's SQLite (its wheels bundle a SQLite that breaks SpatiaLite).
# GDAL, GEOS and PROJ come inside the rasterio, shapely and pyproj wheels.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libsqlite3-mod-spatialite libsqlite3-dev gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Dependencies first, in their own layer: a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" > /tmp/requirements.txt \
    && pip install --no-binary pysqlite3 -r /tmp/requirements.txt \
    && apt-get purge -y --auto-remove gcc libc6-dev

COPY README.md manage.py ./
COPY labeler/ labeler/
COPY events/ events/
COPY workers/ workers/
COPY api/ api/
COPY frontend/ frontend/
COPY --from=frontend /frontend/dist/ frontend/dist/
# Editable: templates and other package data are used from the source tree as they are.
RUN pip install --no-deps -e .

# Static files are collected at build time; whitenoise serves them. The key is a dummy:
# collectstatic needs settings, never a real secret.
RUN SECRET_KEY=collectstatic-only DATA_DIR=/tmp/build-data \
        python manage.py collectstatic --noinput -v0 \
    && rm -rf /tmp/build-data

RUN useradd --system --uid 1000 --home-dir /app --shell /usr/sbin/nologin labeler \
    && mkdir -p /data \
    && chown labeler:labeler /data
USER labeler
VOLUME ["/data"]
EXPOSE 8000

CMD ["gunicorn", "labeler.wsgi:application", "--config", "labeler/gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--timeout", "120"]
