"""``/auth/oidc/``: start a sign-in at the provider, finish it when the browser returns.

The handlers are named functions taking the kernel and the plugin first, registered
from :data:`ROUTES`; the page a browser gets when its sign-in failed is
:func:`error_page`.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from lcore import Lcore, redirect, request, response
from lcore_taskflow.core import (
    ApiError,
    Boolean,
    Route,
    Schema,
    String,
    add_routes,
    request_translator,
)

from . import _flows as flows
from ._accounts import Accounts, Refused
from ._client import OIDCError

if TYPE_CHECKING:
    from lcore_taskflow.core import TaskFlow

    from ._config import OIDCConfig
    from ._plugin import OIDCPlugin

LOGIN_RATE = (60, 60)  # sign-ins started or finished per client address and minute


class ProviderInfo(Schema):
    """What a login screen needs to offer single sign-on."""

    enabled = Boolean(required=True, description="false until APP_OIDC_ISSUER and "
                                                 "APP_OIDC_CLIENT_ID are set")
    name = String(required=True, description="the provider's display name "
                                             "(APP_OIDC_PROVIDER_NAME)")
    login_url = String(required=True, description="where a 'Sign in with ...' link points")


def _secure(kernel: TaskFlow) -> bool:
    return bool(kernel.config.get("cookie_secure")) or request.urlparts.scheme == "https"


def redirect_uri(kernel: TaskFlow, settings: OIDCConfig) -> str:
    """``APP_OIDC_REDIRECT_URL``, else this server's callback as the browser addressed it."""
    if settings.oidc_redirect_url:
        return settings.oidc_redirect_url
    parts = request.urlparts
    return f"{parts.scheme}://{parts.netloc}{kernel.url('/auth/oidc/callback')}"


def _state_flow(kernel: TaskFlow, params: Any) -> dict[str, Any]:
    """The sign-in the answer's ``state`` belongs to (consumed), or 400."""
    state = params.get("state") or ""
    if not state:
        raise OIDCError(400, "The sign-in answer has no state: start again", "state")
    flow = flows.take(kernel.db, state, request.get_cookie(flows.COOKIE))
    if flow is None:
        raise OIDCError(400, "This sign-in could not be verified: it is unknown, "
                             "expired or already used, or it was started in another "
                             "browser. Start again.", "state")
    return flow


def _authorization_code(params: Any, issuer: str) -> str:
    """The answer's authorization code: 400 when it comes from another issuer or has
    none, 401 when the provider answered an error instead."""
    if params.get("iss") and params.get("iss") != issuer:
        raise OIDCError(400, "The sign-in answer comes from another issuer than the "
                             "configured provider", "issuer")
    if params.get("error"):
        why = params.get("error_description") or params.get("error")
        raise OIDCError(401, "The identity provider did not sign you in: {why}",
                        "provider_error", why=why)
    code = params.get("code") or ""
    if not code:
        raise OIDCError(400, "The sign-in answer has no authorization code", "code")
    return code


# ------------------------------------------------------------- handlers
# Each takes the kernel and the plugin first (bound by build_oidc_app).
def provider(kernel: TaskFlow, plugin: OIDCPlugin) -> dict[str, Any]:
    """Whether single sign-on is set up, and the provider's name (for a login screen)."""
    settings = plugin.settings(kernel)
    return {"enabled": plugin.configured(kernel), "name": plugin.display_name(settings),
            "login_url": kernel.url("/auth/oidc/login")}


def login(kernel: TaskFlow, plugin: OIDCPlugin) -> None:
    """Start signing in at the OpenID provider: 302 to its authorization endpoint.

    The authorization request carries a fresh ``state``, ``nonce`` and
    PKCE challenge (S256); this server keeps them, and the browser gets
    the ``taskflow_oidc`` cookie that ties the sign-in to it.
    """
    settings = plugin.settings(kernel)
    client = plugin.client(kernel)
    try:
        started = client.authorization(redirect_uri(kernel, settings))
    except OIDCError as exc:
        raise ApiError(exc.status, exc.message) from None
    browser = request.get_cookie(flows.COOKIE)
    if not flows.valid_browser_secret(browser):
        browser = flows.new_browser_secret()
    flows.start(kernel.db, started, browser, settings.oidc_login_ttl)
    response.set_cookie(flows.COOKIE, browser, path=kernel.url("/auth/oidc/"),
                        httponly=True, samesite="Lax", max_age=settings.oidc_login_ttl,
                        secure=_secure(kernel))
    redirect(started.url, 302)


