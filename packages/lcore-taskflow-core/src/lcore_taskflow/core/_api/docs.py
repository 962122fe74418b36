"""``/openapi.json`` (always) and the interactive ``/docs`` page (``APP_DOCS``, on by default).

The page is a small script and stylesheet shipped in this package
(``core/apidocs/``): no CDN, and it works under the strict policy below (no
inline script or style).  It shows nothing that ``/openapi.json`` does not
already publish; a deployment that wants neither page nor assets sets
``APP_DOCS=false``.
"""

from __future__ import annotations

import html
import json
import os

from lcore import Lcore, response

from .._errors import ApiError
from .._files import send_file
from .._openapi import document
from .._schema import Object, Schema, String

ASSETS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "apidocs")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'self'")
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · API</title>
<link rel="stylesheet" href="{base}/docs/docs.css">
<script src="{base}/docs/docs.js" defer></script>
</head>
<body data-openapi="{base}/openapi.json">
<header>
<h1 id="title">{title}</h1>
<p class="muted"><span id="version"></span> · <a href="{base}/openapi.json">openapi.json</a></p>
<p id="description" class="muted"></p>
<div class="auth">
<form id="auth"><label>Bearer token <input id="token" type="password" autocomplete="off"
size="36"></label> <button class="btn" type="submit">Use token</button>
<button class="btn" type="button" id="clear">Forget</button>
<span id="token-state" class="muted small" role="status"></span></form>
<form id="login" hidden><label>Username <input name="username" autocomplete="username"
size="12"></label><label>Password <input name="password" type="password"
autocomplete="current-password" size="12"></label>
<button class="btn btn-primary" type="submit">Sign in</button>
<span id="login-state" class="muted small" role="status"></span></form>
</div>
</header>
<main id="operations"><p class="muted">Loading the API description…</p></main>
<noscript><p>This page needs JavaScript; the document is at
<a href="{base}/openapi.json">openapi.json</a>.</p></noscript>
</body>
</html>
"""


class OpenAPIDocument(Schema):
    """An OpenAPI 3.1 document."""

    openapi = String(required=True)
    info = Object(required=True)
    paths = Object(required=True)
    components = Object()


def add_docs_routes(app: Lcore, kernel) -> None:
    @app.get("/openapi.json", name="openapi", auth=False, returns=OpenAPIDocument)
    def openapi():
        """The OpenAPI 3.1 document of every loaded plugin's routes, generated from them."""
        response.content_type = "application/json"
        response.set_header("Cache-Control", "no-cache")
        return json.dumps(document(kernel))  # a string: route plugins add no keys to it

    if not kernel.config.docs:
        return

    @app.get("/docs", name="docs", auth=False, returns="text/html")
    def docs():
        """An interactive page of the API: every route, with a form to try it."""
        response.content_type = "text/html; charset=UTF-8"
        response.set_header("Content-Security-Policy", CSP)
        response.set_header("Cache-Control", "no-store")
        return PAGE.format(title=html.escape(kernel.config.app_name),
                           base=html.escape(kernel.url("")))

    @app.get("/docs/<name:re:docs\\.(?:js|css)>", name="docs_asset", auth=False,
             returns="*/*", responses=((304, "Unchanged since the ETag of If-None-Match"),
                                       404))
    def docs_asset(name):
        """The script and stylesheet of the API page."""
        try:
            result = send_file(name, ASSETS, headers={"Cache-Control": "public, max-age=300"})
        except ApiError:
            raise ApiError(404, "No such asset: {name}", params={"name": name}) from None
        if result.status_code == 304:
            return result
        result.apply(response)
        body = result.body
        try:
            return body.read() if hasattr(body, "read") else body
        finally:
            if hasattr(body, "close"):
                body.close()
