"""The testing kit's static check of a frontend module's translations (check_spa_catalogs).

Each rule is shown failing on a small module written here, and a clean module passing:
text left outside t()/tn(), a msgid missing from the catalog, a stale entry, a broken
placeholder, a plural msgid without its forms, a msgid that is not a literal, a fragment.
"""

from __future__ import annotations

import json

from lcore_taskflow.core.testing import check_spa_catalogs, scan_js


def module(tmp_path, js: str, catalog: dict | None, name: str = "plugin.js"):
    (tmp_path / name).write_text(js, encoding="utf-8")
    if catalog is not None:
        (tmp_path / "i18n").mkdir(exist_ok=True)
        (tmp_path / "i18n" / "de.json").write_text(json.dumps(catalog), encoding="utf-8")
    return tmp_path


CLEAN = """
export default function setup(taskflow) {
  const { h, t, tn } = taskflow;
  const el = h('p', { class: 'muted small', 'data-testid': 'x', title: t('Spent time') },
    t('Spent {minutes} min on {title}', { minutes: 5, title: 'x' }));
  console.error('Something broke in the estimates plugin');
  if (el.textContent === 'Not This One') throw new Error('Not a text for people');
  return tn(3, '{n} label', '{n} labels');
}
"""
CLEAN_DE = {"Spent time": "Aufgewendete Zeit",
            "Spent {minutes} min on {title}": "{minutes} Min. für {title} aufgewendet",
            "{n} label": ["{n} Label", "{n} Labels"]}


def test_a_module_that_says_everything_through_t_passes(tmp_path):
    report = check_spa_catalogs(module(tmp_path, CLEAN, CLEAN_DE))
    assert report.problems == []
    assert set(report.msgids) == set(CLEAN_DE)
    assert report.plurals == {"{n} label": "{n} labels"}
    report.assert_ok()


def test_text_outside_t_is_reported_with_its_place(tmp_path):
    js = CLEAN + """
function more(h) {
  h('button', { type: 'button' }, 'Save the estimate');
  h('span', null, 'ago');
  const box = h('p');
  box.textContent = `Logged ${3} minutes`;
  return h('input', { placeholder: 'Minutes spent', 'aria-label': 'Time spent' });
}
"""
    problems = check_spa_catalogs(module(tmp_path, js, CLEAN_DE)).problems
    for text in ("Save the estimate", "'ago'", "Logged ${} minutes", "Minutes spent", "Time spent"):
        assert any(text in p and "not wrapped" in p for p in problems), (text, problems)
    assert any(p.startswith("plugin.js:") for p in problems)


def test_missing_stale_and_broken_entries_are_reported(tmp_path):
    catalog = {"Spent time": "", "Spent {minutes} min on {title}": "{minuten} Min. für {title}",
               "{n} label": "{n} Labels", "Gone from the code": "Weg"}
    problems = "\n".join(check_spa_catalogs(module(tmp_path, CLEAN, catalog)).problems)
    assert "'Spent time' has no translation" in problems
    assert "placeholders the msgid lacks: {minuten}" in problems
    assert "lacks placeholders: {minutes}" in problems
    assert "'{n} label' is a plural msgid (tn): its translation must be [one, other]" in problems
    assert "'Gone from the code' is stale" in problems
    del catalog["Spent time"]
    problems = "\n".join(check_spa_catalogs(module(tmp_path, CLEAN, catalog)).problems)
    assert "'Spent time' is missing (used at plugin.js:" in problems


def test_a_missing_catalog_and_a_fallback(tmp_path):
    problems = check_spa_catalogs(module(tmp_path, "t('Save');", None)).problems
    assert any("de.json: missing" in p for p in problems)
    # A plugin's t() falls back to the ui's catalog: "Save" need not be in its own.
    report = check_spa_catalogs(module(tmp_path, "t('Save');", {}),
                                fallback={"de": {"Save": "Speichern"}})
    assert report.problems == []


def test_msgids_must_be_whole_literals(tmp_path):
    js = "const x = 'a'; t(x); t(`Hello ${x}`); t(' Hello'); tn(2, one, 'many');"
    problems = "\n".join(scan_js(js, "m.js").problems)
    assert problems.count("needs literal msgids") == 3
    assert "' Hello' is a fragment" in problems


def test_templates_mark_their_msgids(tmp_path):
    page = tmp_path / "page.tpl"
    page.write_text('<nav aria-label="Main" data-i18n-attrs="aria-label"><a data-i18n>My tasks</a>'
                    '<span>{{name}}</span></nav>', encoding="utf-8")
    report = check_spa_catalogs(module(tmp_path, "", {"Main": "Haupt"}), templates=[page])
    assert report.problems == ["i18n/de.json: 'My tasks' is missing (used at page.tpl:1)"]
