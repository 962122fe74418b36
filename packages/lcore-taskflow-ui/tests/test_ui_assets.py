"""Versioned static files (SPEC §13): content-hashed URLs served ``immutable``.

A plugin's UI module lives in a temporary folder: its hash changes when its
content does (a new server start, as after an upgrade), the old hash then
gets today's file with the short cache, and unversioned URLs keep it too.
"""

from __future__ import annotations

import re

import pytest
from lcore_taskflow.core import UIModule, hookimpl
from lcore_taskflow.core.testing import Client, make_app
from lcore_taskflow.ui import UIPlugin

HTML = {"Accept": "text/html"}
ANY = {"Accept": "*/*"}
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"


class Widgets:
    name = "widgets"
    version = "1"
    core_api = "1.1"

    def __init__(self, directory, ui_api=None):
        self.directory, self.ui_api = directory, ui_api

    @hookimpl
    def taskflow_ui_modules(self, kernel):
        return [UIModule("widgets", self.directory, scripts=("widgets.js",),
                         styles=("widgets.css",), ui_api=self.ui_api)]


@pytest.fixture
def module_dir(tmp_path):
    folder = tmp_path / "widgets"
    folder.mkdir()
    (folder / "widgets.js").write_text("export default function setup() {}\n")
    (folder / "widgets.css").write_text(".widget { color: teal; }\n")
    return folder


def frontend_urls(app) -> tuple[str, str, str]:
    """(core digest, the plugin script's URL, its data-ui-api) from the page."""
    text = Client(app).get("/frontend", headers=HTML).text
    core = re.search(r'src="/static/v/([0-9a-f]{16})/js/main.js"', text).group(1)
    link = re.search(r'<link rel="modulepreload" href="([^"]+)" data-plugin-script '
                     r'data-plugin="widgets" data-ui-api="([^"]*)">', text)
    return core, link.group(1), link.group(2)


def test_versioned_urls_are_immutable_and_unversioned_ones_are_not(tmp_path, module_dir):
    app = make_app(tmp_path / "a", plugins=[UIPlugin(), Widgets(module_dir, ui_api=2)])
    try:
        client = Client(app)
        core, script, ui_api = frontend_urls(app)
        assert ui_api == "2"
        assert re.fullmatch(r"/static/plugins/widgets/v/[0-9a-f]{16}/widgets\.js", script)
        for url in (f"/static/v/{core}/app.css", f"/static/v/{core}/js/main.js",
                    f"/static/v/{core}/js/extensions.js", script):
            reply = client.get(url, headers=ANY)
            assert reply.status == 200, url
            assert reply.headers["cache-control"] == IMMUTABLE, url
        assert client.get(script, headers=ANY).text.startswith("export default")
        for url in ("/static/app.css", "/static/plugins/widgets/widgets.js"):
            reply = client.get(url, headers=ANY)
            assert reply.status == 200 and reply.headers["cache-control"] == SHORT, url
        stale = client.get("/static/v/0123456789abcdef/app.css", headers=ANY)
        assert stale.status == 200 and stale.headers["cache-control"] == SHORT
        for bad in ("/static/v/NOTHEX/app.css", f"/static/v/{core}/../_pages.py",
                    f"/static/v/{core}/%2e%2e/_pages.py",
                    "/static/plugins/nope/v/0123456789abcdef/x.js",
                    script.replace("widgets.js", "../../../etc/passwd")):
            reply = client.get(bad, headers=ANY)
            assert reply.status == 404, bad
            assert "cache-control" not in reply.headers or "immutable" not in reply.headers[
                "cache-control"], bad
    finally:
        app.taskflow.close()


def test_the_hash_follows_the_content(tmp_path, module_dir):
    first = make_app(tmp_path / "a", plugins=[UIPlugin(), Widgets(module_dir)])
    again = make_app(tmp_path / "b", plugins=[UIPlugin(), Widgets(module_dir)])
    (module_dir / "widgets.js").write_text("export default function setup() { /* v2 */ }\n")
    changed = make_app(tmp_path / "c", plugins=[UIPlugin(), Widgets(module_dir)])
    try:
        core_a, script_a, ui_api = frontend_urls(first)
        core_b, script_b, _ = frontend_urls(again)
        core_c, script_c, _ = frontend_urls(changed)
        assert ui_api == ""  # no ui_api declared
        assert (core_a, script_a) == (core_b, script_b)  # same content, same URLs
        assert core_c == core_a and script_c != script_a  # only the plugin changed
        # the running server computed its hash once, at start: the old URL now gets the
        # new file with the short cache, never as immutable
        stale = Client(changed).get(script_a, headers=ANY)
        assert stale.status == 200 and stale.headers["cache-control"] == SHORT
        assert "v2" in stale.text
        assert Client(changed).get(script_c, headers=ANY).headers["cache-control"] == IMMUTABLE
    finally:
        for app in (first, again, changed):
            app.taskflow.close()
