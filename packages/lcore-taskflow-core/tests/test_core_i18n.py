"""Translations (SPEC §13): the profile's ``language``, Accept-Language, error texts in
German, ``GET /api/i18n`` and the plugin catalog mechanism."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from core_testutil import assert_error
from lcore_taskflow.core import N_, Message, Translator, hookimpl
from lcore_taskflow.core._i18n import best_match, languages

TOO_LONG = {"timezone": "x" * 65}


def test_languages_lists_the_catalogs(client):
    resp = client.get("/api/i18n")
    assert resp.status == 200
    body = resp.json
    assert {"code": "en", "name": "English"} in body["languages"]
    assert {"code": "de", "name": "Deutsch"} in body["languages"]
    assert body["default"] == "en"


def test_accept_language_translates_errors_and_fields(alice):
    english = assert_error(alice.patch("/api/users/me", json=TOO_LONG), 422, fields=("timezone",))
    assert english["error"] == "Validation failed"
    assert english["fields"]["timezone"] == "timezone must be at most 64 characters"
    resp = alice.patch("/api/users/me", json=TOO_LONG,
                      headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.8"})
    german = assert_error(resp, 422, fields=("timezone",))
    assert german["error"] == "Validierung fehlgeschlagen"
    assert german["fields"]["timezone"] == "timezone: darf höchstens 64 Zeichen lang sein"
    assert resp.headers["content-language"] == "de"
    assert "Accept-Language" in resp.headers["vary"]
    # A language no catalog provides falls back to the default (English).
    resp = alice.patch("/api/users/me", json=TOO_LONG, headers={"Accept-Language": "sw"})
    assert resp.json["error"] == "Validation failed"
    assert resp.headers["content-language"] == "en"


def test_query_errors_and_nested_messages_in_german(alice):
    resp = alice.get("/api/users/", query={"limit": 0}, headers={"Accept-Language": "de"})
    body = assert_error(resp, 400)
    assert body["error"] == "limit: muss zwischen 1 und 100 liegen", body


def test_profile_language_wins_over_accept_language(alice, client):
    assert alice.get("/api/users/me").json["language"] is None
    resp = alice.patch("/api/users/me", json={"language": "de"})
    assert resp.status == 200, resp.text
    assert resp.json["language"] == "de" and resp.json["fields"] == ["language"]
    me = alice.get("/api/users/me").json
    assert me["language"] == "de" and me["username"] == "alice"
    # The user representation carries the language where the user is the caller only.
    assert alice.get(f"/api/users/{me['id']}").json["language"] == "de"
    others = client.as_user("bob").get(f"/api/users/{me['id']}").json
    assert "language" not in others and others["username"] == "alice"
    body = assert_error(alice.patch("/api/users/me", json=TOO_LONG,
                                   headers={"Accept-Language": "en"}), 422)
    assert body["error"] == "Validierung fehlgeschlagen"
    # Someone else without a profile language still gets English.
    bob = client.as_user("bob")
    assert assert_error(bob.patch("/api/users/me", json=TOO_LONG), 422)["error"] \
        == "Validation failed"
    # null clears it: Accept-Language decides again.
    assert alice.patch("/api/users/me", json={"language": None}).json["language"] is None
    assert assert_error(alice.patch("/api/users/me", json=TOO_LONG), 422)["error"] \
        == "Validation failed"


def test_patch_me_refuses_unknown_languages_naming_the_field(alice):
    body = assert_error(alice.patch("/api/users/me", json={"language": "xx"}), 422,
                        fields=("language",))
    assert "xx" in body["fields"]["language"] and "de" in body["fields"]["language"]
    german = assert_error(alice.patch("/api/users/me", json={"language": "xx"},
                                      headers={"Accept-Language": "de"}), 422)
    assert german["fields"]["language"].startswith("nicht unterstützte Sprache 'xx'")
    assert_error(alice.patch("/api/users/me", json={"language": 5}), 422, fields=("language",))
    assert_error(alice.patch("/api/users/me", json={}), 422)
    # The time zone still works alone, and leaves the language as it is.
    alice.patch("/api/users/me", json={"language": "de"})
    resp = alice.patch("/api/users/me", json={"timezone": "Europe/Berlin"})
    assert resp.status == 200 and resp.json["language"] == "de"
    assert resp.json["timezone"] == "Europe/Berlin"


def test_default_language_setting(taskflow_app):
    from lcore_taskflow.core.testing import Client

    client = Client(taskflow_app(default_language="de")).as_user("alice")
    assert client.get("/api/i18n").json["default"] == "de"
    body = assert_error(client.patch("/api/users/me", json=TOO_LONG), 422)
    assert body["error"] == "Validierung fehlgeschlagen"
    # The browser's choice still wins over the default.
    body = assert_error(client.patch("/api/users/me", json=TOO_LONG,
                                    headers={"Accept-Language": "en-GB"}), 422)
    assert body["error"] == "Validation failed"


def test_default_language_must_be_a_code(taskflow_app):
    from lcore_taskflow.core import ConfigError

    with pytest.raises(ConfigError, match="default_language"):
        taskflow_app(default_language="German!")


@pytest.mark.parametrize(("header", "expected"), [
    ("de", "de"), ("de-AT", "de"), ("DE-de", "de"), ("fr, de;q=0.5", "de"),
    ("en;q=0.2, de;q=0.9", "de"), ("de;q=0, en", "en"), ("*", None), ("", None),
    ("fr", None), ("de;q=abc, en", "en"), ("pt-BR", None)])
def test_best_match(header, expected):
    assert best_match(header, ["en", "de"]) == expected


def test_best_match_prefers_regional_catalogs():
    assert best_match("pt-BR, pt;q=0.8", ["en", "pt", "pt-BR"]) == "pt-BR"
    assert best_match("pt", ["en", "pt-BR"]) == "pt-BR"


def test_message_is_its_english_text():
    message = Message("must be at most {max} characters", max=5)
    assert message == "must be at most 5 characters" and isinstance(message, str)
    assert message.msgid == "must be at most {max} characters" and message.params == {"max": 5}
    copy = pickle.loads(pickle.dumps(message))
    assert isinstance(copy, Message) and copy.params == {"max": 5}
    assert N_("x") == "x"
    plural = Message("{n} item", plural="{n} items", n=2)
    assert plural == "2 items" and Message("{n} item", plural="{n} items", n=1) == "1 item"
    with pytest.raises(TypeError):
        Message("{n} item", plural="{n} items")


def test_translator_fills_parameters_and_keeps_plain_values(kernel):
    german = Translator(kernel, "de")
    assert german.gettext("must be at most {max} characters", max=3) \
        == "darf höchstens 3 Zeichen lang sein"
    # A parameter that is plain text is never looked up (a user's own words).
    assert german.gettext("{name} {reason}", name="Validation failed",
                          reason=Message("is required")) \
        == "Validation failed: ist erforderlich"
    assert german.gettext("A text no catalog has {x}", x=1) == "A text no catalog has 1"
    assert Translator(kernel, "en").gettext("is required") == "is required"


class CatalogPlugin:
    """A plugin that ships a catalog of its own (a compiled .mo in a temp dir)."""

    name = "catalogue"
    version = "1.0"
    core_api = "1.0"

    def __init__(self, directory: Path):
        self.directory = directory

    @hookimpl
    def taskflow_translations(self):
        return ("catalogue", self.directory)

    @hookimpl
    def taskflow_mounts(self, kernel):
        from lcore import Lcore
        from lcore_taskflow.core import ApiError

        app = Lcore()

        @app.get("/api/catalogue/<n:int>", name="catalogue_fail", auth=False)
        def fail(n):
            raise ApiError(409, "The catalogue is closed on day {n}", params={"n": n})

        return [("/", app)]


def compiled_catalog(tmp_path: Path, language: str, entries: dict[str, str]) -> Path:
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    catalog = Catalog(locale=language, domain="catalogue")
    for msgid, msgstr in entries.items():
        catalog.add(msgid, msgstr)
    target = tmp_path / "locale" / language / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "catalogue.mo").open("wb") as handle:
        write_mo(handle, catalog)
    return tmp_path / "locale"


def test_a_plugins_catalog_is_loaded(taskflow_app, tmp_path):
    pytest.importorskip("babel", reason="compiling a test catalog needs Babel (the test extra)")
    from lcore_taskflow.core.testing import Client

    directory = compiled_catalog(tmp_path, "fr", {
        "The catalogue is closed on day {n}": "Le catalogue est fermé le jour {n}",
        "Validation failed": "Validation échouée"})
    app = taskflow_app(plugins=[CatalogPlugin(directory)])
    client = Client(app)
    assert {"code": "fr", "name": "Français"} in client.get("/api/i18n").json["languages"]
    assert languages(app.taskflow) == ["en", "de", "fr"]
    body = assert_error(client.get("/api/catalogue/3", headers={"Accept-Language": "fr"}), 409)
    assert body["error"] == "Le catalogue est fermé le jour 3"
    body = assert_error(client.get("/api/catalogue/3", headers={"Accept-Language": "de"}), 409)
    assert body["error"] == "The catalogue is closed on day 3"  # no German in that catalog
    # Core's catalog comes first: its German stays; the plugin's French is used in French.
    alice = client.as_user("alice")
    assert assert_error(alice.patch("/api/users/me", json=TOO_LONG,
                                   headers={"Accept-Language": "fr"}), 422)["error"] \
        == "Validation échouée"


class BrokenCatalogPlugin:
    name = "brokencatalog"
    version = "1.0"
    core_api = "1.0"

    @hookimpl
    def taskflow_translations(self):
        return "not a pair"


def test_a_malformed_catalog_answer_is_ignored_and_logged(taskflow_app, caplog):
    from lcore_taskflow.core.testing import Client

    app = taskflow_app(plugins=[BrokenCatalogPlugin()])
    alice = Client(app).as_user("alice")
    body = assert_error(alice.patch("/api/users/me", json=TOO_LONG,
                                    headers={"Accept-Language": "de"}), 422)
    assert body["error"] == "Validierung fehlgeschlagen"
    assert "taskflow_translations: expected (domain, directory)" in caplog.text


class TwoWaysPlugin:
    """A route that accepts a bearer token or the session cookie."""

    name = "twoways"
    version = "1.0"
    core_api = "1.0"

    @hookimpl
    def taskflow_mounts(self, kernel):
        from lcore import Lcore

        app = Lcore()

        @app.get("/api/twoways", name="twoways_get", auth=True, auth_via=("bearer", "cookie"))
        def get():
            return {"ok": True}

        return [("/", app)]


def test_a_401_names_the_accepted_credentials_in_german(taskflow_app):
    from lcore_taskflow.core.testing import Client

    client = Client(taskflow_app(plugins=[TwoWaysPlugin()]))
    assert assert_error(client.get("/api/twoways"), 401)["error"] == \
        "Authentication required (Authorization: Bearer <token> or the session cookie)"
    german = assert_error(client.get("/api/twoways", headers={"Accept-Language": "de"}), 401)
    assert german["error"] == \
        "Anmeldung erforderlich (Authorization: Bearer <Token> oder das Sitzungscookie)"
