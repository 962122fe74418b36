#!/usr/bin/env bash
# The full TaskFlow server: all four packages, embedded SQLite with the seed
# data, waitress (multi-threaded).  Listens on APP_HOST:APP_PORT
# (127.0.0.1:8080 unless set).  Extra .env settings: examples/taskflow_server/.env.example
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv 2>/dev/null || {
        [ "$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq python3-venv && "$PY" -m venv .venv; }
fi
.venv/bin/pip install -q --disable-pip-version-check \
    -e "packages/lcore-taskflow-core[server]" -e packages/lcore-taskflow-auth \
    -e packages/lcore-taskflow-notify -e packages/lcore-taskflow-ui

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
exec .venv/bin/python examples/taskflow_server/app.py
