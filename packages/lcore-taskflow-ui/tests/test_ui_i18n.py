"""The SPA's translations without a browser (SPEC §13, the i18n contract).

* every user-visible string of the ui's JavaScript and page markup is a msgid of
  t()/tn() (data-i18n), and ui/static/i18n/de.json has all of them, with intact
  placeholders and no stale entries (core's check_spa_catalogs, also used for plugins);
* the page lists the catalogs it may load: the ui's and each plugin UI module's
  ``i18n/<lang>.json``, found by that convention, under content-hashed URLs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lcore_taskflow.core import UIModule, hookimpl
from lcore_taskflow.core.testing import Client, check_spa_catalogs
from lcore_taskflow.ui import UIPlugin
from lcore_taskflow.ui._pages import STATIC_DIR, TEMPLATE_DIR

HERE = Path(__file__).resolve().parent
HTML = {"Accept": "text/html"}
META = re.compile(r'<meta name="taskflow-i18n" data-owner="([^"]+)" data-languages="([^"]*)" '
                  r'content="([^"]+)">')


def test_every_ui_string_is_wrapped_and_translated_into_german():
    report = check_spa_catalogs(STATIC_DIR, templates=[Path(TEMPLATE_DIR) / "frontend.tpl"])
    report.assert_ok()
    assert len(report.msgids) > 500  # the whole app, not a sample
    assert report.plurals  # tn() in use, each with its German forms
    german = report.catalogs["de"]
    assert german["Sign in"] == "Anmelden" and german["{n} task"] == ["{n} Aufgabe", "{n} Aufgaben"]


def test_german_terms_are_consistent():
    """The glossary: one German word for each thing, everywhere."""
    german = json.loads((Path(STATIC_DIR) / "i18n" / "de.json").read_text(encoding="utf-8"))
    text = "\n".join(v if isinstance(v, str) else "\n".join(v) for v in german.values())
    for wrong in (r"\bTasks?\b", r"\bTodo\b", r"\bFälligkeit\b", r"\bAusloggen\b", r"\bLogout\b",
                  r"\bSpalte\b.*\bKolumne\b", r"\bAnlage\b"):
        assert not re.search(wrong, text), wrong
    assert german["Due date"] == "Fälligkeitsdatum" and german["Sign out"] == "Abmelden"
    assert german["Settings"] == "Einstellungen" and german["Attachment"] == "Anhang"


class PluginWithCatalog:
    name = "testmodules"
    version = "0"

    @hookimpl
    def taskflow_ui_modules(self, kernel):
        return [UIModule("testplug", HERE / "plugin_fixture", scripts=("testplug.js",))]


@pytest.fixture
def plugin_client(taskflow_app):
    return Client(taskflow_app(plugins=[UIPlugin(), PluginWithCatalog()], identity=False))


def test_the_page_lists_the_ui_catalog_and_each_plugin_catalog(plugin_client):
    text = plugin_client.get("/frontend", headers=HTML).text
    sources = {owner: (languages, prefix) for owner, languages, prefix in META.findall(text)}
    assert sources["ui"][0] == "de"
    assert re.fullmatch(r"/static/v/[0-9a-f]{16}/i18n/", sources["ui"][1])
    assert sources["testplug"][0] == "de"
    assert re.fullmatch(r"/static/plugins/testplug/v/[0-9a-f]{16}/i18n/", sources["testplug"][1])
    for prefix in (sources["ui"][1], sources["testplug"][1]):
        answer = plugin_client.get(prefix + "de.json")
        assert answer.status == 200
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert isinstance(json.loads(answer.body), dict)
    assert json.loads(plugin_client.get(sources["testplug"][1] + "de.json").body)[
        "Hello from {name}"] == "Hallo von {name}"


def test_a_module_without_catalogs_is_not_listed(client):
    text = client.get("/frontend", headers=HTML).text
    assert [owner for owner, _, _ in META.findall(text)] == ["ui"]


def test_the_markup_carries_its_msgids():
    """What the page says before the app runs is marked for translation (data-i18n)."""
    page = (Path(TEMPLATE_DIR) / "frontend.tpl").read_text(encoding="utf-8")
    for marked in ('data-i18n>Sign in</button>', 'data-i18n>Sign out</button>',
                   'data-i18n>Dashboard</a>', 'data-i18n-attrs="placeholder"'):
        assert marked in page
