"""Per-route rules from the route option ``auth`` (for TaskFlow and foreign apps).

``@app.get('/reports', auth='admin')``: admins only (401 anonymous, 403 others);
``auth=True``: any signed-in user (401 otherwise); ``auth='<action>'`` (e.g.
``'reports:view'``): users allowed that action by ``taskflow_authorize``;
``auth=False`` or no option: public.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from lcore import HTTPResponse

SIGNED_IN = {True, "user", "authenticated", "signed-in"}


def rule_check(rule: Any) -> Callable[[Any], Any] | None:
    """The check a route option ``auth=rule`` asks for, or ``None`` for a public route."""
    if rule is None or rule is False or rule == "":
        return None
    if rule in SIGNED_IN:
        return lambda kernel: kernel.current_user()
    if rule == "admin":
        return lambda kernel: kernel.require("admin:access")
    if isinstance(rule, str):
        return lambda kernel: kernel.require(rule)
    raise TypeError(f"route option auth={rule!r}: expected True, False, 'admin' or an "
                    "action name such as 'reports:view'")


class AuthRulesPlugin:
    """Lcore route plugin enforcing the ``auth`` route option before the handler runs.

    A refusal is *returned* (not raised) so the middleware chain sees a
    normal answer and the kernel renders it as JSON (or the ui's page).
    """

    name = "taskflow_auth_rules"
    api = 2

    def __init__(self, kernel):
        self.kernel = kernel

    def setup(self, app) -> None:
        """Nothing to prepare: the rules are read per route in :meth:`apply`."""

    def apply(self, callback, route):
        check = rule_check(route.config.get("auth"))
        if check is None:
            return callback
        kernel = self.kernel

        @functools.wraps(callback)
        def guarded(*args, **kwargs):
            try:
                check(kernel)
            except HTTPResponse as refusal:
                return refusal
            return callback(*args, **kwargs)

        return guarded
