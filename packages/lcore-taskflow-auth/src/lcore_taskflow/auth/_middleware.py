"""``TokenAuthMiddleware`` (order 6) and ``AdminGuardHook`` (order 7) of the seed.

Both *return* an :class:`~lcore_taskflow.core._errors.ApiError` to refuse a
request: the kernel renders it as the usual JSON error, and the outer
middleware (request id, CORS, security headers, timing) still see the answer.
"""

from __future__ import annotations

from collections.abc import Iterable

from lcore import Middleware, MiddlewareHook
from lcore_taskflow.core._errors import ApiError

from ._identity import user_from_token
from ._tokens import bearer_token

PUBLIC_PATHS = ("/auth/", "/health", "/docs", "/", "/static/", "/debug/", "/old-api",
                "/frontend")
PROTECTED_PREFIXES = ("/api/", "/admin/")


def path_matcher(entries: Iterable[str]):
    """A predicate with the seed's semantics, precomputed (it runs on every request):
    an entry matches exactly, or as a prefix when it ends in ``/``."""
    entries = tuple(entries)
    exact = frozenset(entries) | {e.rstrip("/") for e in entries}
    prefixes = tuple(e for e in entries if len(e) > 1 and e.endswith("/"))

    def matches(path: str) -> bool:
        return path in exact or path.startswith(prefixes)

    return matches


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
        self._public, self._protected = path_matcher(self.skip_paths), path_matcher(protected)

    def __call__(self, ctx, next_handler):
        path = ctx.request.path
        if self._public(path) or not self._protected(path):
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
        self._guarded = path_matcher(self.prefixes)

    def pre(self, ctx):
        if not self._guarded(ctx.request.path):
            return None
        user = ctx.user
        if not user:
            return ApiError(401, "Authentication required")
        if not self.kernel.allowed(user, "admin:access"):
            return ApiError(403, "Admin access required")
        return None
