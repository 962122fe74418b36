"""The OpenID Connect relying party, through Authlib.

Every protocol step is Authlib's: discovery (``load_server_metadata``), the
authorization URL with ``state``, ``nonce`` and a PKCE S256 challenge
(``create_authorization_url``), the code exchange (``fetch_access_token``),
id_token validation with the provider's JWKS — fetched again when a token
names a key it does not know, which is how key rotation reaches us — and
the claims checks (``parse_id_token``: signature, ``iss``, ``aud``,
``azp``, ``exp``, ``iat``, ``nonce``, ``at_hash``), and the userinfo call.
The classes are Authlib's framework-integration building blocks
(``OAuth2Mixin``, ``OpenIDMixin``, ``BaseApp``), assembled the way its
Flask and Django clients are, on its ``requests`` session.

What this module adds is policy: which issuer we trust (the configured
one, and the discovery document must say so), that ``aud`` must contain
our client id (passed to Authlib as a claims option: its ID token class
alone accepts a token for another audience when ``azp`` names us), that
the userinfo answer is about the same subject, and errors that say what
went wrong in words a person can act on.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from lcore_taskflow.core import Message

from ._config import OIDCConfig

log = logging.getLogger("lcore_taskflow.oidc")

METADATA_MAX_AGE = 24 * 3600  # discovery is read again after a day
RETRY_AFTER_FAILURE = 5.0     # seconds a failed discovery is answered from memory


class OIDCError(Exception):
    """A sign-in that cannot go on; ``status`` is the HTTP answer (401, 502, ...)."""

    def __init__(self, status: int, message: str, reason: str = "", **params: Any) -> None:
        message = Message(message, **params)  # translated where the error is rendered
        super().__init__(message)
        self.status, self.message, self.reason = status, message, reason or message


@dataclass(frozen=True)
class Authorization:
    """A started sign-in: where to send the browser and what to keep until it returns."""

    url: str
    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str


def _authlib_app_class() -> type:
    from authlib.integrations.base_client import BaseApp, OAuth2Mixin, OpenIDMixin
    from authlib.integrations.requests_client import OAuth2Session

    class AuthlibOIDCApp(OAuth2Mixin, OpenIDMixin, BaseApp):
        """Authlib's synchronous OAuth 2 + OpenID client on a requests session."""

        client_cls = OAuth2Session

    return AuthlibOIDCApp


