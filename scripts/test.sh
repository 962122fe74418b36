#!/usr/bin/env bash
# Every test of the suite: ruff, each package on every Python 3.10-3.13 found,
# the frontend in real Chromium, the end-to-end suite over real HTTP and the
# package builds.  Extra arguments go to tox (e.g. `-e py311-core`).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
is_root() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }
apt_install() { is_root && { apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }; }

# Interpreters installed with pyenv are not on PATH by default; tox finds
# python3.10 ... python3.13 there and skips the ones this machine lacks.
for dir in "$HOME"/.pyenv/versions/3.1[0-3]*/bin; do
    [ -d "$dir" ] && PATH="$PATH:$dir"
done
export PATH

# The browser tests drive Debian's Chromium; without it they skip and say so.
if ! command -v chromium >/dev/null; then
    apt_install chromium || echo "note: chromium not found and not installable here; browser tests will skip"
fi

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
