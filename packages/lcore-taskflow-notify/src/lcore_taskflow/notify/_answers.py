"""How the outbox's rows are answered: the API's result of a send, counts of results,
and the history page.

:func:`result_of` is what ``/api/notifications/`` answers for one row,
:func:`public_row` the row the history and the ``notification.*`` events show.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._mailer import SIMULATED_NOTE

STATUSES = ("pending", "sent", "simulated", "failed")
HISTORY_COLUMNS = ("id, user_id, type, recipient, subject, body, html, status, error, attempts,"
                   " created_at, updated_at, last_attempt_at, sent_at, next_attempt_at")


def result_of(row: dict[str, Any]) -> dict[str, Any]:
    """The API answer for one row: ``{id, status, to, subject[, error, retry_at|note]}``."""
    out = {"id": row["id"], "status": row["status"], "to": row["recipient"],
           "subject": row["subject"]}
    if row["type"] != "email":
        out["channel"] = row["type"]
    if row["status"] == "failed":
        out["error"] = row["error"]
        out["retry_at"] = row.get("next_attempt_at")
    elif row["status"] == "simulated":
        out["note"] = SIMULATED_NOTE
    return out


def public_row(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "html": bool(row["html"])}


def tally(results: Iterable[dict[str, Any]]) -> dict[str, int]:
    """``{sent, simulated, failed}`` counts of a list of results."""
    counts = {"sent": 0, "simulated": 0, "failed": 0}
    for result in results:
        if result["status"] in counts:
            counts[result["status"]] += 1
    return counts


def history_page(db: Any, user_id: int | None, status: str | None, limit: int, offset: int,
                 visible: tuple[str, list]) -> tuple[list[dict[str, Any]], int]:
    """A page of the history and the total (``Outbox.history``)."""
    where: list[str] = []
    params: list[Any] = []
    if user_id is not None:
        where.append("user_id = ?")
        params.append(user_id)
    if visible[0]:
        where.append(f"(project_id IS NULL OR {visible[0]})")
        params.extend(visible[1])
    if status is not None:
        where.append("status = ?")
        params.append(status)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    rows = db.fetchall(f"SELECT {HISTORY_COLUMNS} FROM notifications{clause}"
                       " ORDER BY id DESC LIMIT ? OFFSET ?", (*params, limit, offset))
    total = db.scalar(f"SELECT COUNT(*) FROM notifications{clause}", params)
    return [public_row(r) for r in rows], total
