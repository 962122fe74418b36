#!/usr/bin/env bash
# The frontend's checks (`tox -e js`): ESLint over every package's and example
# plugin's JavaScript (eslint.config.js) and `node --test` unit tests of the
# SPA's pure modules (packages/lcore-taskflow-ui/tests/js/).  Needs Node.js
# >= 18.18 and npm (scripts/test.sh installs Debian's); installs the pinned
# ESLint from package-lock.json into ./node_modules (ignored by git), again only
# when the lock file changed.  Without Node it skips saying why (CI: fails).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "js checks skipped: Node.js and npm are not installed (apt-get install nodejs npm)"
    [ "${CI:-}" = true ] && exit 1
    exit 0
fi
export NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
stamp=node_modules/.taskflow-lock
if ! cmp -s package-lock.json "$stamp"; then
    for attempt in 1 2 3; do  # a flaky network gets two more chances
        npm ci --ignore-scripts --no-audit --no-fund --prefer-offline && break
        [ "$attempt" = 3 ] && exit 1
        sleep $((2 * attempt))
    done
    cp package-lock.json "$stamp"
fi
npx --no-install eslint .
node --test packages/lcore-taskflow-ui/tests/js/ packages/lcore-taskflow-io/tests/js/