def callback(kernel: TaskFlow, plugin: OIDCPlugin) -> None:
    """Finish signing in: check the state, exchange the code, validate the id_token,
    find or create the user, start the session; 302 to the frontend."""
    params = request.query
    client = plugin.client(kernel)
    issuer = ""
    try:
        flow = _state_flow(kernel, params)
        issuer = client.metadata()["issuer"]
        code = _authorization_code(params, issuer)
        claims = client.finish(code, redirect_uri=flow["redirect_uri"],
                               code_verifier=flow["code_verifier"], nonce=flow["nonce"])
        with kernel.db.transaction():
            user = Accounts(kernel, plugin.settings(kernel)).sign_in(claims)
            kernel.audit("auth.login", target=f"user:{user['username']}", actor=user,
                         details={"via": "oidc", "issuer": issuer})
            kernel.sign_in(user, via="oidc")
    except OIDCError as exc:
        _failed(kernel, exc.reason, issuer)
        raise ApiError(exc.status, exc.message) from None
    except Refused as exc:
        _failed(kernel, exc.reason, issuer)
        raise
    redirect(kernel.url("/frontend"), 302)


# ---------------------------------------------------------------- routes
#: ``(method, rule, handler, options)`` in registration order (the OpenAPI document's).
ROUTES: tuple[Route, ...] = (
    ("GET", "/provider", provider, dict(
        name="oidc_provider", auth=False, returns=ProviderInfo)),
    ("GET", "/login", login, dict(
        name="oidc_login", auth=False, status=302, returns=None,
        responses=((502, "The OpenID provider cannot be reached or is misconfigured"),
                   (503, "Single sign-on is not configured")),
        limit=("oidc", *LOGIN_RATE))),
    ("GET", "/callback", callback, dict(
        name="oidc_callback", auth=False, status=302, returns=None,
        responses=((400, "Unknown, used or expired state, or another browser's"),
                   (401, "The provider refused, or its answer failed validation"),
                   (403, "The identity may not sign in (unverified email of an "
                         "existing account, no account, deactivated)"),
                   (502, "The OpenID provider cannot be reached"),
                   (503, "Single sign-on is not configured")),
        limit=("oidc", *LOGIN_RATE))),
)


def build_oidc_app(kernel: TaskFlow, plugin: OIDCPlugin) -> Lcore:
    """The sub-app mounted at ``/auth/oidc/``: :data:`ROUTES`, each handler given
    ``kernel`` and ``plugin`` (the sign-in's two steps count against the ``oidc`` bucket)."""
    app = Lcore()
    add_routes(app, ROUTES, kernel, plugin)
    return app


def _failed(kernel: TaskFlow, reason: str, issuer: str) -> None:
    kernel.audit("auth.login_failed", target=None, actor=None,
                 details={"via": "oidc", "reason": reason, "issuer": issuer or None})


def wants_html(req: Any) -> bool:
    accept = req.get_header("Accept") or ""
    return "text/html" in accept and "application/json" not in accept


def error_page(kernel: TaskFlow, status: int, message: str) -> str:
    """A plain page for a browser whose sign-in failed: what happened, and two ways on."""
    response.content_type = "text/html; charset=utf-8"
    t = request_translator(kernel)  # the caller's language (profile, Accept-Language)
    response.set_header("Content-Language", t.language)
    response.add_header("Vary", "Accept-Language")
    title = t.gettext("Sign-in failed") if status < 500 else t.gettext("Sign-in unavailable")
    again, home = html.escape(kernel.url("/auth/oidc/login")), html.escape(kernel.url("/frontend"))
    title, text = html.escape(title), html.escape(t.translate(message))
    retry, go = html.escape(t.gettext("Try single sign-on again")), html.escape(
        t.gettext("Go to TaskFlow"))
    code = html.escape(t.gettext("Error {status}", status=status))
    return (f'<!doctype html>\n<html lang="{t.language}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title} · TaskFlow</title></head>\n<body><main>"
            f"<h1>{title}</h1>\n<p>{text}</p>\n"
            f'<p><a href="{again}">{retry}</a> · <a href="{home}">{go}</a></p>'
            f"<p><small>{code}</small></p></main></body></html>\n")


def own_path(kernel: TaskFlow, path: str) -> bool:
    return urlsplit(path).path.startswith(kernel.url("/auth/oidc/"))
