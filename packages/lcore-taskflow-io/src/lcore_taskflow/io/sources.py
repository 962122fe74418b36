"""Reading import files into a :class:`Plan`: Trello board JSON, CSV, TaskFlow project JSON.

Parsing writes nothing: a file that cannot be read raises :class:`Malformed` (the job fails,
nothing is stored); a row that cannot be used is left out of the plan with a note saying
why.  Content is only ever data: titles, descriptions and comments are kept as text, never
rendered, evaluated or followed (no links fetched, no formulas computed).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
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


def _list(data: dict, key: str) -> list[dict]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise Malformed(f"Trello board: {key!r} must be a list")
    return [item for item in value if isinstance(item, dict)]


# ------------------------------------------------------------------ Trello
def trello(content: bytes, options: dict[str, Any]) -> Plan:
    """A Trello board export (Board menu > Print, export and share > Export as JSON).

    Lists become statuses (``options["mapping"]``: ``{list name: status}``, else by the list's
    name, else ``todo``); closed cards and the cards of closed lists become ``done`` tasks;
    checklists, comments (``commentCard`` actions), labels, due dates and members (matched
    later by email, then username) go with their card.
    """
    data = load_json(content, "Trello board")
    if not isinstance(data, dict) or not isinstance(data.get("cards"), list) \
            or not isinstance(data.get("lists"), list):
        raise Malformed("Trello board: expected a board export with \"lists\" and \"cards\" "
                        "(Trello: Menu > Print, export and share > Export as JSON)")
    mapping = options.get("mapping") or {}
    plan = Plan(project={"name": clipped_name(text_of(data.get("name")) or "Trello board"),
                         "description": text_of(data.get("desc"))[:TEXT_MAX]})
    lists = {str(item.get("id")): item for item in _list(data, "lists")}
    members = {str(m.get("id")): m for m in _list(data, "members")}
    board_labels = {str(lb.get("id")): lb for lb in _list(data, "labels")}
    checklists: dict[str, list[dict]] = {}
    for checklist in _list(data, "checklists"):
        checklists.setdefault(str(checklist.get("idCard")), []).append(checklist)
    comments: dict[str, list[dict]] = {}
    for action in _list(data, "actions"):
        if action.get("type") == "commentCard" and isinstance(action.get("data"), dict):
            card = action["data"].get("card") or {}
            comments.setdefault(str(card.get("id")), []).append(action)
    unmapped: set[str] = set()
    cards = sorted(_list(data, "cards"), key=lambda c: (_number(c.get("pos")), str(c.get("id"))))
    for number, card in enumerate(cards, start=1):
        title = text_of(card.get("name")).strip()
        ref = f"card {number} {title[:40]!r}" if title else f"card {number}"
        if not title:
            plan.note(ref, "skipped: the card has no name")
            continue
        task = TaskPlan(ref=ref, title=clipped(plan, ref, "title", title, TITLE_MAX),
                        description=clipped(plan, ref, "description",
                                            text_of(card.get("desc")), TEXT_MAX))
        column = lists.get(str(card.get("idList"))) or {}
        list_name = text_of(column.get("name"))
        if card.get("closed") or column.get("closed"):
            task.status = "done"
        else:
            task.status = status_of(list_name, mapping) or "todo"
            if list_name and status_of(list_name, mapping) is None:
                unmapped.add(list_name)
        if card.get("due"):
            task.due_date = date_of(card.get("due"))
            if task.due_date is None:
                plan.note(ref, f"due date {text_of(card.get('due'))[:40]!r} is not a date: left "
                               "out")
        for member_id in _ids(card.get("idMembers")):
            member = members.get(str(member_id)) or {}
            task.people.append({k: text_of(member.get(k)) for k in ("email", "username")
                                if member.get(k)} or {"username": str(member_id)})
        task.labels = _trello_labels(card, board_labels)
        for checklist in sorted(checklists.get(str(card.get("id")), []),
                                key=lambda c: _number(c.get("pos"))):
            items = checklist.get("checkItems")
            items = items if isinstance(items, list) else []
            for item in sorted((i for i in items if isinstance(i, dict)),
                               key=lambda i: _number(i.get("pos"))):
                name = text_of(item.get("name")).strip()
                if not name:
                    plan.note(ref, "a checklist item without a name: skipped")
                    continue
                task.checklist.append({"title": clipped(plan, ref, "checklist item", name,
                                                        ITEM_MAX),
                                       "done": item.get("state") == "complete"})
        for action in sorted(comments.get(str(card.get("id")), []),
                             key=lambda a: text_of(a.get("date"))):
            body = text_of(action["data"].get("text")).strip()
            if not body:
                continue
            author = action.get("memberCreator")
            if not isinstance(author, dict):
                author = members.get(str(action.get("idMemberCreator"))) or {}
            task.comments.append({
                "body": clipped(plan, ref, "comment", body, TEXT_MAX),
                "person": {k: text_of(author.get(k)) for k in ("email", "username")
                           if author.get(k)},
                "name": text_of(author.get("fullName") or author.get("username"))})
        plan.tasks.append(task)
    for name in sorted(unmapped):
        plan.note(f"list {name!r}", "no status mapping for this list: its cards are \"todo\" "
                                    "(send mapping={\"" + name + "\": \"in_progress\"} to change)")
    return plan


def _trello_labels(card: dict, board_labels: dict[str, dict]) -> list[dict[str, Any]]:
    found = card.get("labels")
    if not isinstance(found, list):
        found = [board_labels[str(i)] for i in _ids(card.get("idLabels"))
                 if str(i) in board_labels]
    labels = []
    for label in found:
        if not isinstance(label, dict):
            continue
        color = text_of(label.get("color")).lower()
        name = text_of(label.get("name")).strip() or color
        if name:
            labels.append({"name": name[:40], "color": TRELLO_COLORS.get(color, "#888888")})
    return labels


def _ids(value: Any) -> list[str]:
    """A list of ids from a card's ``idMembers`` / ``idLabels`` (anything else: none)."""
    return [str(v) for v in value if isinstance(v, (str, int))] if isinstance(value, list) \
        else []


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def clipped_name(name: str) -> str:
    return name.strip()[:100] or "Imported project"


