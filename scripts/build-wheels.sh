#!/usr/bin/env bash
# The wheel of every TaskFlow package (packages/*) into dist/, for installing
# TaskFlow from a checkout the way the guides say (the packages are not on a
# package index):
#
#   bash scripts/build-wheels.sh
#   pip install --find-links dist "lcore-taskflow-core[server]" lcore-taskflow-auth \
#       lcore-taskflow-notify lcore-taskflow-ui
#
# An argument names another output directory.  Builds with pip (PEP 517, the
# build backend fetched from the configured index); when this Python has no
# pip, the tools virtualenv .venv-tools/ (shared with scripts/test.sh) does it.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${1:-dist}
PY=${PYTHON:-python3}
say() { printf 'build-wheels.sh: %s\n' "$*" >&2; }

if ! "$PY" -m pip --version >/dev/null 2>&1; then
    [ -x .venv-tools/bin/python ] || { say "creating .venv-tools (this Python has no pip)"; "$PY" -m venv .venv-tools; }
    PY=.venv-tools/bin/python
fi

mkdir -p "$OUT"
# Only our own wheels are replaced: a rebuild of the same version must not
# leave the older file for pip to pick.
rm -f "$OUT"/lcore_taskflow_*.whl
packages=(packages/*/)
say "building ${#packages[@]} wheels into $OUT/"
"$PY" -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir "$OUT" "${packages[@]}"
ls -1 "$OUT"/lcore_taskflow_*.whl
