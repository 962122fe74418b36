"""oidc's frontend module is translated (SPEC §13): its text goes through ``taskflow.t()``,
its German catalog (``static/i18n/de.json``) is complete (the testing kit's
``check_spa_catalogs``), and the module still runs on a frontend older than UI API 3, where
it fills the English itself.  The module runs in Node (the ES module with a stand-in
``taskflow`` object), which these tests need anyway for their OpenID provider."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import lcore_taskflow.oidc
import pytest
from lcore_taskflow.core.testing import check_spa_catalogs, skip_or_fail

STATIC = Path(lcore_taskflow.oidc.__file__).parent / "static"

RUN = """import setup from './oidc.mjs';
const added = [];
const fill = (s, p) => s.replace(/\\{(\\w+)\\}/g, (m, k) => p[k]);
const taskflow = { version: VERSION,
  api: { get: async () => ({ enabled: true, name: 'Acme ID', login_url: '/login' }) },
  addSignInOption: (o) => added.push(o.label) };
if (VERSION >= 3) { taskflow.t = (s, p) => '[de] ' + fill(s, p); taskflow.tn = taskflow.t; }
await setup(taskflow);
console.log(JSON.stringify(added));
"""


def test_the_frontend_module_is_translated_into_german():
    report = check_spa_catalogs(STATIC, languages=("de",))
    report.assert_ok()
    assert list(report.msgids) == ["Sign in with {provider}"]
    assert report.catalogs["de"]["Sign in with {provider}"] == "Anmelden mit {provider}"


@pytest.mark.parametrize("version, expected",
                         [(2, "Sign in with Acme ID"), (3, "[de] Sign in with Acme ID")])
def test_translated_on_version_3_and_english_on_version_2(tmp_path, version, expected):
    node = shutil.which("node")
    if node is None:
        skip_or_fail("Node.js (node) is not installed: the ES module cannot run outside a browser")
    shutil.copy(STATIC / "oidc.js", tmp_path / "oidc.mjs")
    (tmp_path / "run.mjs").write_text(RUN.replace("VERSION", str(version)), encoding="utf-8")
    out = subprocess.run([node, str(tmp_path / "run.mjs")], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [expected]