# ------------------------------------------------------------------ CSV
def csv_rows(content: bytes) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a CSV file: UTF-8 with or without a BOM, comma, semicolon or
    tab separated (sniffed), quoted fields with separators and new lines inside."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Malformed(f"CSV: not UTF-8 text (byte {exc.start}); save the file as UTF-8") \
            from None
    if "\x00" in text:
        raise Malformed("CSV: the file holds NUL bytes (a binary file?)")
    if not text.strip():
        raise Malformed("CSV: the file is empty")
    delimiter = sniff_delimiter(text)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter))
    except csv.Error as exc:
        raise Malformed(f"CSV: {exc}") from None
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise Malformed("CSV: the file has no rows")
    return [cell.strip() for cell in rows[0]], rows[1:]


def sniff_delimiter(text: str) -> str:
    """The separator of the header line (outside quotes): ``,``, ``;`` or a tab.

    Only the separator is guessed; quoting is always the usual one (``"`` doubled inside a
    field), which :class:`csv.Sniffer` sometimes gets wrong on short files.
    """
    header, quoted = [], False
    for char in text[:64 * 1024]:
        if char == '"':
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            break
        elif not quoted:
            header.append(char)
    return max(",;\t", key=lambda sep: (header.count(sep), sep == ","))


def csv_plan(content: bytes, options: dict[str, Any]) -> Plan:
    """A CSV file of tasks; ``options["columns"]``: ``{field: header}`` (else by header name)."""
    header, rows = csv_rows(content)
    columns = _columns(header, options.get("columns") or {})
    if "title" not in columns:
        raise Malformed(f"CSV: no title column (headers: {', '.join(header) or 'none'}); "
                        "send columns={\"title\": \"<header>\"}")
    mapping = options.get("mapping") or {}
    plan = Plan(project={"name": "CSV import", "description": ""})
    for number, row in enumerate(rows, start=2):
        ref = f"line {number}"

        def cell(name: str, row: list[str] = row) -> str:
            index = columns.get(name)
            return text_of(row[index]) if index is not None and index < len(row) else ""

        title = cell("title").strip()
        if not title:
            plan.note(ref, "skipped: the title is empty")
            continue
        task = TaskPlan(ref=ref, title=clipped(plan, ref, "title", title, TITLE_MAX),
                        description=clipped(plan, ref, "description", cell("description"),
                                            TEXT_MAX))
        if cell("status").strip():
            status = status_of(cell("status"), mapping)
            if status is None:
                plan.note(ref, f"status {cell('status')[:40]!r} is not one of "
                               f"{', '.join(STATUSES)}: the task is \"todo\"")
            task.status = status or "todo"
        priority = cell("priority").strip().lower()
        if priority:
            if priority in PRIORITIES:
                task.priority = priority
            else:
                plan.note(ref, f"priority {priority[:40]!r} is not one of "
                               f"{', '.join(PRIORITIES)}: left out")
        if cell("due_date").strip():
            task.due_date = date_of(cell("due_date"))
            if task.due_date is None:
                plan.note(ref, f"due date {cell('due_date')[:40]!r} is not a date "
                               "(YYYY-MM-DD): left out")
        if cell("assignee").strip():
            task.people.append(person_of(cell("assignee")))
        plan.tasks.append(task)
    return plan


