"""Every plugin's frontend module is translated into German, completely and correctly.

The modules are found in the checkout (a ``static`` folder with scripts in any package or
example plugin but the ui package, whose own catalog the ui tests check), so a new plugin is
checked without being listed here.  The checker is ``spa_catalog_check.catalog_problems``;
its own tests below make sure it fails on what it must catch.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from spa_catalog_check import catalog_problems, looks_like_text, scan_js

ROOT = Path(__file__).resolve().parents[2]
UI_PACKAGE = "lcore-taskflow-ui"


def module_dirs() -> list[Path]:
    found = set()
    for pattern in ("packages/*/src/**/static/*.js", "examples/plugins/*/src/**/static/*.js"):
        for js in ROOT.glob(pattern):
            if UI_PACKAGE not in js.parts:
                found.add(js.parent)
    return sorted(found)


MODULES = module_dirs()


def package_of(directory: Path) -> str:
    """The package folder a module belongs to: packages/<it>/... or examples/plugins/<it>/..."""
    parts = directory.relative_to(ROOT).parts
    return parts[1] if parts[0] == "packages" else parts[2]


def test_the_plugin_modules_are_found():
    names = {package_of(d) for d in MODULES}
    assert {"lcore-taskflow-notify", "lcore-taskflow-oidc", "lcore-taskflow-io",
            "taskflow-labels", "taskflow-webhooks"} <= names, names


@pytest.mark.parametrize("directory", MODULES, ids=package_of)
def test_module_is_translated_into_german(directory):
    problems = catalog_problems(directory, "de")
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- the checker itself

def write_module(tmp_path, js, catalog):
    (tmp_path / "i18n").mkdir()
    (tmp_path / "mod.js").write_text(js, encoding="utf-8")
    (tmp_path / "i18n" / "de.json").write_text(json.dumps(catalog, ensure_ascii=False),
                                               encoding="utf-8")
    return tmp_path


def test_checker_accepts_a_translated_module(tmp_path):
    js = ("const { t, tn } = x;\n"
          "h('button', { class: 'btn btn-primary', 'data-testid': 'go-now' },\n"
          "  t('Save {what}', { what }));\n"
          "toast(tn(n, 'One {n} task', '{n} tasks'));\n"
          "api.get(`/api/projects/${id}`); if (ev.key === 'ArrowDown') {}\n"
          "const re = /it's \"quoted\"/; // Some comment with Words in it\n"
          "const note = 'Not for people'; // i18n: not text\n")
    directory = write_module(tmp_path, js, {"Save {what}": "{what} speichern",
                                            "One {n} task": ["{n} Aufgabe", "{n} Aufgaben"]})
    assert catalog_problems(directory) == []


def test_checker_finds_unwrapped_text(tmp_path):
    js = ("h('p', null, 'Nothing here yet.');\n"
          "label: `Sign in with ${name}`,\n"
          "h('span', null, 'moved a task');\n")
    problems = catalog_problems(write_module(tmp_path, js, {}))
    assert len(problems) == 3, problems
    assert all("not wrapped in t()" in p for p in problems)
    assert "mod.js:2" in problems[1]


def test_checker_finds_missing_wrong_and_unused_entries(tmp_path):
    js = ("t('Inbox'); t('Open'); t(`Page ${n}`); tn(n, '{n} item', '{n} items'); t(label);\n")
    catalog = {"Inbox": "", "{n} item": "{n} Eintrag", "Stale": "Alt"}
    problems = "\n".join(catalog_problems(write_module(tmp_path, js, catalog)))
    assert "'Inbox' has no de translation" in problems
    assert "'Open' has no de translation" in problems
    assert problems.count("t() needs a literal msgid") == 2
    assert "plural '{n} item' needs [one, other]" in problems
    assert "'Stale' is not used by the code" in problems


def test_checker_finds_broken_placeholders(tmp_path):
    js = "t('Hello {name}'); t('Bye'); tn(n, '{n} file of {who}', '{n} files of {who}');\n"
    catalog = {"Hello {name}": "Hallo {nmae}", "Bye": "Tschüss {name}",
               "{n} file of {who}": ["{n} Datei", "{n} Dateien"]}
    problems = catalog_problems(write_module(tmp_path, js, catalog))
    assert len(problems) == 3, problems
    assert all("placeholders of" in p for p in problems)


def test_checker_needs_a_catalog(tmp_path):
    (tmp_path / "mod.js").write_text("t('Inbox');\n", encoding="utf-8")
    assert catalog_problems(tmp_path) == ["no catalog i18n/de.json"]


def test_prose_and_code_are_told_apart():
    assert all(looks_like_text(s) for s in ("Mark all read", "New", "moved a task"))
    code = ("btn-primary", "timeZone", "UTC", "/api/x", "#3366cc", "ntfy://my-topic")
    assert not any(looks_like_text(s) for s in code)
    scan = scan_js("h('li', { class: 'muted small' }, t('No labels yet.'));\n")
    assert list(scan.singulars) == ["No labels yet."] and scan.others == []


# ---------------------------------------------------------------- the fallback for older frontends

NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="needs Node.js to run the ES module outside a browser")
@pytest.mark.parametrize("version, expected",
                         [(2, "Sign in with Acme ID"), (3, "[de] Sign in with Acme ID")])
def test_oidc_module_translates_on_version_3_and_runs_on_version_2(tmp_path, version, expected):
    """The module uses taskflow.t when the frontend has it, and fills the English itself before."""
    module = ROOT / "packages/lcore-taskflow-oidc/src/lcore_taskflow/oidc/static/oidc.js"
    shutil.copy(module, tmp_path / "oidc.mjs")
    (tmp_path / "run.mjs").write_text(
        "import setup from './oidc.mjs';\n"
        "const added = [];\n"
        "const fill = (s, p) => s.replace(/\\{(\\w+)\\}/g, (m, k) => p[k]);\n"
        f"const taskflow = {{ version: {version},\n"
        "  api: { get: async () => ({ enabled: true, name: 'Acme ID', login_url: '/login' }) },\n"
        "  addSignInOption: (o) => added.push(o.label) };\n"
        f"if ({version} >= 3) {{ taskflow.t = (s, p) => '[de] ' + fill(s, p);\n"
        "  taskflow.tn = taskflow.t; }\n"
        "await setup(taskflow);\n"
        "console.log(JSON.stringify(added));\n", encoding="utf-8")
    out = subprocess.run([NODE, str(tmp_path / "run.mjs")], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [expected]
