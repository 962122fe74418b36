"""The ui's routes: the welcome page, the single-page app and its static files.

Templates are rendered with an explicit lookup path (never by changing
Lcore's global ``TEMPLATE_PATH``), so a host app's own templates named
``error`` or ``welcome`` neither shadow nor are shadowed by these.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

import lcore
from lcore import Lcore, request, response, template
from lcore_taskflow.core import ApiError, send_file

from . import __version__

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE_DIR = os.path.join(HERE, "templates")
STATIC_DIR = os.path.join(HERE, "static")
# One list object for the life of the process: Lcore caches compiled
# templates under id(lookup).
TEMPLATE_LOOKUP = [TEMPLATE_DIR]

# No inline script, no inline style, no event-handler attributes, nothing
# from another origin: user text that slipped into the markup could not run.
CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
])

# Versioned URLs (``/static/v/<digest>/...``) never change content: a year, immutable.
# Unversioned ones (a bookmarked or hand-typed URL) keep the short cache.
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=300"
DIGEST = re.compile(r"[0-9a-f]{16}\Z")

METHOD_ORDER = {"GET": 0, "POST": 1, "PUT": 2, "PATCH": 3, "DELETE": 4}
PARAM = re.compile(r"<(\w+)(?::[^>]*)?>")


def page_base(kernel) -> str:
    """The URL prefix TaskFlow is served under: "" or "/pm", never a trailing slash.

    Every URL a page or the SPA builds starts with it (template variable
    ``base``; the SPA reads it from ``<body data-base>``).
    """
    return kernel.url("")


def content_digest(directory: str | os.PathLike) -> str:
    """16 hex digits of SHA-256 over every file of ``directory`` (names and bytes).

    One digest per directory rather than per file: the frontend's ES modules
    import each other by relative URL, so a versioned path segment
    (``/static/v/<digest>/js/main.js``) versions every module they import too.
    """
    root, digest = Path(directory), hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class Assets:
    """The content digests of the ui's static folder and of each plugin's UI module,
    computed once per server start (a plugin's on first use)."""

    def __init__(self, kernel):
        self.kernel = kernel
        self.core = content_digest(STATIC_DIR)
        self._plugins: dict[str, str] = {}

    def plugin(self, module) -> str:
        if module.name not in self._plugins:
            self._plugins[module.name] = content_digest(module.directory)
        return self._plugins[module.name]

    def base(self) -> str:
        """Where the page loads the ui's own files from: versioned."""
        return f"{page_base(self.kernel)}/static/v/{self.core}"


def plugin_assets(kernel, assets: Assets | None = None) -> dict[str, list[Any]]:
    """The ES modules and stylesheets plugins add (``taskflow_ui_modules``), under
    content-hashed URLs when ``assets`` is given.

    The SPA imports every script whose ``ui_api`` this frontend provides and
    calls its default export with the ``taskflow`` frontend API; a script
    that needs a newer UI API is reported instead (``extensions.js``).
    """
    scripts, styles = [], []
    for module in kernel.ui_modules:
        digest = f"v/{assets.plugin(module)}/" if assets else ""
        base = kernel.url(f"/static/plugins/{module.name}/{digest}")
        ui_api = getattr(module, "ui_api", None)
        scripts += [{"url": base + name, "plugin": module.name,
                     "ui_api": "" if ui_api is None else str(ui_api)} for name in module.scripts]
        styles += [base + name for name in module.styles]
    # A module named after a project-scoped plugin shows only in projects where it is on.
    scoped = kernel.scopes.names()
    return {"plugin_scripts": scripts, "plugin_styles": styles,
            "scoped_modules": " ".join(sorted(m.name for m in kernel.ui_modules
                                              if m.name in scoped))}


def catalog_languages(directory: str | os.PathLike) -> str:
    """The languages of a folder's SPA catalogs (``i18n/<lang>.json``), space-separated."""
    folder = Path(directory) / "i18n"
    return " ".join(sorted(p.stem for p in folder.glob("*.json"))) if folder.is_dir() else ""


def catalog_sources(kernel, assets: Assets | None = None) -> list[dict[str, str]]:
    """Where the SPA finds its translation catalogs: the ui's own (``static/i18n/``) and each
    plugin UI module's ``<directory>/i18n/<lang>.json`` (by convention, no UIModule field),
    under the same content-hashed URLs as the scripts.  The page lists them as
    ``<meta name="taskflow-i18n">``; ``i18n.js`` loads those of the chosen language before
    any plugin script runs."""
    ui_prefix = (assets.base() if assets else f"{page_base(kernel)}/static") + "/i18n/"
    found = [{"owner": "ui", "languages": catalog_languages(STATIC_DIR), "prefix": ui_prefix}]
    for module in kernel.ui_modules:
        languages = catalog_languages(module.directory)
        if languages:
            digest = f"v/{assets.plugin(module)}/" if assets else ""
            found.append({"owner": module.name, "languages": languages,
                          "prefix": kernel.url(f"/static/plugins/{module.name}/{digest}i18n/")})
    return found


def render(name: str, kernel, **values: Any) -> str:
    """Render one of the package's templates as an HTML page with the ui's CSP."""
    response.content_type = "text/html; charset=UTF-8"
    response.set_header("Content-Security-Policy", CSP)
    response.set_header("Cache-Control", "no-store")
    values.setdefault("base", page_base(kernel))
    return template(name, template_lookup=TEMPLATE_LOOKUP, **values)


def group_name(rule: str) -> str:
    """The endpoint group of a route: its first path segment (``api/<x>`` under /api)."""
    parts = [p for p in rule.split("/") if p]
    if not parts:
        return "home"
    if parts[0] == "api" and len(parts) > 1 and "<" not in parts[1]:
        return f"api/{parts[1]}"
    return parts[0] if "<" not in parts[0] else "other"


def _summary(callback: Any) -> str:
    doc = (getattr(callback, "__doc__", None) or "").strip()
    return doc.splitlines()[0].replace("``", "") if doc else ""


def endpoint_groups(kernel) -> list[dict[str, Any]]:
    """TaskFlow's routes actually mounted, grouped by first path segment.

    Built at request time from ``app.routes``, so plugins added late (a
    foreign app's ``app.install``) or disabled by configuration are shown as
    they are, never from a hand-kept list.
    """
    groups: dict[str, list[dict[str, str]]] = {}
    seen = set()
    for route in kernel.app.routes:
        if not kernel.owns(route):
            continue
        path = PARAM.sub(r"<\1>", route.rule)
        key = (route.method, path)
        if key in seen:
            continue
        seen.add(key)
        groups.setdefault(group_name(route.rule[len(kernel.prefix):]), []).append(
            {"method": route.method, "path": path, "desc": _summary(route.callback)})
    ordered = sorted(groups.items(), key=lambda kv: "" if kv[0] == "home" else kv[0])
    return [{"name": "/" + name if name != "home" else "/",
             "endpoints": sorted(eps, key=lambda e: (e["path"], METHOD_ORDER.get(e["method"], 9)))}
            for name, eps in ordered]


def plugin_rows(kernel) -> list[dict[str, str]]:
    """The installed TaskFlow plugins with their versions and a one-line description."""
    return [{"name": info.name, "version": str(info.version),
             "desc": _summary(type(info.plugin))} for info in kernel.infos]


#: What a static file route may answer besides 200 (``send_file``'s validators and ranges).
STATIC_ANSWERS = ((206, "The byte range asked for (Range)"),
                  (304, "Unchanged since the ETag of If-None-Match"), 404,
                  (416, "The Range asked for lies beyond the file"))


def serve_static(path: str, root: str = STATIC_DIR, cache: str = SHORT_CACHE) -> bytes:
    """A file of the static folder, as bytes with its headers on ``response``.

    ``static_file`` answers with an ``HTTPResponse`` that carries its own
    headers; Lcore's ``CompressionMiddleware`` gzips such a result but keeps
    only the global response's headers, so the browser would get the CSS and
    JavaScript as ``text/html`` and refuse it (``nosniff``).  Copying the
    headers onto ``response`` and returning the bytes keeps them.
    """
    try:  # core's send_file: quoted ETags, If-None-Match, 416 (RFC 9110)
        result = send_file(path, root, headers={"Cache-Control": cache})
    except ApiError as err:
        if err.status_code == 416:
            raise
        raise ApiError(404, "Static file not found: {path}", params={"path": path}) from None
    result.apply(response)
    body = result.body
    if hasattr(body, "read"):
        try:
            return body.read()
        finally:
            body.close()
    return body or b""


def serve_plugin_static(kernel, name: str, path: str, assets: Assets | None = None,
                        digest: str | None = None) -> bytes:
    """A file of a plugin's UI module directory (never outside it); immutable when
    asked for under the module's current ``digest``."""
    module = next((m for m in kernel.ui_modules if m.name == name), None)
    if module is None:
        raise ApiError(404, "No UI module named {name}", params={"name": repr(name[:80])})
    current = digest is not None and assets is not None and digest == assets.plugin(module)
    return serve_static(path, root=os.fspath(module.directory),
                        cache=IMMUTABLE if current else SHORT_CACHE)


def check_digest(digest: str) -> None:
    if not DIGEST.match(digest):
        raise ApiError(404, "Static file not found: the version must be 16 hex digits")


def build_ui_app(kernel, assets: Assets | None = None) -> Lcore:
    """The ui's routes, at the root of TaskFlow (under its prefix, if any)."""
    app = Lcore()
    assets = assets or Assets(kernel)

    @app.get("/", name="ui_welcome", skip_versioning=True, auth=False, returns="text/html")
    def welcome():
        """Welcome page: installed plugins, endpoint groups, link to the frontend."""
        cfg = kernel.config
        return render("welcome", kernel, title=cfg.app_name,
                      description="Project management API built with the Lcore framework",
                      version=__version__, lcore_version=getattr(lcore, "__version__", "?"),
                      plugins=plugin_rows(kernel), endpoint_groups=endpoint_groups(kernel),
                      host=request.urlparts.hostname or cfg.host,
                      port=request.urlparts.port or cfg.port)

    @app.get("/frontend", name="ui_frontend", skip_versioning=True, auth=False,
             returns="text/html")
    def frontend():
        """The single-page TaskFlow app (login, dashboard, Kanban board, team, ...)."""
        return render("frontend", kernel, title=kernel.config.app_name, version=__version__,
                      demo_users=kernel.demo_accounts(), assets=assets.base(),
                      catalogs=catalog_sources(kernel, assets), **plugin_assets(kernel, assets))

    # The versioned routes come first: the unversioned ones below would match them too.
    @app.get("/static/plugins/<name>/v/<digest>/<path:path>", name="ui_plugin_static_versioned",
             skip_versioning=True, auth=False, returns="*/*", responses=STATIC_ANSWERS)
    def plugin_static_versioned(name, digest, path):
        """A plugin's frontend file under its content hash: cached for a year, immutable."""
        check_digest(digest)
        return serve_plugin_static(kernel, name, path, assets, digest)

    @app.get("/static/v/<digest>/<path:path>", name="ui_static_versioned", skip_versioning=True,
             auth=False, returns="*/*", responses=STATIC_ANSWERS)
    def static_versioned(digest, path):
        """The frontend's files under their content hash: cached for a year, immutable (an
        outdated hash gets today's file with the short cache)."""
        check_digest(digest)
        return serve_static(path, cache=IMMUTABLE if digest == assets.core else SHORT_CACHE)

    @app.get("/static/plugins/<name>/<path:path>", name="ui_plugin_static",
             skip_versioning=True, auth=False, returns="*/*", responses=STATIC_ANSWERS)
    def plugin_static(name, path):
        """Frontend code of an installed plugin."""
        return serve_plugin_static(kernel, name, path)

    @app.get("/static/<path:path>", name="ui_static", skip_versioning=True, auth=False,
             returns="*/*", responses=STATIC_ANSWERS)
    def static(path):
        """The frontend's CSS, JavaScript and icon (never anything outside the static folder)."""
        return serve_static(path)

    return app