def _columns(header: list[str], chosen: dict[str, str]) -> dict[str, int]:
    """``{field: column index}`` from the user's ``{field: header}`` or the usual names."""
    lower = [h.lower() for h in header]
    unknown = sorted(set(chosen) - set(CSV_FIELDS))
    if unknown:
        raise Malformed(f"CSV columns: unknown field {unknown[0]!r} (fields: "
                        f"{', '.join(CSV_FIELDS)})")
    columns: dict[str, int] = {}
    for name, wanted in chosen.items():
        if wanted.lower() not in lower:
            raise Malformed(f"CSV columns: {name} -> {wanted!r}, but the file has no such "
                            f"header (headers: {', '.join(header)})")
        columns[name] = lower.index(wanted.lower())
    for name, aliases in CSV_ALIASES.items():
        if name not in columns:
            for alias in aliases:
                if alias in lower and lower.index(alias) not in columns.values():
                    columns[name] = lower.index(alias)
                    break
    return columns


# ------------------------------------------------------------------ TaskFlow
def taskflow(content: bytes, options: dict[str, Any]) -> Plan:
    """A project as ``GET /api/projects/<pid>/export?format=json`` wrote it."""
    data = load_json(content, "TaskFlow export")
    if not isinstance(data, dict) or data.get("format") != "taskflow.project" \
            or not isinstance(data.get("tasks"), list) or not isinstance(data.get("project"),
                                                                         dict):
        raise Malformed("TaskFlow export: expected {\"format\": \"taskflow.project\", "
                        "\"project\": {...}, \"tasks\": [...]} (a project export)")
    if data.get("version") != 1:
        raise Malformed(f"TaskFlow export: version {data.get('version')!r} is not supported "
                        "(this TaskFlow reads version 1)")
    project = data["project"]
    plan = Plan(project={"name": clipped_name(text_of(project.get("name"))),
                         "description": text_of(project.get("description"))[:TEXT_MAX]})
    for number, item in enumerate(data["tasks"], start=1):
        if not isinstance(item, dict):
            plan.note(f"task {number}", "skipped: not an object")
            continue
        title = text_of(item.get("title")).strip()
        ref = f"task {number} {title[:40]!r}" if title else f"task {number}"
        if not title:
            plan.note(ref, "skipped: the title is empty")
            continue
        task = TaskPlan(ref=ref, title=clipped(plan, ref, "title", title, TITLE_MAX),
                        description=clipped(plan, ref, "description",
                                            text_of(item.get("description")), TEXT_MAX))
        status = text_of(item.get("status"))
        task.status = status if status in STATUSES else "todo"
        priority = text_of(item.get("priority"))
        task.priority = priority if priority in PRIORITIES else None
        task.due_date = date_of(item.get("due_date")) if item.get("due_date") else None
        assignee = item.get("assignee")
        if isinstance(assignee, dict):
            task.people.append({k: text_of(assignee.get(k)) for k in ("email", "username")
                                if assignee.get(k)})
        for label in item.get("labels") or []:
            if isinstance(label, dict) and text_of(label.get("name")).strip():
                task.labels.append({"name": text_of(label["name"]).strip()[:40],
                                    "color": text_of(label.get("color")) or "#888888"})
        for entry in item.get("checklist") or []:
            if isinstance(entry, dict) and text_of(entry.get("title")).strip():
                task.checklist.append({"title": text_of(entry["title"]).strip()[:ITEM_MAX],
                                       "done": bool(entry.get("done"))})
        for comment in item.get("comments") or []:
            if isinstance(comment, dict) and text_of(comment.get("body")).strip():
                task.comments.append({
                    "body": text_of(comment["body"])[:TEXT_MAX],
                    "person": {"username": text_of(comment.get("username"))}
                    if comment.get("username") else {},
                    "name": text_of(comment.get("username"))})
        plan.tasks.append(task)
    return plan


READERS = {"trello": trello, "csv": csv_plan, "taskflow": taskflow}


def read(source: str, content: bytes, options: dict[str, Any]) -> Plan:
    """The plan of an import file of ``source``; :class:`Malformed` when it cannot be read."""
    return READERS[source](content, options)
