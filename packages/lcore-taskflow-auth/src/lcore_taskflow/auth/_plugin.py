"""The auth plugin of TaskFlow (registered under the ``lcore_taskflow.plugins`` entry point)."""

from __future__ import annotations

from typing import Any

from lcore_taskflow.core import hookimpl

from . import __version__
from . import _identity as identity
from . import _policy as policy
from ._config import AuthConfig
from ._middleware import AdminGuardHook, TokenAuthMiddleware
from ._routeplugin import AuthRulesPlugin
from ._routes import build_auth_app


class AuthPlugin:
    """Signed tokens, session cookie, HTTP Basic, ``/auth/`` routes and the RBAC policy.

    Implements ``taskflow_config_schema``, ``taskflow_mounts``,
    ``taskflow_middleware``, ``taskflow_route_plugins``, ``taskflow_identify``
    and ``taskflow_authorize``.
    """

    name = "auth"
    version = __version__

    @hookimpl
    def taskflow_config_schema(self):
        return AuthConfig

    @hookimpl
    def taskflow_mounts(self, kernel):
        return [("/auth/", build_auth_app(kernel))]

    @hookimpl
    def taskflow_middleware(self, kernel):
        return [TokenAuthMiddleware(kernel), AdminGuardHook(kernel)]

    @hookimpl
    def taskflow_route_plugins(self, kernel):
        return [AuthRulesPlugin(kernel)]

    @hookimpl
    def taskflow_identify(self, request, kernel) -> dict[str, Any] | None:
        return identity.identify(request, kernel)

    @hookimpl
    def taskflow_authorize(self, user, action, resource, kernel) -> bool:
        return policy.decide(user, action, resource)
