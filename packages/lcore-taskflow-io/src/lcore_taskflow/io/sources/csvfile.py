"""CSV files of tasks: one row a task, columns found by header name or chosen."""

from __future__ import annotations

import csv
import io
from typing import Any

from .plan import (
    CSV_ALIASES,
    CSV_FIELDS,
    PRIORITIES,
    STATUSES,
    TEXT_MAX,
    TITLE_MAX,
    Malformed,
    Plan,
    TaskPlan,
    clipped,
    date_of,
    person_of,
    status_of,
    text_of,
)


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
