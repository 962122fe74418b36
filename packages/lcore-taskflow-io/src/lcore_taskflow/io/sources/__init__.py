"""Reading import files into a :class:`Plan`: Trello board JSON, CSV, TaskFlow project JSON.

Parsing writes nothing: a file that cannot be read raises :class:`Malformed` (the job fails,
nothing is stored); a row that cannot be used is left out of the plan with a note saying
why.  Content is only ever data: titles, descriptions and comments are kept as text, never
rendered, evaluated or followed (no links fetched, no formulas computed).
"""

from __future__ import annotations

from typing import Any

from .csvfile import csv_plan
from .plan import (
    CSV_FIELDS,
    PRIORITIES,
    STATUSES,
    TEXT_MAX,
    Malformed,
    Plan,
    TaskPlan,
    check_mapping,
    text_of,
)
from .taskflow import taskflow
from .trello import trello

READERS = {"trello": trello, "csv": csv_plan, "taskflow": taskflow}


def read(source: str, content: bytes, options: dict[str, Any]) -> Plan:
    """The plan of an import file of ``source``; :class:`Malformed` when it cannot be read."""
    return READERS[source](content, options)


__all__ = ["CSV_FIELDS", "PRIORITIES", "READERS", "STATUSES", "TEXT_MAX", "Malformed", "Plan",
           "TaskPlan", "check_mapping", "read", "text_of"]
