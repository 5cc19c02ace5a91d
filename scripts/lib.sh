# Shared by scripts/run.sh and scripts/test.sh (sourced, not run).
# Both scripts set up a fresh Debian 12 machine with Python 3.11: system packages, the
# virtualenv in .venv and the project installed in it.

# The system packages every mode needs (DESIGN.md §9). test.sh adds the services' ones.
RUN_PACKAGES=(
    binutils libproj-dev gdal-bin libgdal-dev libsqlite3-dev libsqlite3-mod-spatialite
    python3-venv python3-dev build-essential
)

VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
STAMP="$VENV/.labeler-install"

if [[ -t 1 ]]; then
    _bold=$'\e[1m' _red=$'\e[31m' _green=$'\e[32m' _yellow=$'\e[33m' _reset=$'\e[0m'
else
    _bold="" _red="" _green="" _yellow="" _reset=""
fi

header() {
    printf '\n%s==> %s%s  (%s)\n' "$_bold" "$*" "$_reset" "$(date +%H:%M:%S)"
}

info() { printf '    %s\n' "$*"; }
ok() { printf '    %sok%s %s\n' "$_green" "$_reset" "$*"; }
warn() { printf '    %swarning:%s %s\n' "$_yellow" "$_reset" "$*" >&2; }
die() {
    printf '\n%serror:%s %s\n' "$_red" "$_reset" "$*" >&2
    exit 1
}

is_root() { [[ "$(id -u)" == 0 ]]; }

# ensure_packages PKG...: apt-get installs the missing ones (as root), or prints the command
# to run and exits 1 (as anyone else). apt-get update runs only when something is missing.
ensure_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        if [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]]; then
            missing+=("$pkg")
        fi
    done
    if ((${#missing[@]} == 0)); then
        ok "system packages present (${#@} checked)"
        return 0
    fi
    if ! is_root; then
        printf '\n%sMissing system packages.%s Install them first, then run this again:\n\n' \
            "$_red" "$_reset" >&2
        printf '    sudo apt-get update && sudo apt-get install -y %s\n\n' "${missing[*]}" >&2
        exit 1
    fi
    info "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    ok "installed ${missing[*]}"
}

# pip_quiet ARGS...: pip in the venv, its chatter kept in a log shown only on failure.
pip_quiet() {
    local log="$VENV/pip.log"
    if ! "$VENV/bin/python" -m pip "$@" >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        die "pip $* failed (full log: $log)"
    fi
}

# ensure_venv [EXTRAS]: .venv with the project installed editable (plus EXTRAS, e.g. dev).
# Skipped when pyproject.toml has not changed since the last install with those extras.
ensure_venv() {
    local extras="${1:-}" want have spec
    if [[ ! -x "$VENV/bin/python" ]]; then
        "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' ||
            die "$PYTHON is $("$PYTHON" --version 2>&1); labeler needs Python 3.11 (set PYTHON=...)"
        info "creating $VENV"
        "$PYTHON" -m venv "$VENV"
        pip_quiet install --upgrade pip
    fi
    want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    have="$(cat "$STAMP" 2>/dev/null || true)"
    # The stamp is "<hash of pyproject.toml> <extras>"; a dev install also serves run.sh.
    if [[ "$have" == "$want $extras" || ("$extras" == "" && "${have%% *}" == "$want") ]]; then
        ok "project installed in $VENV (pyproject.toml unchanged)"
    else
        spec="."
        [[ -n "$extras" ]] && spec=".[$extras]"
        info "pip install -e '$spec' (pysqlite3 built from source)"
        # pysqlite3 from source links Debian's SQLite, which SpatiaLite works with; the
        # wheels bundle a newer SQLite that breaks SpatiaLite's triggers (DESIGN.md §9).
        pip_quiet install --no-binary pysqlite3 -e "$spec"
        printf '%s %s\n' "$want" "$extras" >"$STAMP"
        ok "installed"
    fi
    if ! "$VENV/bin/python" scripts/check_pysqlite3.py >/dev/null 2>&1; then
        info "rebuilding pysqlite3 against the system SQLite"
        pip_quiet install --force-reinstall --no-deps --no-cache-dir --no-binary pysqlite3 pysqlite3
    fi
    "$VENV/bin/python" scripts/check_pysqlite3.py ||
        die "pysqlite3 cannot load SpatiaLite (is libsqlite3-mod-spatialite installed?)"
}

# npm_install: the browser app's packages at the versions package-lock.json pins. Not
# `npm ci`: the registry mirror here has only this platform's native builds (rollup's,
# esbuild's), so the lock lists no other platform's optional packages and `npm ci` calls it
# out of sync; `npm install` installs the locked versions and leaves the lock as it is.
npm_install() {
    (cd frontend && npm install --no-audit --no-fund)
}
