"""Saved views: their queries and rules (the handlers: ``_api/views.py``).

A view is its author's; with ``project_id`` and ``shared`` every viewer of
that project sees it too.  Its author (or the project's owners, for a shared
one) delete it.  A user keeps at most :data:`MAX_VIEWS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qsl

from .._errors import ApiError
from .._i18n import Message

if TYPE_CHECKING:
    from .. import TaskFlow

MAX_VIEWS = 100
VIEW_COLUMNS = "v.id, v.user_id, v.project_id, v.name, v.query, v.shared, v.created_at"


def view_out(row: dict, me: int) -> dict:
    """The view row as answered: ``shared`` a boolean, ``mine`` when ``me`` wrote it."""
    row["shared"] = bool(row["shared"])
    row["mine"] = row["user_id"] == me
    return row


def list_views(kernel: TaskFlow, user_id: int, project_id: int | None) -> list[dict]:
    """The user's views and the ones shared with projects the caller can see (of
    ``project_id``, if given), by name."""
    shared, params = kernel.access().where("v.project_id")
    visible = f"(v.shared = 1 AND {shared})" if shared else "v.shared = 1"
    conditions, values = [f"(v.user_id = ? OR {visible})"], [user_id, *params]
    if project_id is not None:
        conditions.append("v.project_id = ?")
        values.append(project_id)
    rows = kernel.db.fetchall(f"SELECT {VIEW_COLUMNS} FROM saved_views v"
                              f" WHERE {' AND '.join(conditions)} ORDER BY lower(v.name), v.id",
                              values)
    return [view_out(r, user_id) for r in rows]


def create_view(kernel: TaskFlow, user_id: int, values: dict) -> dict:
    """Store the user's view (validated ``values``) after checking its query, its sharing
    and the user's number of views; the view as answered."""
    try:
        parse_qsl(values["query"], strict_parsing=bool(values["query"]))
    except ValueError:
        raise ApiError(422, "Validation failed", fields={
            "query":
                Message("must be a URL query string such as status=todo&q=deploy")}) from None
    project_id = values.get("project_id")
    if values.get("shared") and project_id is None:
        raise ApiError(422, "Validation failed",
                       fields={"shared": Message("a shared view needs a project_id")})
    db = kernel.db
    with db.transaction():
        if project_id is not None:
            kernel.access().project(project_id)
        if db.count("saved_views", "user_id = ?", (user_id,)) >= MAX_VIEWS:
            raise ApiError(422, "At most {MAX_VIEWS} saved views per user",
                           params={"MAX_VIEWS": MAX_VIEWS})
        vid = db.insert("saved_views", {
            "user_id": user_id, "project_id": project_id, "name": values["name"],
            "query": values["query"], "shared": int(bool(values.get("shared")))})
        row = cast("dict[str, Any]", db.fetchone(  # the row just inserted
            f"SELECT {VIEW_COLUMNS} FROM saved_views v WHERE v.id = ?", (vid,)))
    return view_out(row, user_id)


def delete_view(kernel: TaskFlow, user_id: int, vid: int) -> None:
    """Delete the user's view, or a shared one of a project the caller owns; else 404."""
    db = kernel.db
    row: dict[str, Any] | None = db.fetchone(
        "SELECT user_id, project_id, shared FROM saved_views WHERE id = ?", (vid,))
    access = kernel.access()
    mine = row is not None and row["user_id"] == user_id
    owner = (row is not None and row["shared"] and row["project_id"] is not None
             and access.role(row["project_id"]) == "owner")
    if not (mine or owner):
        raise ApiError(404, "View {vid} not found", params={"vid": vid})
    with db.transaction():
        db.delete("saved_views", vid)
