#!/usr/bin/env bash
# Every test of the suite: ruff, each package on every Python 3.10-3.13 found
# (tox finds pyenv's through toxfile.py), the frontend in real Chromium, the
# end-to-end suite over real HTTP and the package builds.  Extra arguments go
# to tox (e.g. `-e py311-core`).  As root on Debian it installs what the tests
# need and the machine lacks: python3-venv, chromium, redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
is_root() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }
apt_install() { is_root && { apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }; }

# Redis for the shared-state tests (TASKFLOW_TEST_REDIS_URL): the one the
# caller names, else one answering on 127.0.0.1:6379, else a private
# redis-server for this run only (nothing on disk), stopped on exit by pid.
redis_answers() {  # host port
    { exec 3<>"/dev/tcp/$1/$2"; } 2>/dev/null || return 1
    printf 'PING\r\n' >&3
    local reply=""
    read -r -t 2 reply <&3 || true
    exec 3<&- 3>&-
    [ "${reply%$'\r'}" = "+PONG" ]
}
ensure_redis() {
    [ -n "${TASKFLOW_TEST_REDIS_URL:-}" ] && return
    redis_answers 127.0.0.1 6379 && { export TASKFLOW_TEST_REDIS_URL=redis://127.0.0.1:6379/0; return; }
    command -v redis-server >/dev/null || apt_install redis-server || true
    if ! command -v redis-server >/dev/null; then
        echo "note: no Redis and none installable here; the Redis tests will skip and say so"
        return
    fi
    REDIS_DIR=$(mktemp -d)
    local port
    port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$REDIS_DIR" \
        --daemonize yes --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log"
    trap 'kill "$(cat "$REDIS_DIR/redis.pid" 2>/dev/null)" 2>/dev/null; rm -rf "$REDIS_DIR"' EXIT
    for _ in $(seq 50); do redis_answers 127.0.0.1 "$port" && break; sleep 0.1; done
    export TASKFLOW_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
}

# PostgreSQL for the database tests (TASKFLOW_TEST_POSTGRES_URL).  Nothing to
# do here yet: lcore_taskflow.core.testing.services (the PostgreSQL engine's
# test kit) finds 127.0.0.1:5432 or installs and starts a private server.
# If the test command should prepare it instead, this is the place.
ensure_postgres() { :; }

# The browser tests drive Debian's Chromium; without it they skip and say so.
if ! command -v chromium >/dev/null; then
    apt_install chromium || echo "note: chromium not found and not installable here; browser tests will skip"
fi
ensure_redis
ensure_postgres

# tox lives in its own virtualenv so the system Python stays untouched.
if [ ! -x .venv-tools/bin/tox ]; then
    "$PY" -m venv .venv-tools 2>/dev/null || { apt_install python3-venv && "$PY" -m venv .venv-tools; }
    .venv-tools/bin/pip install -q --disable-pip-version-check "tox>=4.11"
fi

rm -rf .tox/reports
status=0
.venv-tools/bin/tox run-parallel --parallel auto --parallel-no-spinner "$@" || status=$?
.venv-tools/bin/python scripts/summarize_reports.py .tox/reports || true
exit "$status"
