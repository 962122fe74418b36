"""``GET /api/admin/audit``: the audit log for admins, filtered and paged, or as CSV.

The CSV streams: it reads the log in keyset-ordered batches on its own
connection while the client downloads, so a year of entries never sits in
memory.
"""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING

from lcore import HTTPResponse, Lcore

from .._schema import Choice, Integer, ListOf, Object, Schema, String, Text
from .._validation import Page
from .replies import Paged, ident, timestamp

if TYPE_CHECKING:
    from .. import TaskFlow

CSV_BATCH = 1000
COLUMNS = ("id", "at", "actor_id", "actor", "action", "target", "address", "details")


class AuditQuery(Page):
    user_id = Integer(minimum=1, description="Entries whose actor is this user")
    action = Text(max_len=100, description="An action (auth.login), or an area ending in a dot "
                                           "(auth.)")
    since = Integer(minimum=0, description="Entries at or after this time (Unix seconds)")
    format = Choice(("json", "csv"), default="json", description="csv streams every match")


class AuditEntry(Schema):
    id = ident()
    at = timestamp(required=True)
    actor_id = Integer(required=True, nullable=True)
    actor = String(required=True, nullable=True)
    action = String(required=True, description="area.verb, e.g. auth.login")
    target = String(required=True, nullable=True)
    address = String(required=True, nullable=True)
    details = Object(None, required=True)


class AuditPage(Paged):
    """A page of the audit log, newest first."""

    entries = ListOf(AuditEntry, required=True)


def _where(args: dict) -> tuple[str, list]:
    conditions, params = [], []
    if args.get("user_id") is not None:
        conditions.append("actor_id = ?")
        params.append(args["user_id"])
    action = args.get("action")
    if action and action.endswith("."):
        conditions.append("action LIKE ? ESCAPE '\\'")
        params.append(action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    elif action:
        conditions.append("action = ?")
        params.append(action)
    if args.get("since") is not None:
        conditions.append("at >= ?")
        params.append(args["since"])
    return (f"WHERE {' AND '.join(conditions)}" if conditions else ""), params


def _entry(row: dict) -> dict:
    row.pop("created_at", None)
    row["details"] = json.loads(row["details"] or "{}")
    return row


def _csv(kernel: TaskFlow, where: str, params: list):
    """The matching entries as CSV lines, newest first, a batch per query."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    yield out.getvalue().encode()
    before = None
    while True:
        keyset = f"{where} {'AND' if where else 'WHERE'} id < ?" if before else where
        with kernel.database() as db:
            rows = db.fetchall(f"SELECT {', '.join(COLUMNS)} FROM audit_log {keyset}"
                               " ORDER BY id DESC LIMIT ?",
                               (*params, *([before] if before else []), CSV_BATCH))
        if not rows:
            return
        out.seek(0)
        out.truncate()
        for row in rows:
            writer.writerow([row[c] for c in COLUMNS])
        yield out.getvalue().encode()
        before = rows[-1]["id"]


def build_audit_app(kernel: TaskFlow) -> Lcore:
    app = Lcore()

    @app.get("/api/admin/audit", name="audit_log", auth="admin", query=AuditQuery,
             returns=AuditPage, responses=((200, "With format=csv: text/csv, streamed"),))
    def audit_log():
        """Security events, newest first: sign-ins, roles, memberships, teams, shares."""
        args = AuditQuery.validate()
        where, params = _where(args)
        if args["format"] == "csv":
            return HTTPResponse(_csv(kernel, where, params), headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": 'attachment; filename="taskflow-audit.csv"'})
        page, limit = args["page"], args["limit"]
        db = kernel.db
        rows = db.fetchall(f"SELECT id, at, actor_id, actor, action, target, address, details"
                           f" FROM audit_log {where} ORDER BY id DESC LIMIT ? OFFSET ?",
                           (*params, limit, (page - 1) * limit))
        total = db.scalar(f"SELECT COUNT(*) FROM audit_log {where}", params)
        return {"entries": [_entry(r) for r in rows], "total": total, "page": page,
                "limit": limit}

    return app
