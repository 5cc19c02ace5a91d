#!/usr/bin/env bash
# Set up and run every check of labeler (what CI runs, through .ci/run):
#   lint (ruff), format (ruff), types (mypy), migrations up to date, the browser app's
#   checks (when frontend/package.json exists), the pytest suite on PostGIS + Redis, and the
#   embedded-mode smoke test (scripts/run.sh on SpatiaLite and the filesystem broker).
#
# Works on a fresh Debian 12 machine with Python 3.11, without stdin. As root it installs
# missing system packages and starts PostgreSQL and Redis when they are stopped.
#
#   ./scripts/test.sh                  # everything
#   ./scripts/test.sh -k annotations   # extra arguments go to pytest
#   SKIP_SMOKE=1 ./scripts/test.sh     # without the smoke test
#   KEEP_GOING=1 ./scripts/test.sh     # run every step, report all failures at the end
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh

TEST_PACKAGES=(
    "${RUN_PACKAGES[@]}"
    postgresql-15-postgis-3 redis-server docker-compose chromium chromium-driver
)
PG_VERSION=15
PG_CLUSTER=main

# The test settings (pyproject's pytest-env holds the same defaults for a bare `pytest`).
export DATABASE_URL="${TEST_DATABASE_URL:-postgis://postgres@127.0.0.1:5432/labeler}"
export CELERY_BROKER_URL="${TEST_CELERY_BROKER_URL:-redis://127.0.0.1:6379/0}"
export REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/1}"
export DATA_DIR="${TEST_DATA_DIR:-data/test}"
export SECRET_KEY="tests-only-secret-key-not-for-production"
export DJANGO_SETTINGS_MODULE=labeler.settings
unset STORAGE_URL DEBUG

STEPS=()
FAILED=()
WORK="$(mktemp -d -t labeler-test-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
: >"$WORK/env"

# step NAME COMMAND...: a header, the command, its time; the first failure ends the run.
step() {
    local name="$1" started status=0
    shift
    header "$name"
    started=$SECONDS
    # In a subshell of its own so that `set -e` holds inside the step's functions too
    # (bash ignores it in functions called from a `||` list). A step hands variables on
    # to later ones by appending `export NAME=value` lines to $WORK/env.
    set +e
    (
        set -euo pipefail
        "$@"
    )
    status=$?
    set -e
    # shellcheck disable=SC1091
    source "$WORK/env"
    if ((status != 0)); then
        STEPS+=("FAIL  $name ($((SECONDS - started)) s, exit $status)")
        FAILED+=("$name")
        if [[ "${KEEP_GOING:-0}" == 1 ]]; then
            return 0
        fi
        summary
        printf '\n%sFAILED:%s %s (exit %s)\n' "$_red" "$_reset" "$name" "$status" >&2
        exit "$status"
    fi
    STEPS+=("ok    $name ($((SECONDS - started)) s)")
}

summary() {
    header "Summary"
    printf '    %s\n' "${STEPS[@]}"
}

