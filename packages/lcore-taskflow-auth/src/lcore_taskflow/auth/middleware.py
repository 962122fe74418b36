"""``TokenAuthMiddleware`` (order 6) and ``AdminGuardHook`` (order 7) of the seed.

Both *return* an :class:`~lcore_taskflow.core.errors.ApiError` to refuse a
request: the kernel renders it as the usual JSON error, and the outer
middleware (request id, CORS, security headers, timing) still see the answer.
"""

from __future__ import annotations

from collections.abc import Iterable

from lcore import Middleware, MiddlewareHook
from lcore_taskflow.core.errors import ApiError

from .identity import user_from_token
from .tokens import bearer_token

PUBLIC_PATHS = ("/auth/", "/health", "/docs", "/", "/static/", "/debug/", "/old-api",
                "/frontend")
PROTECTED_PREFIXES = ("/api/", "/admin/")


def _matches(path: str, prefixes: Iterable[str]) -> bool:
    """Seed semantics: an entry matches exactly, or as a prefix when it ends in ``/``."""
    for entry in prefixes:
        if path == entry or path == entry.rstrip("/"):
            return True
        if len(entry) > 1 and entry.endswith("/") and path.startswith(entry):
            return True
    return False


class TokenAuthMiddleware(Middleware):
    """Requires ``Authorization: Bearer <token>`` on ``/api/*`` and ``/admin/*``.

    The token must be correctly signed (current or a previous secret),
    unexpired, and name a user who is still active: the database is asked on
    every request.  ``ctx.user`` becomes that user (with the role stored in
    the database, not the one in the token).  Paths in ``skip_paths`` and
    paths outside ``protected`` pass untouched; there the route's own rules
    (``kernel.current_user()``, the ``auth=`` route option) decide.
    """

    name = "token_auth"
    order = 6

    def __init__(self, kernel, skip_paths: Iterable[str] = PUBLIC_PATHS,
                 protected: Iterable[str] = PROTECTED_PREFIXES):
        self.kernel = kernel
        self.skip_paths = tuple(skip_paths)
        self.protected = tuple(protected)

    def __call__(self, ctx, next_handler):
        path = ctx.request.path
        if _matches(path, self.skip_paths) or not _matches(path, self.protected):
            return next_handler(ctx)
        token = bearer_token(ctx.request.get_header("Authorization"))
        if token is None:
            return ApiError(401, "Missing or invalid Authorization header "
                                 "(expected: Authorization: Bearer <token>)",
                            headers={"WWW-Authenticate": "Bearer"})
        user = user_from_token(self.kernel, token)
        if user is None:
            return ApiError(401, "Invalid or expired token, or the user is no longer active",
                            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        ctx.user = user
        return next_handler(ctx)


class AdminGuardHook(MiddlewareHook):
    """Restricts ``/admin/*`` to users allowed ``admin:access`` (401 anonymous, 403 others)."""

    name = "admin_guard"
    order = 7

    def __init__(self, kernel, prefixes: Iterable[str] = ("/admin/",)):
        self.kernel = kernel
        self.prefixes = tuple(prefixes)

    def pre(self, ctx):
        if not _matches(ctx.request.path, self.prefixes):
            return None
        user = ctx.user
        if not user:
            return ApiError(401, "Authentication required")
        if not self.kernel.allowed(user, "admin:access"):
            return ApiError(403, "Admin access required")
        return None
