"""Templates, static files and HTML/JSON error negotiation, through the TestClient."""

from __future__ import annotations

import importlib.metadata
import os
import re
from pathlib import Path

import lcore
import lcore_taskflow.ui
import pytest
from lcore import Lcore
from lcore_taskflow.core import hookimpl
from lcore_taskflow.core.testing import FAST_CONFIG, Client, make_app, private_imports
from lcore_taskflow.ui import TaskFlowUI, UIPlugin
from lcore_taskflow.ui._pages import CSP, STATIC_DIR, TEMPLATE_DIR, endpoint_groups, group_name

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
JSON = {"Accept": "application/json"}


class Exploding:
    """A plugin with a route that fails, to see the 500 page."""

    name = "exploding"
    version = "0"

    @hookimpl
    def taskflow_mounts(self, kernel):
        sub = Lcore()

        @sub.get("/boom", auth=False)
        def boom():
            raise RuntimeError("secret internal detail")

        return [("/", sub)]


class Extra:
    """A plugin mounting one more group, to see the welcome page follow the routes."""

    name = "extra"
    version = "9.9"

    @hookimpl
    def taskflow_mounts(self, kernel):
        sub = Lcore()

        @sub.get("/ping", auth=False)
        def ping():
            """Answer pong."""
            return {"pong": True}

        return [("/extra/", sub)]


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


# ------------------------------------------------------------------ welcome
def test_welcome_lists_plugins_and_mounted_endpoint_groups(client):
    r = client.get("/", headers=HTML)
    assert r.status == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "<h1>TaskFlow API</h1>" in r.text
    from lcore_taskflow import core

    assert f'core <span class="badge">{core.__version__}</span>' in r.text
    assert f'ui <span class="badge">{lcore_taskflow.ui.__version__}</span>' in r.text
    for group in ("/api/users", "/api/projects", "/health", "/frontend", "/static"):
        assert f'<h3 class="group-title">{group}</h3>' in r.text
    assert "/api/projects/&lt;pid&gt;/tasks" in r.text
    assert 'href="/frontend"' in r.text
    assert "/auth" not in r.text  # auth is not installed here: nothing hand-kept


def test_welcome_follows_plugins_added_later(app, client):
    app.taskflow.add(Extra())
    text = client.get("/", headers=HTML).text
    assert '<h3 class="group-title">/extra</h3>' in text
    assert "/extra/ping" in text and "Answer pong." in text
    assert "extra <span class=\"badge\">9.9</span>" in text


def test_endpoint_groups_use_the_first_path_segment(app):
    assert group_name("/") == "home"
    assert group_name("/health") == "health"
    assert group_name("/api/users/<id:int>") == "api/users"
    assert group_name("/static/<path:path>") == "static"
    names = [g["name"] for g in endpoint_groups(app.taskflow)]
    assert names == sorted(names)
    users = next(g for g in endpoint_groups(app.taskflow) if g["name"] == "/api/users")
    delete = {"method": "DELETE", "path": "/api/users/<id>",
              "desc": "Remove a team member who is no longer referenced (admin)."}
    assert delete in users["endpoints"]


def test_pages_skip_api_versioning_and_carry_the_csp(client):
    for path in ("/", "/frontend"):
        r = client.get(path, headers=HTML)
        assert r.status == 200
        assert "x-api-version" not in r.headers
        assert r.headers["content-security-policy"] == CSP
        assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
        assert r.headers["x-content-type-options"] == "nosniff"


# ----------------------------------------------------------------- frontend
def test_frontend_shell_has_no_inline_script_or_handlers(client):
    text = client.get("/frontend", headers=HTML).text
    assert 'id="login-form"' in text and 'id="shell"' in text
    assert not re.search(r"<script(?![^>]*\bsrc=)", text), "inline <script> would violate the CSP"
    assert not re.search(r"\son[a-z]+\s*=", text, re.I), "inline event handler"
    assert not re.search(r"\sstyle\s*=", text, re.I), "inline style attribute"
    digest = re.search(r'<script type="module" src="/static/v/([0-9a-f]{16})/js/main.js">',
                       text).group(1)
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', text)
    assert {"/static/favicon.svg", f"/static/v/{digest}/taskflow.css",
            f"/static/v/{digest}/app.css", f"/static/v/{digest}/js/main.js"} <= set(assets)
    kinds = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
    for asset in assets:
        r = client.get(asset, headers={"Accept": "*/*"})
        assert r.status == 200, asset
        assert r.headers["content-type"].startswith(kinds[os.path.splitext(asset)[1]])


def _js_files() -> dict[str, str]:
    """Every JavaScript module of the SPA, by its path under static/js."""
    root = os.path.join(STATIC_DIR, "js")
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            if name.endswith(".js"):
                path = os.path.join(folder, name)
                files[os.path.relpath(path, root).replace(os.sep, "/")] = _read(path)
    return files


