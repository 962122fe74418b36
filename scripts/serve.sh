#!/usr/bin/env bash
# The full TaskFlow server: all four packages, embedded SQLite with the demo
# data (APP_SEED_DEMO=true), waitress (multi-threaded).  Listens on
# APP_HOST:APP_PORT (127.0.0.1:8080 unless set).  Other settings:
# examples/taskflow_server/.env.example (copy it to .env).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
say() { printf 'serve.sh: %s\n' "$*" >&2; }

if [ ! -x .venv/bin/python ]; then
    say "creating the virtualenv .venv (first start only)"
    "$PY" -m venv .venv 2>/dev/null || {
        [ "$(id -u)" = 0 ] && say "installing Debian's python3-venv" && apt-get update -qq \
            && apt-get install -y -qq python3-venv >/dev/null && "$PY" -m venv .venv; }
fi

# Editable installs: a code change needs no reinstall, only a changed
# pyproject.toml (dependencies, entry points) or install line does.  The
# stamp remembers what the last successful install was made from.
SPECS=("packages/lcore-taskflow-core[server]" packages/lcore-taskflow-auth
       packages/lcore-taskflow-notify packages/lcore-taskflow-ui)
STAMP=.venv/.taskflow-install-stamp
want=$( { printf '%s\n' "${SPECS[@]}"; cat packages/*/pyproject.toml; } | sha256sum | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
    say "installing the four TaskFlow packages into .venv (about half a minute the first time)"
    args=()
    for spec in "${SPECS[@]}"; do args+=(-e "$spec"); done
    # pip's own lines, minus the noise: what it fetches and what it installed
    .venv/bin/pip install --disable-pip-version-check --progress-bar off "${args[@]}" 2>&1 \
        | sed -un 's/^\(Collecting\|Building\|Installing\|Successfully\|ERROR\)/  &/p'
    echo "$want" > "$STAMP"
else
    say "packages already installed (delete $STAMP to reinstall)"
fi

# A real secret is required outside debug mode; keep one per checkout.
if [ -z "${APP_SECRET_KEY:-}" ]; then
    [ -s .taskflow-secret ] || .venv/bin/python -c "import secrets; print(secrets.token_hex(32))" > .taskflow-secret
    APP_SECRET_KEY=$(cat .taskflow-secret)
    export APP_SECRET_KEY
fi
# The demo users (admin/admin123, alice, bob) go into a new, empty database: this
# command is the "try it" server.  A production start leaves them out (see .env.example).
export APP_SEED_DEMO=${APP_SEED_DEMO:-true}
export APP_DB_PATH=${APP_DB_PATH:-./taskflow.db} APP_UPLOAD_DIR=${APP_UPLOAD_DIR:-./uploads}
[ -n "${APP_DATABASE_URL:-}" ] || [ -e "$APP_DB_PATH" ] || say "first start: creating $APP_DB_PATH with the demo data (admin/admin123, alice/alice123, bob/bob123)"
say "starting; then open http://${APP_HOST:-127.0.0.1}:${APP_PORT:-8080}/frontend (Ctrl-C stops it)"
exec .venv/bin/python examples/taskflow_server/app.py
