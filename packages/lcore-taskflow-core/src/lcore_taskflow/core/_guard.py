"""Who the caller is and what they may do: identity once per request, permissions
combined from every plugin's answer (``docs/access.md``)."""

from __future__ import annotations

from typing import Any

from lcore import ctx, request

from ._access import DEFAULT_CREDENTIALS, decide, missing_identity, unauthenticated
from ._errors import ApiError
from ._roles import Access
from ._shares import share_identity

PERMISSION_MESSAGES = {
    "users:update": "Admin access required or can only update own profile",
}
#: ``access()`` without an argument: the current caller's
CURRENT = object()


class Guard:
    """The identity and permission questions of one kernel (see ``TaskFlow``)."""

    def __init__(self, kernel: Any):
        self.kernel = kernel

    def current_user(self, required: bool = True) -> dict[str, Any] | None:
        """The request's user, identified once (see ``TaskFlow.current_user``)."""
        kernel, env = self.kernel, request.environ
        try:
            user = env["taskflow.user"]
        except KeyError:
            user = share_identity(kernel, env)
            if user is None and kernel.implemented("taskflow_identify"):
                user = kernel.call(
                    "taskflow_identify", request=request, kernel=kernel,
                    credentials=env.get("taskflow.credentials", DEFAULT_CREDENTIALS))
            user = user or None  # False: a dead share link, identified as nobody
            env["taskflow.user"] = user
            if user is not None:
                ctx.user = user
        if user is None and required:
            if not (kernel.implemented("taskflow_identify") or "taskflow.auth_problem" in env):
                raise missing_identity(kernel)
            raise unauthenticated(env, env.get("taskflow.credentials", DEFAULT_CREDENTIALS))
        return user

    def sign_in(self, user: dict[str, Any], via: str) -> dict[str, Any]:
        kernel = self.kernel
        started = kernel.call("taskflow_sign_in", user=user, via=via, kernel=kernel)
        if started is None:
            raise ApiError(503, "Cannot sign in: no identity plugin starts sessions "
                                "(install lcore-taskflow-auth)")
        return started

    def access(self, user: dict[str, Any] | object | None = CURRENT) -> Access:
        if user is not CURRENT:
            return Access(self.kernel, user)
        env = request.environ
        access = env.get("taskflow.access")
        if access is None:
            access = env["taskflow.access"] = Access(
                self.kernel, self.kernel.current_user(required=False))
        return access

    def allowed(self, user: dict[str, Any] | None, action: str, resource: Any = None) -> bool:
        kernel = self.kernel
        return decide(kernel.call("taskflow_authorize", user=user, action=action,
                                  resource=resource, kernel=kernel))

    def require(self, action: str, resource: Any = None) -> dict[str, Any]:
        kernel = self.kernel
        user = kernel.current_user()
        if not kernel.implemented("taskflow_authorize", besides_core=True):
            raise ApiError(403, f"Permission denied: no permission plugin is installed "
                                f"to allow {action!r}")
        if not kernel.allowed(user, action, resource):
            raise ApiError(403, PERMISSION_MESSAGES.get(action, "Admin access required"))
        return user
