"""The kernel's API for serving: what a handler, listener or hook calls on ``kernel``.

Each method hands the question to the part of the kernel that holds the
answer (``_registry``, ``_connections``, ``_guard``, ``_dispatch``,
``_routing``); ``TaskFlow`` (``_kernel.py``) adds installing and assembling.
The names and behaviour are the documented public API (``docs/api.md``).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Literal, cast, overload

from lcore import Route

from . import _audit
from ._access import Rule
from ._db import Database
from ._guard import CURRENT
from ._roles import Access, project_viewers, project_viewers_where
from .events import Event

if TYPE_CHECKING:
    from ._kernel import TaskFlow


class ServingAPI:
    """The request-time half of the kernel (``TaskFlow`` is the whole)."""

    registry: Any
    connections: Any
    guard: Any
    dispatch: Any
    routing: Any
    app: Any
    prefix: str

    # ------------------------------------------------------------ hooks
    def plugin(self, name: str) -> Any:
        """The registered plugin object named ``name``, or ``None``."""
        return self.registry.pm.get_plugin(name)

    def call(self, hook_name: str, **kwargs: Any) -> Any:
        """``self.hook.<hook_name>(**kwargs)``, without pluggy's dispatch on the request path.

        Same order and results as pluggy: for a ``firstresult`` hook the first
        answer that is not ``None``, else the list of those answers.  A hook
        with a wrapper implementation, and every hook under ``APP_TRACE_HOOKS``,
        goes through pluggy itself.
        """
        return self.registry.call(hook_name, **kwargs)

    def implemented(self, hook_name: str, besides_core: bool = False) -> bool:
        """Whether any plugin (other than core) implements ``hook_name`` (cached)."""
        return self.registry.implemented(hook_name, besides_core)

    # ----------------------------------------------------------- routes
    def owns(self, route: Route) -> bool:
        """Whether ``route`` is one of this kernel's (mounted by its plugins)."""
        return route in self.routing.routes

    def route_rule(self, route: Route | None) -> Rule | None:
        """The protection a route declares (``auth=``, ``auth_via=``), or ``None`` if public."""
        return self.routing.rule(route)

    def url(self, path: str) -> str:
        """``path`` (``"/api/projects/"``) under the kernel's prefix, as a client sees it."""
        mounted = (self.app.config.get("_mount.prefix") or "/").rstrip("/") if self.app else ""
        return f"{mounted}{self.prefix}{path}"

    # --------------------------------------------------------- database
    @property
    def db(self) -> Database:
        """The database handle of the current TaskFlow request (or event dispatch).

        One connection per request, given back when the answer is ready;
        everything a handler and the listeners of its events write goes
        through it.  Outside a request use ``with kernel.database() as db``.
        """
        db = self.connections.local.__dict__.get("db")  # the hot path: one lookup
        return db if db is not None else self.connections.db

    def database(self) -> AbstractContextManager[Database]:
        """The request's handle inside a request, else a pooled connection.

        Reusing the request's connection matters: writes of one request and
        its event listeners share its transaction, and a second connection
        would find its page cache invalidated by what the first just wrote.
        """
        return self.connections.database()

    def demo_accounts(self) -> list[dict[str, str]]:
        """The demo users that still exist, active, with their seeded password."""
        from ._seed import demo_accounts

        with self.database() as db:
            return demo_accounts(db)

    # ----------------------------------------------------------- access
    @overload
    def current_user(self, required: Literal[True] = True) -> dict[str, Any]: ...
    @overload
    def current_user(self, required: bool) -> dict[str, Any] | None: ...

    def current_user(self, required: bool = True) -> dict[str, Any] | None:
        """The user of the current request, identified once through ``taskflow_identify``.

        With ``required`` an anonymous request ends with 401.
        """
        return self.guard.current_user(required)

    def sign_in(self, user: dict[str, Any], via: str) -> dict[str, Any]:
        """Start a session for ``user``, verified by the calling plugin (``taskflow_sign_in``).

        Returns the identity plugin's answer (``{"token", "expires_in",
        "user"}``, its cookie set on the response); 503 naming the missing
        package when no plugin starts sessions.
        """
        return self.guard.sign_in(user, via)

    def access(self, user: dict[str, Any] | object | None = CURRENT) -> Access:
        """Who sees what (see ``docs/access.md``): the current caller's, cached per request.

        Pass a ``user`` dict for someone else's (a listener deciding whether
        to tell a user about a project); that one is not cached.
        """
        return self.guard.access(user)

    def project_viewers(self, project_id: int, user_ids: Iterable[int]) -> set[int]:
        """The ids among ``user_ids`` of the active users who can see ``project_id``.

        The bulk form of ``kernel.access(user).role(project_id) is not None``
        for a listener that tells many people about one project (see
        ``docs/access.md``); plugins' ``Grant``/``Deny`` rules count.
        """
        return project_viewers(cast("TaskFlow", self), project_id, list(user_ids))

    def project_viewers_where(self, project_id: int,
                              users: str = "u") -> tuple[str, list] | None:
        """``(sql, params)``: a condition on the ``users`` alias keeping the active users who
        can see ``project_id``, for an ``INSERT ... SELECT`` fan-out; ``None`` when a
        plugin's per-user ``Grant``/``Deny`` rules apply (use :meth:`project_viewers`)."""
        return project_viewers_where(cast("TaskFlow", self), project_id, users)

    def allowed(self, user: dict[str, Any] | None, action: str, resource: Any = None) -> bool:
        """Whether ``user`` may ``action``: every plugin's answer, combined (see ``decide``)."""
        return self.guard.allowed(user, action, resource)

    def require(self, action: str, resource: Any = None) -> dict[str, Any]:
        """The current user, if allowed to perform ``action``; else 401/403."""
        return self.guard.require(action, resource)

    def audit(self, action: str, *, target: str | None = None,
              details: dict[str, Any] | None = None, actor: Any = _audit.CURRENT) -> None:
        """Write an audit-log entry (``area.verb``) in the current transaction (SPEC §10).

        ``actor`` defaults to the request's user: pass it (or ``None`` for
        the system) outside a request.  ``target`` names what was acted on
        (``"user:alice"``); ``details`` is a JSON-able dict.
        """
        _audit.record(cast("TaskFlow", self), action, target=target, details=details,
                      actor=actor)

    # ----------------------------------------------------------- events
    def represent(self, kind: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Let plugins add their fields to ``rows`` (``taskflow_represent``), one call each.

        Isolated like event listeners: a plugin whose implementation raises
        is logged with its name and loses the keys it added to the rows;
        the other plugins' fields and the response stay.
        """
        return self.dispatch.represent(kind, rows)

    def emit(self, event: Event) -> Event:
        """Record ``event`` in the activity feed and tell every ``taskflow_event`` listener.

        Inside a request this joins the request's transaction (emit right
        after the write, before the ``with db.transaction()`` block ends);
        outside one it opens its own.  The activity row is part of the
        change.  Each listener runs in a savepoint: one that fails is logged
        and its own writes are undone; the change and the other listeners'
        stay.  A listener's ``ApiError`` refuses the change: it propagates,
        and leaving the transaction block with it rolls everything back.
        """
        self.dispatch.emit(event)
        return event

    def event_types(self) -> dict[str, type[Event]]:
        """Every declared event class by its ``type`` (core's and the plugins')."""
        return dict(self.dispatch.types)
