"""The auth plugin of TaskFlow (registered under the ``lcore_taskflow.plugins`` entry point)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lcore_taskflow.core import events, hookimpl, role_policy

from . import __version__
from . import _guard as guard
from . import _sessions as sessions
from ._config import AuthConfig
from ._identity import identify
from ._middleware import AdminGuardHook, TokenAuthMiddleware
from ._routes import build_auth_app
from ._signin import start_session

if TYPE_CHECKING:
    from lcore_taskflow.core import TaskFlow


class AuthPlugin:
    """Signed tokens, session cookie, HTTP Basic, ``/auth/`` routes and the RBAC policy."""

    name = "auth"
    version = __version__
    core_api = "1.1"

    def __init__(self) -> None:
        # the HTTP Basic check of the mounted auth app (set by taskflow_mounts)
        self._basic: Callable[[str, str], dict[str, Any] | None] | None = None
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
    def taskflow_mounts(self, kernel: TaskFlow):
        app, self._basic = build_auth_app(kernel)
        return [("/auth/", app)]

    @hookimpl
    def taskflow_middleware(self, kernel: TaskFlow):
        return [TokenAuthMiddleware(kernel), AdminGuardHook(kernel)]

    @hookimpl
    def taskflow_identify(self, request, credentials, kernel: TaskFlow) -> dict[str, Any] | None:
        return identify(request, credentials, kernel, self._basic, self._throttle)

    @hookimpl
    def taskflow_sign_in(self, user, via, kernel: TaskFlow) -> dict[str, Any]:
        """Sessions for users another plugin verified (single sign-on)."""
        return start_session(kernel, user, via)

    @hookimpl
    def taskflow_event(self, event, kernel: TaskFlow):
        if isinstance(event, events.UserDeleted):  # a deleted account keeps nothing here
            with kernel.database() as db:
                sessions.forget_user(db, event.user["id"])
                guard.forget(db, event.user)

    @hookimpl
    def taskflow_personal_data(self, user, kernel: TaskFlow) -> dict[str, Any]:
        """The caller's sign-ins and personal access tokens, without their secrets."""
        return {"sessions": sessions.live(kernel, user["id"]),
                "access_tokens": sessions.access_tokens(kernel, user["id"])}

    @hookimpl
    def taskflow_authorize(self, user, action, resource, kernel: TaskFlow) -> bool | None:
        """The seed's role table (``lcore_taskflow.core.role_policy``)."""
        return role_policy(user, action, resource)
