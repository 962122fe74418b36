"""The auth plugin of TaskFlow (registered under the ``lcore_taskflow.plugins`` entry point)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lcore_taskflow.core import events, hookimpl, role_policy

from . import __version__
from . import _sessions as sessions
from ._config import AuthConfig
from ._identity import identify
from ._middleware import AdminGuardHook, TokenAuthMiddleware
from ._routes import build_auth_app, start_session


class AuthPlugin:
    """Signed tokens, session cookie, HTTP Basic, ``/auth/`` routes and the RBAC policy."""

    name = "auth"
    version = __version__
    core_api = "1.1"

    def __init__(self) -> None:
        self._basic = None
        self._throttle = sessions.Throttle()

    @hookimpl
    def taskflow_migrations(self):
        return ("auth", Path(__file__).parent / "migrations")

    @hookimpl
    def taskflow_translations(self):
        return ("auth", Path(__file__).parent / "locale")

    @hookimpl
    def taskflow_config_schema(self):
        return AuthConfig

    @hookimpl
    def taskflow_mounts(self, kernel):
        app, self._basic = build_auth_app(kernel)
        return [("/auth/", app)]

    @hookimpl
    def taskflow_middleware(self, kernel):
        return [TokenAuthMiddleware(kernel), AdminGuardHook(kernel)]

    @hookimpl
    def taskflow_identify(self, request, credentials, kernel) -> dict[str, Any] | None:
        return identify(request, credentials, kernel, self._basic, self._throttle)

    @hookimpl
    def taskflow_sign_in(self, user, via, kernel) -> dict[str, Any]:
        """Sessions for users another plugin verified (single sign-on)."""
        return start_session(kernel, user, via)

    @hookimpl
    def taskflow_event(self, event, kernel):
        if isinstance(event, events.UserDeleted):  # a deleted account keeps nothing here
            with kernel.database() as db:
                sessions.forget_user(db, event.user["id"])

    @hookimpl
    def taskflow_personal_data(self, user, kernel) -> dict[str, Any]:
        """The caller's sign-ins and personal access tokens, without their secrets."""
        return {"sessions": sessions.live(kernel, user["id"]),
                "access_tokens": sessions.access_tokens(kernel, user["id"])}

    @hookimpl
    def taskflow_authorize(self, user, action, resource, kernel) -> bool:
        """The seed's role table (``lcore_taskflow.core.role_policy``)."""
        return role_policy(user, action, resource)
