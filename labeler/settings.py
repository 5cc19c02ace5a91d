"""labeler settings: every value comes from an environment variable (DESIGN.md §8).

With no variables set this is the embedded default: SpatiaLite and files under DATA_DIR,
Celery on kombu's filesystem broker. With DATABASE_URL=postgis://..., CELERY_BROKER_URL=
redis://... and optionally STORAGE_URL=s3://... it is a team deployment. Same code.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import environ

from labeler import gislibs

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "data"))).resolve()


def _secret_key() -> str:
    """SECRET_KEY from the environment, or one generated once and kept in DATA_DIR.

    There is no built-in default: a checked-in key would be a production secret.
    """
    if value := env.str("SECRET_KEY", default=""):
        return value
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()


def _credentials_keys(secret_key: str) -> list[str]:
    """Fernet keys for team credentials at rest (events.services.credentials).

    CREDENTIALS_KEY is a comma-separated list of Fernet keys: the first encrypts, all
    decrypt (rotation: prepend a new key, re-save, drop the old one). Without it the key is
    derived from SECRET_KEY with HKDF-SHA256, so changing SECRET_KEY then makes stored
    secrets unreadable: set CREDENTIALS_KEY in a deployment.
    """
    if keys := env.list("CREDENTIALS_KEY", default=[]):
        return keys
    import base64

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"labeler credentials v1"
    ).derive(secret_key.encode())
    return [base64.urlsafe_b64encode(derived).decode()]


CREDENTIALS_KEYS = _credentials_keys(SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "django_vite",
    "events",
    "workers",
    "api",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "labeler.urls"
WSGI_APPLICATION = "labeler.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"spatialite:///{DATA_DIR / 'labeler.sqlite3'}")
}
if DATABASES["default"]["ENGINE"].endswith("spatialite"):
    gislibs.use_pysqlite3()
    gislibs.load_wheel_libraries()
    SPATIALITE_LIBRARY_PATH = env.str("SPATIALITE_LIBRARY_PATH", default="mod_spatialite")
    # A web process and a worker write at once: WAL, immediate transactions and a busy
    # timeout keep "database is locked" away (DESIGN.md §9).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(DATA_DIR / "test.sqlite3")
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

GDAL_LIBRARY_PATH = gislibs.gdal_library_path()
GEOS_LIBRARY_PATH = gislibs.geos_library_path()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
if redis_url := env.str("REDIS_URL", default=""):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Files ----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# The browser app, built by Vite (frontend/, `npm run build`) into FRONTEND_DIST; django-vite
# reads its manifest and whitenoise serves the files under /static/ (Vite's `base`).
FRONTEND_DIST = Path(env.str("FRONTEND_DIST", default=str(BASE_DIR / "frontend" / "dist")))
STATICFILES_DIRS = [FRONTEND_DIST] if FRONTEND_DIST.is_dir() else []
DJANGO_VITE = {
    "default": {
        # VITE_DEV=true: scripts and hot reload from `npm run dev` on port 5173.
        "dev_mode": env.bool("VITE_DEV", default=False),
        "dev_server_port": 5173,
        "manifest_path": FRONTEND_DIST / "manifest.json",
        "static_url_prefix": "",
    }
}
# How long opening an image in the editor reserves it (renewed every minute while open).
IMAGE_LOCK_SECONDS = env.int("IMAGE_LOCK_SECONDS", default=300)
# A basemap for the browser's maps; empty: no basemap (the maps still work offline).
BASEMAP_URL = env.str("BASEMAP_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
BASEMAP_ATTRIBUTION = env.str("BASEMAP_ATTRIBUTION", default="&copy; OpenStreetMap contributors")
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"


def _storages(storage_url: str) -> dict:
    """STORAGES from STORAGE_URL: empty for local disk, or s3://bucket/prefix?endpoint_url=..."""
    static = {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"}
    if not storage_url:
        return {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": static,
        }
    parts = urlsplit(storage_url)
    if parts.scheme != "s3":
        raise environ.ImproperlyConfigured(
            f"STORAGE_URL must be empty (local disk) or s3://bucket/prefix, got {storage_url!r}"
        )
    options = {"bucket_name": parts.netloc, "location": parts.path.strip("/")}
    options.update(dict(parse_qsl(parts.query)))
    return {
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
        "staticfiles": static,
    }


STORAGES = _storages(env.str("STORAGE_URL", default=""))

# Biggest JSON body accepted by the API (an annotation with a detailed polygon fits well).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
# Geometry limits applied by events.geometry on every annotation and map shape.
LABELER_MAX_VERTICES = env.int("LABELER_MAX_VERTICES", default=100_000)

# --- Imagery uploads ------------------------------------------------------------------
# Uploads stream to disk (Django writes files above FILE_UPLOAD_MAX_MEMORY_SIZE to a
# temporary file in FILE_UPLOAD_TEMP_DIR); the limits below are checked before anything is
# kept. A decompression bomb is refused from its declared size, before any pixel is read.
FILE_UPLOAD_TEMP_DIR = str(DATA_DIR / "tmp")
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
LABELER_MAX_UPLOAD_SIZE = env.int("LABELER_MAX_UPLOAD_SIZE", default=4 * 1024**3)  # per file
LABELER_MAX_IMAGE_PIXELS = env.int("LABELER_MAX_IMAGE_PIXELS", default=40_000 * 40_000)
LABELER_MAX_ZIP_MEMBERS = env.int("LABELER_MAX_ZIP_MEMBERS", default=20_000)
LABELER_MAX_ZIP_RATIO = env.int("LABELER_MAX_ZIP_RATIO", default=100)  # uncompressed/compressed

# --- Tiles and pixel values (workers/tiles.py, api/views/tiles.py) -------------------------
# Browsers may keep a tile this many seconds (Cache-Control: private: tiles are permission-
# checked); ETags from the file checksum make revalidation a 304 without rendering.
LABELER_TILE_MAX_AGE = env.int("LABELER_TILE_MAX_AGE", default=3600)
LABELER_TILE_AUTH_CACHE_SECONDS = env.float("LABELER_TILE_AUTH_CACHE_SECONDS", default=5.0)
LABELER_MAX_PIXEL_POINTS = env.int("LABELER_MAX_PIXEL_POINTS", default=10_000)  # per request
LABELER_PIXEL_CACHE_MB = env.int("LABELER_PIXEL_CACHE_MB", default=256)  # decoded blocks
LABELER_RASTER_THREADS = env.int("LABELER_RASTER_THREADS", default=2)  # block decoders

# --- Auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/events/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: a request without credentials then answers 401 with
    # "WWW-Authenticate: Token" (DRF takes the header from the first class), not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerOrTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "labeler API",
    "DESCRIPTION": "Build machine-learning-ready datasets of Earth Science Events.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "AnnotationKindEnum": "events.models.Annotation.Kind",
        "LabelClassKindEnum": "events.models.LabelClass.Kind",
        "JobStatusEnum": "workers.models.Job.Status",
        "DatasetVersionStatusEnum": "events.models.DatasetVersion.Status",
    },
}

