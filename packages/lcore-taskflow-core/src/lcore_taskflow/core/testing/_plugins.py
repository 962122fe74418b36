"""Test-only plugins: an identity from a header, and an event recorder."""

from __future__ import annotations

from typing import Any

from .._access import role_policy
from .._plugins import CORE_API, hookimpl
from ..events import Event


class HeaderIdentity:
    """Test-only identity and permission plugin: the user named by ``X-Test-User``.

    ``taskflow_authorize`` answers with :func:`lcore_taskflow.core.role_policy`,
    the real RBAC table, so tests check the policy that production runs.
    Never register it in a real application.
    """

    name = "test-identity"
    version = "0"
    core_api = CORE_API

    @hookimpl
    def taskflow_identify(self, request, kernel):
        username = request.get_header("X-Test-User")
        if not username:
            return None
        with kernel.database() as db:
            return db.fetchone("SELECT id, username, email, role, language FROM users"
                               " WHERE username = ? AND is_active = 1", (username,))

    @hookimpl
    def taskflow_authorize(self, user, action, resource, kernel):
        return role_policy(user, action, resource)


class EventRecorder:
    """A plugin that remembers every domain event, in order."""

    name = "event-recorder"
    version = "0"
    core_api = CORE_API

    def __init__(self) -> None:
        self.events: list[Event] = []

    @hookimpl
    def taskflow_event(self, event, kernel):
        self.events.append(event)

    def of(self, kind: str | type[Event]) -> list[Any]:
        """The events of one type: a type string (``"task.created"``) or a class."""
        if isinstance(kind, str):
            return [e for e in self.events if e.type == kind]
        return [e for e in self.events if isinstance(e, kind)]

    def types(self) -> list[str]:
        return [e.type for e in self.events]

    def clear(self) -> None:
        self.events.clear()