# --- machine --------------------------------------------------------------------------
system_packages() {
    local packages=("${TEST_PACKAGES[@]}")
    [[ -f frontend/package.json ]] && ! command -v npm >/dev/null && packages+=(nodejs npm)
    ensure_packages "${packages[@]}"
}

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 -t 2; }
redis_up() { [[ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" == "PONG" ]]; }

services() {
    if pg_up; then
        ok "PostgreSQL answers on 127.0.0.1:5432"
    else
        is_root || die "PostgreSQL is not running; start it (sudo pg_ctlcluster $PG_VERSION $PG_CLUSTER start)"
        if ! pg_lsclusters -h 2>/dev/null | grep -q "^$PG_VERSION $PG_CLUSTER "; then
            info "creating PostgreSQL cluster $PG_VERSION/$PG_CLUSTER"
            pg_createcluster "$PG_VERSION" "$PG_CLUSTER" >/dev/null
        fi
        info "starting PostgreSQL $PG_VERSION/$PG_CLUSTER"
        pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$PG_CLUSTER" start
    fi
    if redis_up; then
        ok "Redis answers on 127.0.0.1:6379"
    else
        is_root || die "Redis is not running; start it (sudo systemctl start redis-server)"
        info "starting Redis"
        mkdir -p /var/lib/redis /var/log/redis
        redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
            --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
    fi
    local i
    for i in $(seq 1 60); do
        pg_up && redis_up && break
        sleep 0.5
    done
    pg_up || die "PostgreSQL does not answer on 127.0.0.1:5432"
    redis_up || die "Redis does not answer on 127.0.0.1:6379"
    ok "PostgreSQL and Redis are up"
}

# psql as the test role over TCP, like Django will connect.
psql_test() {
    "$VENV/bin/python" - "$@" <<'EOF'
import os
import sys
from urllib.parse import urlsplit

import psycopg

url = urlsplit(os.environ["DATABASE_URL"])
with psycopg.connect(
    host=url.hostname,
    port=url.port or 5432,
    user=url.username or "postgres",
    password=url.password,
    dbname=sys.argv[1],
    autocommit=True,
    connect_timeout=10,
) as connection:
    for statement in sys.argv[2:]:
        cursor = connection.execute(statement)
        if cursor.description is not None:
            for row in cursor.fetchall():
                print(*row)
EOF
}

postgis_database() {
    local url_user url_port
    url_user="$("$VENV/bin/python" -c 'import os; from urllib.parse import urlsplit; print(urlsplit(os.environ["DATABASE_URL"]).username or "postgres")')"
    url_port="$("$VENV/bin/python" -c 'import os; from urllib.parse import urlsplit; print(urlsplit(os.environ["DATABASE_URL"]).port or 5432)')"
    if ! psql_test postgres "SELECT 1" >/dev/null 2>"$WORK/pg.err"; then
        # A fresh Debian cluster wants a password over TCP; give the role one, as postgres.
        if is_root && [[ "$url_user" == postgres ]] && grep -q "password" "$WORK/pg.err"; then
            info "PostgreSQL asks for a password over TCP: setting one for role postgres"
            runuser -u postgres -- psql -q -p "$url_port" -c "ALTER ROLE postgres PASSWORD 'postgres'"
            export DATABASE_URL="${DATABASE_URL/postgis:\/\/postgres@/postgis://postgres:postgres@}"
            echo "export DATABASE_URL='$DATABASE_URL'" >>"$WORK/env"
        else
            cat "$WORK/pg.err" >&2
            die "cannot connect to PostgreSQL as $url_user (DATABASE_URL=$DATABASE_URL)"
        fi
    fi
    local super
    super="$(psql_test postgres "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")"
    [[ "$super" == True ]] || die "role $url_user must be a superuser to create the postgis extension in the test database"
    # What pytest-django will do: a new database with the postgis extension in it.
    local check="labeler_ci_check_$$"
    psql_test postgres "DROP DATABASE IF EXISTS $check" "CREATE DATABASE $check" >/dev/null
    local version
    version="$(psql_test "$check" "CREATE EXTENSION postgis" "SELECT postgis_lib_version()")"
    psql_test postgres "DROP DATABASE $check" >/dev/null
    ok "a new database can CREATE EXTENSION postgis (PostGIS $version)"
    local dbname="${DATABASE_URL##*/}"
    dbname="${dbname%%\?*}"
    if [[ -z "$(psql_test postgres "SELECT 1 FROM pg_database WHERE datname = '$dbname'")" ]]; then
        psql_test postgres "CREATE DATABASE $dbname" >/dev/null
        ok "created database $dbname"
    fi
}

# --- checks ---------------------------------------------------------------------------
mypy_check() {
    "$VENV/bin/mypy"
}

frontend_checks() {
    npm_install
    cd frontend # the step runs in a subshell
    local script
    for script in typecheck lint test build; do
        if node -e "process.exit(require('./package.json').scripts?.['$script'] ? 0 : 1)"; then
            info "npm run $script"
            npm run "$script"
        fi
    done
}

pytest_suite() {
    local status=0
    "$VENV/bin/pytest" --junitxml="$WORK/junit.xml" "$@" || status=$?
    if ((status == 5)); then
        printf 'pytest collected no tests: that is a failure here.\n' >&2
    fi
    return "$status"
}

smoke() {
    # The embedded default: no DATABASE_URL, no broker URL, a fresh DATA_DIR (the script
    # unsets them for scripts/run.sh and makes its own temporary DATA_DIR).
    "$VENV/bin/python" tests/smoke/embedded.py | tee "$WORK/smoke.txt"
}

counts() {
    "$VENV/bin/python" - "$WORK/junit.xml" "$WORK/smoke.txt" <<'EOF'
import re, sys
import xml.etree.ElementTree as ET
suites = ET.parse(sys.argv[1]).getroot()
suites = [suites] if suites.tag == "testsuite" else list(suites)
total = sum(int(s.get("tests", 0)) for s in suites)
failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
passed = total - failed - skipped
try:
    smoke = re.search(r"smoke: (\d+) passed, (\d+) failed", open(sys.argv[2]).read())
except OSError:
    smoke = None
if smoke:
    passed += int(smoke.group(1))
    failed += int(smoke.group(2))
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
EOF
}

# --- the run --------------------------------------------------------------------------
step "System packages" system_packages
step "PostgreSQL and Redis" services
step "Python environment ($VENV, .[dev])" ensure_venv dev
step "PostGIS test database" postgis_database
step "ruff check" "$VENV/bin/ruff" check .
step "ruff format --check" "$VENV/bin/ruff" format --check .
step "mypy" mypy_check
step "Migrations up to date" "$VENV/bin/python" manage.py makemigrations --check --dry-run
if [[ -f frontend/package.json ]]; then
    step "Browser app (npm)" frontend_checks
fi
step "Static files" "$VENV/bin/python" manage.py collectstatic --noinput -v0
step "pytest (PostGIS + Redis)" pytest_suite "$@"
if [[ "${SKIP_SMOKE:-0}" != 1 ]]; then
    step "Smoke test: embedded mode (scripts/run.sh)" smoke
fi
summary
if ((${#FAILED[@]})); then
    printf '\n%sFAILED:%s %s\n' "$_red" "$_reset" "${FAILED[*]}" >&2
    [[ -f "$WORK/junit.xml" ]] && counts
    exit 1
fi
printf '\n%sAll checks passed.%s\n' "$_green" "$_reset"
counts