# --- Celery ---------------------------------------------------------------------------
BROKER_DIR = DATA_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport: messages are files moved between these folders.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "out"),
        "data_folder_out": str(BROKER_DIR / "out"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),  # exchange tables; default is ./control
        "store_processed": False,
    }
    for folder in ("out", "processed", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True  # results live on the Job row
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="labeler")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- External services (defaults are the real ones; tests point them at local fakes) ---
GIBS_WMTS_URL = env.str(
    "GIBS_WMTS_URL", default="https://gibs.earthdata.nasa.gov/wmts/epsg4326/best"
)
GIBS_WMS_URL = env.str(
    "GIBS_WMS_URL", default="https://gibs.earthdata.nasa.gov/wms/epsg4326/best/wms.cgi"
)
GIBS_MAX_PARALLEL = env.int("GIBS_MAX_PARALLEL", default=16)  # tile downloads at once, per job
EXTRACTION_MAX_IMAGES = env.int("EXTRACTION_MAX_IMAGES", default=31)  # dates per extraction
EXTRACTION_MAX_PIXELS = env.int("EXTRACTION_MAX_PIXELS", default=8192 * 8192)  # per image
SENTINELHUB_BASE_URL = env.str("SENTINELHUB_BASE_URL", default="https://services.sentinel-hub.com")
SENTINELHUB_TOKEN_URL = env.str(
    "SENTINELHUB_TOKEN_URL",
    default="https://services.sentinel-hub.com/auth/realms/main/protocol/openid-connect/token",
)
SENTINELHUB_CLIENT_ID = env.str("SENTINELHUB_CLIENT_ID", default="")
SENTINELHUB_CLIENT_SECRET = env.str("SENTINELHUB_CLIENT_SECRET", default="")
SENTINELHUB_MAX_SIZE = env.int("SENTINELHUB_MAX_SIZE", default=2500)  # px per side, Process API
# Copernicus Data Space Ecosystem: the same Sentinel Hub APIs, another host and identity.
CDSE_BASE_URL = env.str("CDSE_BASE_URL", default="https://sh.dataspace.copernicus.eu")
CDSE_TOKEN_URL = env.str(
    "CDSE_TOKEN_URL",
    default="https://identity.dataspace.copernicus.eu/auth/realms/CDSE/protocol/openid-connect/token",
)

# --- Maps in the admin (django-leaflet); no external tiles needed for the widget to work -
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (20.0, 0.0),
    "DEFAULT_ZOOM": 2,
    "TILES": [
        (
            "OpenStreetMap",
            env.str("BASEMAP_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
            {"attribution": "&copy; OpenStreetMap contributors", "maxZoom": 19},
        )
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
