"""The oidc plugin of TaskFlow (registered under the ``lcore_taskflow.plugins`` entry point)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lcore_taskflow.core import N_, ApiError, UIModule, events, hookimpl

from . import __version__
from ._client import OIDCClient, OIDCError
from ._config import OIDCConfig, configured
from ._routes import build_oidc_app, error_page, own_path, wants_html

log = logging.getLogger("lcore_taskflow.oidc")
MIGRATIONS = Path(__file__).parent / "migrations"
STATIC = Path(__file__).parent / "static"
NOT_CONFIGURED = N_("Single sign-on is not configured: set APP_OIDC_ISSUER, "
                    "APP_OIDC_CLIENT_ID and APP_OIDC_CLIENT_SECRET")


class OIDCPlugin:
    """Single sign-on through an OpenID provider: ``/auth/oidc/login`` and ``/callback``.

    One instance belongs to one kernel; it keeps the provider's client
    (discovery document and keys, fetched on first use).
    """

    name = "oidc"
    version = __version__
    core_api = "1.1"

    def __init__(self) -> None:
        self._client: OIDCClient | None = None
        self._client_key: tuple[Any, ...] = ()
        self._lock = threading.Lock()

    # ------------------------------------------------------------ helpers
    @staticmethod
    def settings(kernel) -> OIDCConfig:
        return OIDCConfig.from_config(kernel.config)

    @staticmethod
    def configured(kernel) -> bool:
        return configured(kernel.config)

    @staticmethod
    def display_name(settings: OIDCConfig) -> str:
        if settings.oidc_provider_name.strip():
            return settings.oidc_provider_name.strip()
        return urlsplit(settings.oidc_issuer).hostname or "single sign-on"

    def client(self, kernel) -> OIDCClient:
        """The provider's client for the current settings; 503 when not configured."""
        if not self.configured(kernel):
            raise ApiError(503, NOT_CONFIGURED)
        settings = self.settings(kernel)
        key = (settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret,
               tuple(settings.oidc_scopes), settings.oidc_timeout)
        with self._lock:
            if self._client is None or self._client_key != key:
                self._client, self._client_key = OIDCClient(settings), key
            return self._client

    # ---------------------------------------------------------- assembly
    @hookimpl
    def taskflow_config_schema(self):
        return OIDCConfig

    @hookimpl
    def taskflow_migrations(self):
        return ("oidc", MIGRATIONS)

    @hookimpl
    def taskflow_translations(self):
        return ("oidc", MIGRATIONS.parent / "locale")

    @hookimpl
    def taskflow_mounts(self, kernel):
        return [("/auth/oidc/", build_oidc_app(kernel, self))]

    @hookimpl
    def taskflow_ui_modules(self, kernel):
        """The "Sign in with <provider>" button of the frontend's login screen."""
        return [UIModule("oidc", STATIC, scripts=("oidc.js",))]

    @hookimpl
    def taskflow_startup(self, kernel):
        if not self.configured(kernel):
            log.warning("oidc: installed but idle: %s", NOT_CONFIGURED)
            return
        settings = self.settings(kernel)
        log.info("oidc: single sign-on through %s (client %s)%s", settings.oidc_issuer,
                 settings.oidc_client_id,
                 "" if kernel.implemented("taskflow_sign_in") else
                 "; no plugin starts sessions (install lcore-taskflow-auth): sign-ins will "
                 "answer 503")

    # ---------------------------------------------------------- requests
    @hookimpl
    def taskflow_event(self, event, kernel):
        if isinstance(event, events.UserDeleted):
            kernel.db.execute("DELETE FROM oidc_links WHERE user_id = ?", (event.user["id"],))

    @hookimpl
    def taskflow_render_error(self, status, message, request, kernel):
        """A page instead of JSON for a browser whose sign-in failed (our routes only)."""
        if not own_path(kernel, request.path) or not wants_html(request):
            return None
        return error_page(kernel, status, message)

    # ------------------------------------------------------- maintenance
    @hookimpl
    def taskflow_cli_commands(self, subparsers):
        oidc = subparsers.add_parser("oidc", help="single sign-on (OpenID Connect)")
        sub = oidc.add_subparsers(dest="oidc_command", required=True)
        check = sub.add_parser("check", help="read the provider's discovery document and keys "
                                             "and say what to register there")
        check.set_defaults(handler=self.cmd_check, needs_database=False)

    def cmd_check(self, kernel, args) -> int:
        if not self.configured(kernel):
            print(f"oidc: {NOT_CONFIGURED}")
            return 1
        settings = self.settings(kernel)
        client = self.client(kernel)
        try:
            metadata = client.metadata()
            keys = client.keys()
        except OIDCError as exc:
            print(f"oidc: {exc.message}")
            return 1
        callback = settings.oidc_redirect_url or \
            "<TaskFlow's public URL>/auth/oidc/callback (or set APP_OIDC_REDIRECT_URL)"
        print(f"issuer:        {metadata['issuer']}")
        print(f"authorization: {metadata.get('authorization_endpoint')}")
        print(f"token:         {metadata.get('token_endpoint')}")
        print(f"userinfo:      {metadata.get('userinfo_endpoint') or '(none)'}")
        print(f"signing keys:  {len(keys)} ({', '.join(str(k.get('kid')) for k in keys)})")
        print(f"client id:     {settings.oidc_client_id}")
        print(f"scopes:        {' '.join(settings.oidc_scopes)}")
        print(f"register this redirect URI at the provider: {callback}")
        return 0