def test_every_module_import_resolves_to_a_shipped_file():
    files = _js_files()
    assert {"main.js", "boot.js", "app.js", "api.js", "i18n.js", "dom.js", "extensions.js",
            "views/board.js", "views/task.js"} <= set(files)
    for name, text in files.items():
        for target in re.findall(r"^import .*? from '([^']+)';$|^import '([^']+)';$", text, re.M):
            target = next(t for t in target if t)
            assert target.startswith("."), f"{name}: bare import {target} (no build step, no CDN)"
            resolved = os.path.normpath(os.path.join(os.path.dirname(name), target))
            resolved = resolved.replace(os.sep, "/")
            assert resolved in files, f"{name} imports {target}, which does not exist"


def test_no_fallbacks_for_missing_endpoints_and_short_board_modules():
    """contract.js is gone (core has every endpoint it probed for), and the board is
    split into modules short enough to read at once (issue 25, item 6)."""
    files = _js_files()
    assert "contract.js" not in files
    assert not [name for name, text in files.items()
                if "contract.js" in text and "replace" not in text]
    board = {name: text.count("\n") for name, text in files.items()
             if name.startswith("views/board")}
    assert len(board) >= 8, board
    assert max(board.values()) <= 200, board


def test_frontend_lists_plugin_modules_and_styles(client, monkeypatch):
    from lcore_taskflow.ui import _pages as pages

    assert "data-plugin-script" not in client.get("/frontend", headers=HTML).text
    monkeypatch.setattr(pages, "plugin_assets", lambda kernel, assets=None: {
        "plugin_scripts": [{"url": "/static/plugins/labels/labels.js", "plugin": "labels",
                            "ui_api": "2"}],
        "plugin_styles": ["/static/plugins/labels/labels.css"]})
    text = client.get("/frontend", headers=HTML).text
    assert ('<link rel="modulepreload" href="/static/plugins/labels/labels.js" '
            'data-plugin-script data-plugin="labels" data-ui-api="2">') in text
    assert ('<link rel="stylesheet" href="/static/plugins/labels/labels.css" '
            'data-plugin-style>') in text


@pytest.mark.parametrize("path", ["/frontend", "/", "/no/such/page"])
def test_every_url_of_a_page_starts_with_the_base_prefix(client, monkeypatch, path):
    from lcore_taskflow.ui import _pages as pages

    monkeypatch.setattr(pages, "page_base", lambda kernel: "/pm")
    text = client.get(path, headers=HTML).text
    urls = re.findall(r'(?:src|href)="([^"#]*)"', text)
    assert urls, text
    for url in urls:
        assert url.startswith("/pm/"), f"{url} is outside the prefix"
    if path == "/frontend":
        assert 'data-base="/pm"' in text


def test_page_base_comes_from_the_mount_prefix_setting(tmp_path):
    from lcore_taskflow.ui._pages import page_base

    plain = make_app(tmp_path / "a", plugins=[UIPlugin()])
    prefixed = make_app(tmp_path / "b", plugins=[UIPlugin()], mount_prefix="/pm/")
    try:
        assert page_base(plain.taskflow) == "" and page_base(prefixed.taskflow) == "/pm"
        text = Client(prefixed).get("/pm/frontend", headers=HTML).text
        assert 'data-base="/pm"' in text and 'href="/pm/static/' in text
        assert Client(prefixed).get("/frontend", headers=HTML).status == 404
    finally:
        plain.taskflow.close()
        prefixed.taskflow.close()


def test_login_offers_the_demo_accounts(client):
    text = client.get("/frontend", headers=HTML).text
    for user in ("admin", "alice", "bob"):
        assert f'data-username="{user}"' in text


def test_templates_have_no_inline_script_handlers_or_raw_output():
    for name in os.listdir(TEMPLATE_DIR):
        text = _read(os.path.join(TEMPLATE_DIR, name))
        assert "{{!" not in text, f"{name}: raw (unescaped) template output"
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), name
        assert not re.search(r"\son[a-z]+\s*=", text, re.I), name
        assert not re.search(r"<style|\sstyle\s*=", text, re.I), name


def test_static_javascript_never_builds_html_from_strings():
    banned = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|"
                        r"new Function|setAttribute\(\s*['\"](?:on|style)")
    files = _js_files()
    assert len(files) >= 10
    for name, text in files.items():
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)  # comments may name them
        assert not banned.search(text), f"{name}: {banned.search(text).group(0)}"


def test_template_path_is_left_alone(client):
    before = list(lcore.TEMPLATE_PATH)
    client.get("/", headers=HTML)
    client.get("/nowhere", headers=HTML)
    assert before == lcore.TEMPLATE_PATH
    assert TEMPLATE_DIR not in lcore.TEMPLATE_PATH


# ------------------------------------------------------------------- static
@pytest.mark.parametrize("path", [
    "/static/../plugin.py", "/static/%2e%2e/plugin.py", "/static/..%2fplugin.py",
    "/static/js/../../pages.py", "/static//etc/passwd", "/static/missing.js",
])
def test_static_is_confined_to_the_static_folder(client, path):
    r = client.get(path, headers=JSON)
    assert r.status in (403, 404)
    assert "TEMPLATE_DIR" not in r.text and "root:" not in r.text


