#!/usr/bin/env bash
# Every test of the suite: ruff, each package on every Python 3.10-3.13 found
# (tox finds pyenv's through toxfile.py), the frontend in real Chromium, the
# end-to-end suite over real HTTP and the package builds.  Extra arguments go
# to tox (e.g. `-e py311-core`).  As root on Debian it installs what the tests
# need and the machine lacks: python3-venv, chromium, redis-server, postgresql,
# nginx-light (the deployment test's proxy), nodejs and npm.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
is_root() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }
apt_install() { is_root && { apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }; }
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Private servers started here are stopped on exit, whatever happens.
CLEANUP=()
cleanup() { local step; for step in "${CLEANUP[@]}"; do eval "$step" || true; done; }
trap cleanup EXIT

# Redis for the shared-state tests (TASKFLOW_TEST_REDIS_URL): the one the
# caller names, else a private redis-server for this run only (nothing on
# disk, stopped on exit by pid; Debian's, installed as root if missing), else
# one answering on 127.0.0.1:6379.  Private first even beside a running one:
# the run then depends on nothing another program left in a shared server.
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
    command -v redis-server >/dev/null || redis_answers 127.0.0.1 6379 || apt_install redis-server || true
    if ! command -v redis-server >/dev/null; then
        if redis_answers 127.0.0.1 6379; then
            export TASKFLOW_TEST_REDIS_URL=redis://127.0.0.1:6379/0
        else
            echo "note: no Redis and none installable here; the Redis tests will skip and say so"
        fi
        return
    fi
    REDIS_DIR=$(mktemp -d)
    local port
    port=$(free_port)
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$REDIS_DIR" \
        --daemonize yes --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log"
    CLEANUP+=('kill "$(cat "$REDIS_DIR/redis.pid" 2>/dev/null)" 2>/dev/null; rm -rf "$REDIS_DIR"')
    for _ in $(seq 50); do redis_answers 127.0.0.1 "$port" && break; sleep 0.1; done
    if redis_answers 127.0.0.1 "$port"; then
        export TASKFLOW_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
    elif redis_answers 127.0.0.1 6379; then
        echo "note: a private redis-server did not start ($REDIS_DIR/redis.log); using 127.0.0.1:6379"
        export TASKFLOW_TEST_REDIS_URL=redis://127.0.0.1:6379/0
    fi
}

# PostgreSQL for the database tests (TASKFLOW_TEST_POSTGRES_URL): the one the
# caller names, else one private server for the whole run (Debian's postgresql,
# installed as root if missing; no fsync; stopped on exit), else one listening
# on 127.0.0.1:5432 (trust auth) when no server binaries are here.  Private
# first even beside a running one: without fsync an app's migrations take
# ~0.15 s instead of ~1 s (measured on this suite's 2-core machine, whose
# server syncs every commit), and the suite builds an app for each of its
# PostgreSQL cases.  Starting it here, once, keeps the parallel tox envs from
# each installing and starting their own.
port_answers() { { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1; exec 3<&- 3>&-; }
ensure_postgres() {
    [ -n "${TASKFLOW_TEST_POSTGRES_URL:-}" ] && return
    local bindir
    bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    if [ -z "$bindir" ] && port_answers 5432; then
        export TASKFLOW_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres
        return
    fi
    if [ -z "$bindir" ]; then
        apt_install postgresql || true
        bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    fi
    if [ -z "$bindir" ]; then
        echo "note: no PostgreSQL and none installable here; its tests will skip and say so (CI fails)"
        return
    fi
    PG_DIR=$(mktemp -d) PG_BIN=$bindir AS_PG=()
    local port
    port=$(free_port)
    # PostgreSQL refuses to run as root: as root, run it as the postgres user
    if [ "$(id -u)" = 0 ]; then chown postgres "$PG_DIR"; AS_PG=(runuser -u postgres --); fi
    if ! { "${AS_PG[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >/dev/null &&
           "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start \
               -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >/dev/null; }; then
        echo "note: could not start a private PostgreSQL ($PG_DIR/server.log); using 127.0.0.1:5432 if it answers"
        port_answers 5432 && export TASKFLOW_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres
        return
    fi
    CLEANUP+=('"${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null; rm -rf "$PG_DIR"')
    export TASKFLOW_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$port/postgres"
}

# The deployment test's reverse proxy (docs/deploy.md): Debian's nginx.
ensure_nginx() {
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt_install nginx-light \
        || echo "note: nginx not found and not installable here; the deployment test will skip"
}

# The browser tests drive Debian's Chromium; without it they skip and say so.
# The emoji and CJK fonts only make the screenshots truthful (the seeded
# emoji and Chinese titles, not boxes).
if ! command -v chromium >/dev/null; then
    apt_install chromium || echo "note: chromium not found and not installable here; browser tests will skip"
fi
# The frontend's lint and unit tests (tox -e js) and oidc's test provider run on Node.js:
# Debian's nodejs and npm when missing.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    apt_install nodejs npm || echo "note: Node.js/npm not found and not installable here; the js checks will skip"
fi
[ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] && [ -d /usr/share/fonts/truetype/wqy ] \
    || apt_install fonts-noto-color-emoji fonts-wqy-zenhei || true
ensure_redis
ensure_postgres
ensure_nginx

# tox lives in its own virtualenv so the system Python stays untouched.
if [ ! -x .venv-tools/bin/tox ]; then
    "$PY" -m venv .venv-tools 2>/dev/null || { apt_install python3-venv && "$PY" -m venv .venv-tools; }
    .venv-tools/bin/pip install -q --disable-pip-version-check "tox>=4.11"
fi

# The browser suite's screenshots (every screen, desktop and phone): outside
# the repository, kept after the run, named at the end.
# (Only our own default directory is emptied first, never one the caller names.)
if [ -z "${TASKFLOW_ARTIFACTS:-}" ]; then
    export TASKFLOW_ARTIFACTS=${TMPDIR:-/tmp}/taskflow-test-artifacts
    rm -rf "$TASKFLOW_ARTIFACTS"
fi
rm -rf .tox/reports
mkdir -p "$TASKFLOW_ARTIFACTS"
# The watchdog (scripts/watchdog.py) names the envs still running every 5 minutes and,
# past the deadline (TASKFLOW_TEST_DEADLINE minutes of tox; none by default), prints their
# Python stacks and ends them: a hang fails the run with its stack instead of running into
# CI's limit without a word.  Under CI (90 min) tox gets what is left of 75 min after the
# installs above, so a slow machine still finishes green and a hang still ends in time.
# A full run takes ~23 min.
left=$(( 75 - SECONDS / 60 )); [ "$left" -ge 5 ] || left=5
deadline=${TASKFLOW_TEST_DEADLINE:-0}
case "${CI:-}" in ""|false|0) ;; *) deadline=${TASKFLOW_TEST_DEADLINE:-$left} ;; esac
"$PY" scripts/watchdog.py $$ --deadline "$deadline" &
WATCHDOG=$!
CLEANUP+=('kill "$WATCHDOG" 2>/dev/null')
status=0
.venv-tools/bin/tox run-parallel --parallel auto --parallel-no-spinner "$@" || status=$?
kill "$WATCHDOG" 2>/dev/null || true
.venv-tools/bin/python scripts/summarize_reports.py .tox/reports || true
echo "screenshots: $TASKFLOW_ARTIFACTS ($(find "$TASKFLOW_ARTIFACTS" -name '*.png' | wc -l) files)"
exit "$status"