class OIDCClient:
    """One provider and one client registration; safe to share between threads.

    Discovery happens on first use (and again after a day, or after a
    failure), never at construction: a provider that is down at start-up
    does not stop TaskFlow, it makes sign-ins answer 502 until it is back.
    """

    def __init__(self, settings: OIDCConfig) -> None:
        self.settings = settings
        self.issuer = settings.oidc_issuer.strip()
        self.client_id = settings.oidc_client_id.strip()
        self.discovery_url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        self._app: Any = None
        self._loaded_at = 0.0
        self._failure: tuple[float, OIDCError] | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------ discovery
    def _ready(self) -> Any:
        """The Authlib app with the provider's metadata loaded and checked."""
        with self._lock:
            now = time.time()
            if self._app is not None and now - self._loaded_at < METADATA_MAX_AGE:
                return self._app
            if self._failure is not None and now - self._failure[0] < RETRY_AFTER_FAILURE:
                raise self._failure[1]  # a provider that is down is not asked by every request
            app = self._new_app()
            try:
                method = self._check_metadata(self._load(app))
            except OIDCError as exc:
                self._failure = (now, exc)
                raise
            if method:
                app.client_kwargs["token_endpoint_auth_method"] = method
            self._app, self._loaded_at, self._failure = app, time.time(), None
            return app

    def _new_app(self) -> Any:
        import requests  # noqa: F401  (Authlib's requests client needs it: fail here, clearly)
        from authlib.integrations.base_client import FrameworkIntegration

        settings = self.settings
        secret = settings.oidc_client_secret or None
        return _authlib_app_class()(
            FrameworkIntegration("taskflow_oidc"),
            client_id=self.client_id,
            client_secret=secret,
            server_metadata_url=self.discovery_url,
            client_kwargs={
                "scope": " ".join(settings.oidc_scopes or ["openid"]),
                "code_challenge_method": "S256",
                "default_timeout": settings.oidc_timeout,
                "token_endpoint_auth_method": "client_secret_basic" if secret else "none",
            },
        )

    def _load(self, app: Any) -> dict[str, Any]:
        import requests

        try:
            metadata = app.load_server_metadata()
        except (ValueError, TypeError) as exc:  # not a JSON object (JSONDecodeError: ValueError)
            raise OIDCError(502, "The OpenID provider's discovery document at {url} is not JSON",
                            "discovery", url=self.discovery_url) from exc
        except requests.RequestException as exc:
            raise OIDCError(502, "The OpenID provider could not be reached at {url}: {problem}",
                            "discovery", url=self.discovery_url, problem=_short(exc)) from exc
        if not isinstance(metadata, dict):
            raise OIDCError(502, "The OpenID provider's discovery document at {url} is not a "
                                 "JSON object", "discovery", url=self.discovery_url)
        return metadata

    def _check_metadata(self, metadata: dict[str, Any]) -> str | None:
        """Refuse a discovery document we cannot trust or use; return the client
        authentication method to use when the default one is not offered."""
        from authlib.oidc.discovery import OpenIDProviderMetadata

        found = str(metadata.get("issuer") or "")
        if found.rstrip("/") != self.issuer.rstrip("/"):
            raise OIDCError(502, "The discovery document at {url} names the issuer {found}, "
                                 "not the configured {issuer} (APP_OIDC_ISSUER)", "discovery",
                            url=self.discovery_url, found=repr(found), issuer=repr(self.issuer))
        checked = OpenIDProviderMetadata(metadata)
        try:
            checked.validate_issuer()
            checked.validate_authorization_endpoint()
            checked.validate_token_endpoint()
            checked.validate_jwks_uri()
            if not metadata.get("jwks_uri"):
                raise ValueError('"jwks_uri" is required')
            checked.validate_response_types_supported()
        except ValueError as exc:
            raise OIDCError(502, "The OpenID provider's discovery document is not usable: "
                                 "{problem}", "discovery", problem=str(exc)) from exc
        methods = metadata.get("token_endpoint_auth_methods_supported") or []
        if self.settings.oidc_client_secret and methods and "client_secret_basic" not in methods:
            if "client_secret_post" not in methods:
                raise OIDCError(502, "The OpenID provider supports neither client_secret_basic "
                                     "nor client_secret_post (it offers {methods})",
                                "discovery", methods=str(methods))
            return "client_secret_post"
        return None

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (fetched on first use, checked)."""
        return self._ready().load_server_metadata()

    def keys(self) -> list[dict[str, Any]]:
        """The provider's public signing keys, fetched now."""
        import requests

        app = self._ready()
        try:
            return list(app.fetch_jwk_set(force=True).get("keys") or [])
        except (requests.RequestException, ValueError) as exc:
            raise OIDCError(502, "The OpenID provider's keys could not be fetched: {problem}",
                            "jwks", problem=_short(exc)) from exc

    # ---------------------------------------------------------------- flow
    def authorization(self, redirect_uri: str) -> Authorization:
        """A new authorization request: the URL, and its state, nonce and PKCE verifier."""
        app = self._ready()
        started = app.create_authorization_url(redirect_uri=redirect_uri)
        return Authorization(url=started["url"], state=started["state"],
                             nonce=started["nonce"], code_verifier=started["code_verifier"],
                             redirect_uri=redirect_uri)

    def finish(self, code: str, *, redirect_uri: str, code_verifier: str,
               nonce: str) -> dict[str, Any]:
        """Exchange ``code``, validate the id_token, add userinfo: the verified claims.

        The id_token's claims win over the userinfo endpoint's (they are
        signed); the userinfo answer is used only when it is about the same
        ``sub``.
        """
        import requests
        from authlib.integrations.base_client import OAuthError
        from joserfc.errors import JoseError

        app = self._ready()
        try:
            token = app.fetch_access_token(redirect_uri=redirect_uri, code=code,
                                           code_verifier=code_verifier)
        except OAuthError as exc:
            detail = f"{exc.error}: {exc.description}" if exc.description else exc.error
            raise OIDCError(401, "The OpenID provider did not accept the sign-in ({detail})",
                            "token", detail=detail) from exc
        except requests.RequestException as exc:
            raise OIDCError(502, "The OpenID provider's token endpoint could not be reached: "
                                 "{problem}", "token", problem=_short(exc)) from exc
        if not token.get("id_token"):
            raise OIDCError(401, "The OpenID provider answered without an id_token "
                                 "(is 'openid' among APP_OIDC_SCOPES?)", "id_token")
        issuer = app.load_server_metadata()["issuer"]
        options = {"iss": {"essential": True, "values": [issuer]},
                   "aud": {"essential": True, "values": [self.client_id]},
                   "sub": {"essential": True}}
        try:
            claims = dict(app.parse_id_token(token, nonce=nonce, claims_options=options))
        except (JoseError, ValueError) as exc:
            raise OIDCError(401, "The id_token from the OpenID provider was refused: {problem}",
                            "id_token", problem=_short(exc)) from exc
        except requests.RequestException as exc:
            raise OIDCError(502, "The OpenID provider's keys could not be fetched: {problem}",
                            "jwks", problem=_short(exc)) from exc
        if app.load_server_metadata().get("userinfo_endpoint"):
            claims = {**self._userinfo(app, token, claims["sub"]), **claims}
        return claims

    def _userinfo(self, app: Any, token: dict[str, Any], subject: str) -> dict[str, Any]:
        import requests

        try:
            info = dict(app.userinfo(token=token))
        except (requests.RequestException, ValueError) as exc:
            raise OIDCError(502, "The OpenID provider's userinfo endpoint failed: {problem}",
                            "userinfo", problem=_short(exc)) from exc
        if info.get("sub") != subject:
            raise OIDCError(401, "The OpenID provider's userinfo answer is about another "
                                 "subject than the id_token", "userinfo")
        return info


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."