# ------------------------------------------------------------------- errors
def test_unknown_path_is_an_html_page_for_browsers(client):
    r = client.get("/no/such/page", headers=HTML)
    assert r.status == 404
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"] == CSP
    assert '<h1 class="error-code">404</h1>' in r.text and "Not Found" in r.text
    assert "/no/such/page" in r.text and 'href="/"' in r.text


def test_unknown_path_without_accept_header_is_html(client):
    r = client.get("/no/such/page", headers={"Accept": ""})
    assert r.status == 404 and r.headers["content-type"].startswith("text/html")


def test_unknown_path_is_json_when_asked(client):
    r = client.get("/no/such/page", headers=JSON)
    assert r.status == 404
    assert r.headers["content-type"].startswith("application/json")
    assert r.json == {"error": "Not found: '/no/such/page'", "status": 404}


def test_api_404_is_json_even_for_a_browser(authed_app):
    """Every answer under /api/ is JSON whatever the Accept header (SPEC §13)."""
    c = Client(authed_app, user="admin")
    assert c.get("/api/projects/999", headers=JSON).json["error"] == "Project 999 not found"
    r = c.get("/api/projects/999", headers=HTML)
    assert r.status == 404 and r.headers["content-type"].startswith("application/json")
    assert r.json == {"error": "Project 999 not found", "status": 404}


def test_other_errors_stay_json(client):
    r = client.post("/health", headers=HTML)
    assert r.status == 405 and r.json["status"] == 405
    r = client.get("/api/projects/", headers=HTML)
    assert r.status == 401
    assert "no identity plugin is loaded" in r.json["error"]


def test_error_page_escapes_the_path(client):
    r = client.get("/<script>alert(1)</script>", headers=HTML)
    assert r.status == 404
    assert "<script>alert(1)" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text


def test_500_page_hides_the_exception(tmp_path):
    app = make_app(tmp_path, plugins=[UIPlugin(), Exploding()])
    try:
        c = Client(app)
        r = c.get("/boom", headers=HTML)
        assert r.status == 500
        assert r.headers["content-type"].startswith("text/html")
        assert "Internal Server Error" in r.text and "Something went wrong" in r.text
        assert "secret internal detail" not in r.text and "Traceback" not in r.text
        r = c.get("/boom", headers=JSON)
        assert r.status == 500 and r.json == {"error": "Internal Server Error", "status": 500}
    finally:
        app.taskflow.close()


def test_without_ui_errors_stay_json(tmp_path):
    app = make_app(tmp_path)
    try:
        r = Client(app).get("/no/such/page", headers=HTML)
        assert r.status == 404 and r.headers["content-type"].startswith("application/json")
        assert Client(app).get("/frontend", headers=HTML).status == 404
    finally:
        app.taskflow.close()


# ------------------------------------------------------------ installation
def test_entry_point_loads_the_plugin():
    eps = importlib.metadata.entry_points(group="lcore_taskflow.plugins")
    ui = next(ep for ep in eps if ep.name == "ui")
    assert ui.load() is UIPlugin


def test_taskflow_ui_installs_into_a_foreign_app(tmp_path):
    app = Lcore()

    @app.get("/hello")
    def hello():
        """Say hello."""
        return {"hello": "world"}

    config = {**FAST_CONFIG, "db_path": str(tmp_path / "foreign.db"),
              "upload_dir": str(tmp_path / "up")}
    ext = TaskFlowUI(config=config, environ={}, dotenv=None)
    app.install(ext)
    try:
        c = Client(app)
        assert [i.name for i in app.taskflow.infos] == ["core", "ui"]
        welcome = c.get("/", headers=HTML).text
        # the welcome page describes TaskFlow's endpoints, not the host's
        assert '<h3 class="group-title">/api/projects</h3>' in welcome
        assert '<h3 class="group-title">/hello</h3>' not in welcome
        assert c.get("/frontend", headers=HTML).status == 200
        assert c.get("/hello", headers=JSON).body == b'{"hello": "world"}'
        # a miss outside TaskFlow's paths is the host's (Lcore's own page here)
        missing = c.get("/missing", headers=HTML)
        assert missing.status == 404 and "Error: 404 Not Found" in missing.text
    finally:
        app.taskflow.close()


def test_gzipped_static_files_keep_their_content_type(client):
    import gzip

    for name, kind in (("app.css", "text/css"), ("js/app.js", "text/javascript")):
        r = client.get("/static/" + name, headers={"Accept": "*/*", "Accept-Encoding": "gzip"})
        assert r.status == 200
        assert r.headers["content-type"].startswith(kind), r.headers
        assert r.headers["content-encoding"] == "gzip"
        with open(os.path.join(STATIC_DIR, name), "rb") as fh:
            assert gzip.decompress(r.body) == fh.read()
        assert int(r.headers["content-length"]) == len(r.body)


def test_ui_imports_only_cores_public_api():
    """Plugins stay plugins: never another feature package, never a ``_private`` core module."""
    assert private_imports(Path(lcore_taskflow.ui.__file__).parent) == []
