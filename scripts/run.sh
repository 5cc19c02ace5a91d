#!/usr/bin/env bash
# Set up and run labeler on this machine (fresh Debian 12 with Python 3.11 is enough).
#
# With no environment variables this is the embedded default: SpatiaLite and files under
# ./data, Celery on kombu's filesystem broker; no external service. Set DATABASE_URL,
# CELERY_BROKER_URL, ... (README.md "Configuration") to run against PostGIS and Redis.
#
#   ./scripts/run.sh                 # http://127.0.0.1:8000/
#   PORT=9000 HOST=0.0.0.0 ./scripts/run.sh
#
# Ctrl-C (or SIGTERM) stops the web server and the worker.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh

HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
WORKER_CONCURRENCY="${WORKER_CONCURRENCY:-2}"
WEB_CONCURRENCY="${WEB_CONCURRENCY:-2}"
export DJANGO_SETTINGS_MODULE=labeler.settings

header "System packages"
ensure_packages "${RUN_PACKAGES[@]}"

header "Python environment ($VENV)"
ensure_venv ""
PY="$VENV/bin/python"

if [[ -f frontend/package.json ]]; then
    header "Browser app (frontend/)"
    command -v npm >/dev/null || ensure_packages nodejs npm
    if [[ ! -d frontend/dist || -n "$(find frontend/src frontend/package.json -newer frontend/dist -print -quit 2>/dev/null)" ]]; then
        npm_install && (cd frontend && npm run build)
    else
        ok "frontend/dist is up to date"
    fi
fi

header "Static files"
"$PY" manage.py collectstatic --noinput -v0
ok "collected (served by whitenoise)"

header "Database"
"$PY" manage.py migrate --noinput -v1

header "Demo data"
demo_args=()
if [[ -z "${DATABASE_URL:-}" ]]; then
    # The embedded install is the operator's own: the demo user may open /admin/ too.
    demo_args+=(--admin)
fi
demo="$("$PY" manage.py setup_demo "${demo_args[@]}")"
printf '%s\n' "$demo"

worker_pid="" web_pid=""
stop() {
    trap - INT TERM EXIT
    local pid
    for pid in $web_pid $worker_pid; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    if [[ -n "$worker_pid$web_pid" ]]; then
        printf '\nStopping labeler (the worker takes a few seconds)...\n'
        for _ in $(seq 1 60); do
            local alive=0
            for pid in $web_pid $worker_pid; do
                kill -0 "$pid" 2>/dev/null && alive=1
            done
            ((alive)) || break
            sleep 0.5
        done
        for pid in $web_pid $worker_pid; do
            kill -KILL "$pid" 2>/dev/null || true
        done
        wait 2>/dev/null || true
        printf 'Stopped.\n'
    fi
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap 'stop' EXIT

header "Celery worker (background)"
"$VENV/bin/celery" --app=labeler worker --pool=prefork --concurrency="$WORKER_CONCURRENCY" \
    --loglevel=info --hostname="labeler@%h" &
worker_pid=$!
info "pid $worker_pid"

header "Web server (gunicorn)"
web_args=(--bind "$HOST:$PORT" --workers "$WEB_CONCURRENCY" --timeout 120 --access-logfile -)
[[ "$HOST" == *:* ]] && web_args[1]="[$HOST]:$PORT"
# Recent gunicorn opens a control socket in ~/.gunicorn; two servers on one machine would
# share it. labeler does not use it.
if [[ "$("$VENV/bin/gunicorn" --help 2>/dev/null)" == *--no-control-socket* ]]; then
    web_args+=(--no-control-socket)
fi
"$VENV/bin/gunicorn" labeler.wsgi:application --config labeler/gunicorn.conf.py "${web_args[@]}" &
web_pid=$!

url_host="$HOST"
[[ "$HOST" == "0.0.0.0" || "$HOST" == "::" ]] && url_host="127.0.0.1"
[[ "$url_host" == *:* ]] && url_host="[$url_host]"
base="http://$url_host:$PORT"
for _ in $(seq 1 120); do
    kill -0 "$web_pid" 2>/dev/null || break
    if "$PY" -c "import urllib.request as u; u.urlopen('$base/admin/login/', timeout=2)" 2>/dev/null; then
        cat <<EOF

${_bold}labeler is running${_reset} (Ctrl-C stops it)
    app:        $base/
    API docs:   $base/api/docs/
    admin:      $base/admin/
$(printf '%s\n' "$demo" | sed -n 's/^ *\(user\|password\|API token\): */    \1: /p')
EOF
        if [[ "$HOST" != "127.0.0.1" && "$HOST" != "localhost" && "$HOST" != "::1" ]]; then
            warn "listening on $HOST: add this machine's name to ALLOWED_HOSTS to reach it" \
                "from elsewhere, and change the demo password (DEMO_PASSWORD)."
        fi
        break
    fi
    sleep 0.5
done

# Whichever stops first (the web server, or the worker crashing) stops the other.
status=0
wait -n "$web_pid" "$worker_pid" || status=$?
if kill -0 "$web_pid" 2>/dev/null; then
    warn "the Celery worker stopped (exit $status); stopping the web server"
else
    warn "the web server stopped (exit $status); stopping the worker"
fi
stop
exit "$((status == 0 ? 1 : status))"
