"""The auth plugin of TaskFlow (registered under the ``lcore_taskflow.plugins`` entry point)."""

from __future__ import annotations

from typing import Any

from lcore_taskflow.core import hookimpl, role_policy

from . import __version__
from ._config import AuthConfig
from ._identity import identify
from ._middleware import AdminGuardHook, TokenAuthMiddleware
from ._routes import build_auth_app


class AuthPlugin:
    """Signed tokens, session cookie, HTTP Basic, ``/auth/`` routes and the RBAC policy."""

    name = "auth"
    version = __version__
    core_api = "1.0"

    def __init__(self) -> None:
        self._basic = None

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
        return identify(request, credentials, kernel, self._basic)

    @hookimpl
    def taskflow_authorize(self, user, action, resource, kernel) -> bool:
        """The seed's role table (``lcore_taskflow.core.role_policy``)."""
        return role_policy(user, action, resource)
