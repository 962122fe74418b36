"""Domain events: what happened, fired through ``taskflow_event`` after commit."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

USER_REGISTERED = "user.registered"
USER_CREATED = "user.created"
TASK_CREATED = "task.created"
TASK_UPDATED = "task.updated"
TASK_ASSIGNED = "task.assigned"
COMMENT_ADDED = "comment.added"


@dataclass
class Event:
    """One domain event.

    ``data`` holds the affected row (``task``, ``user``, ``comment``) and, for
    ``task.updated``, ``changes``: ``{field: [old, new]}``.
    """

    type: str
    actor: dict[str, Any] | None = None
    data: dict[str, Any] = field(default_factory=dict)
    project_id: int | None = None
    task_id: int | None = None
    created_at: float = field(default_factory=time.time)

    @property
    def actor_name(self) -> str:
        return (self.actor or {}).get("username") or "system"
