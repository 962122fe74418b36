"""``TokenAuthMiddleware`` (order 6) and ``AdminGuardHook`` (order 7) of the seed.

They run on TaskFlow's routes (not the host's).  Core enforces every route's
``auth=`` rule itself; the token middleware identifies the user early, so
the request log and the audit log name them, and the admin guard keeps the
seed's blanket rule that ``/admin/*`` is for admins.  A refusal is
*returned*, so the outer middleware (request id, CORS, security headers)
still see the answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lcore import HTTPResponse, Middleware

if TYPE_CHECKING:
    from lcore_taskflow.core import TaskFlow


class TokenAuthMiddleware(Middleware):
    """Identifies the user of a protected route with the credentials it accepts."""

    name = "token_auth"
    order = 6

    def __init__(self, kernel: TaskFlow):
        self.kernel = kernel

    def __call__(self, ctx, next_handler):
        rule = self.kernel.route_rule(ctx.route)
        if rule is not None:
            ctx.request.environ["taskflow.credentials"] = rule.credentials
            self.kernel.current_user(required=False)
        return next_handler(ctx)


class AdminGuardHook(Middleware):
    """Restricts ``<prefix>/admin/*`` to users allowed ``admin:access`` (401, else 403)."""

    name = "admin_guard"
    order = 7

    def __init__(self, kernel: TaskFlow):
        self.kernel = kernel
        self.prefix = kernel.prefix + "/admin/"

    def __call__(self, ctx, next_handler):
        if ctx.request.path.startswith(self.prefix):
            try:
                self.kernel.require("admin:access")
            except HTTPResponse as refusal:
                return refusal
        return next_handler(ctx)
