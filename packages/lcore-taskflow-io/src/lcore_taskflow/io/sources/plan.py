"""What every import reader shares: the :class:`Plan` it fills, its limits and the
helpers that turn a cell or a field into clean text, a status, a date or a person."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

STATUSES = ("todo", "in_progress", "done")
PRIORITIES = ("low", "medium", "high")
TITLE_MAX, TEXT_MAX = 200, 5000  # core's task title and description / comment body limits
ITEM_MAX = 500  # a checklist item's title
CSV_FIELDS = ("title", "description", "status", "priority", "due_date", "assignee")
#: Header names (lower case) that map to a field when no mapping is given.
CSV_ALIASES = {
    "title": ("title", "name", "task", "summary", "card name"),
    "description": ("description", "notes", "details", "desc", "card description"),
    "status": ("status", "state", "list", "column", "list name"),
    "priority": ("priority",),
    "due_date": ("due_date", "due", "due date", "deadline"),
    "assignee": ("assignee", "assigned to", "owner", "email", "members"),
}
STATUS_WORDS = {
    "todo": ("todo", "to do", "to-do", "open", "backlog", "new", "later", "ideas"),
    "in_progress": ("in_progress", "in progress", "doing", "started", "wip", "review",
                    "in review", "active"),
    "done": ("done", "closed", "complete", "completed", "finished", "resolved", "shipped"),
}
#: Trello's colour names as the hex colours of its board (labels need ``#rrggbb``).
TRELLO_COLORS = {
    "green": "#61bd4f", "yellow": "#f2d600", "orange": "#ff9f1a", "red": "#eb5a46",
    "purple": "#c377e0", "blue": "#0079bf", "sky": "#00c2e0", "lime": "#51e898",
    "pink": "#ff78cb", "black": "#344563",
}



class Malformed(Exception):
    """The file cannot be imported at all (the message says why, for the job's error)."""


@dataclass
class TaskPlan:
    """One task to create, with its people as hints (matched to accounts at write time)."""

    ref: str  # how the per-row report names it ("card 3 'Title'", "line 7")
    title: str
    description: str = ""
    status: str = "todo"
    priority: str | None = None
    due_date: str | None = None
    people: list[dict[str, str]] = field(default_factory=list)  # [{"email"?, "username"?}]
    labels: list[dict[str, Any]] = field(default_factory=list)  # [{"name", "color"}]
    checklist: list[dict[str, Any]] = field(default_factory=list)  # [{"title", "done"}]
    comments: list[dict[str, Any]] = field(default_factory=list)  # [{"body", "person"}]


@dataclass
class Plan:
    """What an import file holds: a project, its tasks, and the rows left out (and why)."""

    project: dict[str, str]
    tasks: list[TaskPlan] = field(default_factory=list)
    notes: list[dict[str, str]] = field(default_factory=list)  # [{"row", "message"}]

    def note(self, row: str, message: str) -> None:
        self.notes.append({"row": row, "message": message})


# ------------------------------------------------------------------ helpers
def text_of(value: Any) -> str:
    """A value as plain text (``None`` -> ``""``), control characters but tab/newline removed."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)


def clipped(plan: Plan, ref: str, what: str, value: str, limit: int) -> str:
    """``value`` cut to ``limit`` characters, noting the cut."""
    if len(value) <= limit:
        return value
    plan.note(ref, f"{what} cut to {limit} characters (it had {len(value)})")
    return value[:limit]


def status_of(word: str, mapping: dict[str, str] | None = None) -> str | None:
    """A TaskFlow status for a list or status name: the user's mapping first, then usual words."""
    key = word.strip().lower()
    if mapping:
        for name, status in mapping.items():
            if name.strip().lower() == key:
                return status
    for status, words in STATUS_WORDS.items():
        if key in words:
            return status
    return None


def date_of(value: Any) -> str | None:
    """``YYYY-MM-DD`` from an ISO date or date-time (Trello's ``due``); ``None`` if not one."""
    text = text_of(value).strip()
    if not text:
        return None
    match = re.match(r"^(\d{4}-\d{2}-\d{2})", text)
    candidates = [match.group(1)] if match else []
    for pattern in ("%d/%m/%Y", "%d.%m.%Y", "%m/%d/%Y"):
        try:
            candidates.append(dt.datetime.strptime(text, pattern).date().isoformat())
        except ValueError:
            continue
    for candidate in candidates:
        try:
            return dt.date.fromisoformat(candidate).isoformat()
        except ValueError:
            continue
    return None


def person_of(text: str) -> dict[str, str]:
    """A person hint from a cell: an email address or a username."""
    text = text.strip()
    return {"email": text} if "@" in text else {"username": text}


def check_mapping(mapping: Any, allowed: tuple[str, ...], what: str) -> dict[str, str]:
    """A ``{key: value}`` mapping of strings whose values are in ``allowed``; ValueError if not."""
    if mapping is None:
        return {}
    if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        raise ValueError(f"{what} must be an object of strings")
    bad = sorted(v for v in mapping.values() if v not in allowed)
    if bad:
        raise ValueError(f"{what}: {', '.join(map(repr, bad))} is not one of "
                         f"{', '.join(allowed)}")
    return mapping


def load_json(content: bytes, what: str) -> Any:
    try:
        return json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise Malformed(f"{what}: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise Malformed(f"{what}: not valid JSON ({exc.msg} at line {exc.lineno}, "
                        f"column {exc.colno})") from None
    except RecursionError:
        raise Malformed(f"{what}: nested too deeply to be an export") from None


def number(value: Any) -> float:
    """A sort key from a position (Trello's ``pos``): a float, 0 when it is not a number."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def clipped_name(name: str) -> str:
    return name.strip()[:100] or "Imported project"
