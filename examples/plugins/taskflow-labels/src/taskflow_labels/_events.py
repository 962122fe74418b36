"""The plugin's own domain event (declared through ``taskflow_event_types``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from lcore_taskflow.core import Event


@dataclass(frozen=True, kw_only=True)
class TaskLabelsChanged(Event):
    """Labels were put on (``added``) or taken off (``removed``) ``task``: label ids."""

    type: ClassVar[str] = "labels.changed"
    task: dict[str, Any]
    added: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)

    @property
    def project_id(self) -> int:  # a task row always has both
        return self.task["project_id"]

    @property
    def task_id(self) -> int:
        return self.task["id"]

    def summary(self) -> str:
        """The line core's activity feed shows for this event."""
        return f"{self.actor_name} changed the labels of '{self.task.get('title', '')}'"
