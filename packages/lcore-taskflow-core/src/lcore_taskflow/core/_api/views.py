"""``/api/views``: saved views, a name for a board filter (SPEC §11).

``query`` is the board's URL query string (``status=todo&q=deploy``).  A view
is its author's; with ``project_id`` and ``shared`` every viewer of that
project sees it too.  Its author (or the project's owners, for a shared
one) delete it.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from lcore import HTTPResponse, Lcore, response

from .._errors import ApiError
from .._i18n import Message
from .._schema import Boolean, Integer, ListOf, Query, Schema, String, Text
from .._validation import json_body
from .replies import ident, timestamp

MAX_VIEWS = 100
VIEW_COLUMNS = "v.id, v.user_id, v.project_id, v.name, v.query, v.shared, v.created_at"


class ViewCreate(Schema):
    """A named filter, private, or shared with a project's viewers."""

    name = Text(required=True, max_len=100, example="My open bugs")
    query = Text(required=True, max_len=1000, allow_empty=True, example="status=todo&q=deploy")
    project_id = Integer(minimum=1, nullable=True)
    shared = Boolean(description="Every viewer of project_id sees it (needs project_id)")


class ViewOut(Schema):
    id = ident()
    user_id = Integer(required=True, minimum=1)
    project_id = Integer(required=True, nullable=True)
    name = String(required=True)
    query = String(required=True)
    shared = Boolean(required=True)
    mine = Boolean(required=True)
    created_at = timestamp(required=True)


class ViewList(Schema):
    """Your views, and the views shared with projects you can see."""

    views = ListOf(ViewOut, required=True)


class ViewListQuery(Query):
    project_id = Integer(minimum=1, description="Only the views of this project")


def _out(row: dict, me: int) -> dict:
    row["shared"] = bool(row["shared"])
    row["mine"] = row["user_id"] == me
    return row


def build_views_app(kernel) -> Lcore:
    app = Lcore()

    @app.get("/api/views", name="list_views", auth=True, query=ViewListQuery,
             returns=ViewList)
    def list_views():
        """Your saved views and the ones shared with projects you can see."""
        user = kernel.current_user()
        args = ViewListQuery.validate()
        shared, params = kernel.access().where("v.project_id")
        visible = f"(v.shared = 1 AND {shared})" if shared else "v.shared = 1"
        conditions, values = [f"(v.user_id = ? OR {visible})"], [user["id"], *params]
        if args.get("project_id") is not None:
            conditions.append("v.project_id = ?")
            values.append(args["project_id"])
        rows = kernel.db.fetchall(f"SELECT {VIEW_COLUMNS} FROM saved_views v"
                                  f" WHERE {' AND '.join(conditions)} ORDER BY lower(v.name), v.id",
                                  values)
        return {"views": [_out(r, user["id"]) for r in rows]}

    @app.post("/api/views", name="create_view", auth=True, body=ViewCreate, status=201,
              returns=ViewOut, responses=((404, "No project project_id that you can see"),))
    def create_view():
        """Save a filter under a name (private unless shared with a project)."""
        user = kernel.current_user()
        values = ViewCreate.validate(json_body())
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
            if db.count("saved_views", "user_id = ?", (user["id"],)) >= MAX_VIEWS:
                raise ApiError(422, "At most {MAX_VIEWS} saved views per user",
                               params={"MAX_VIEWS": MAX_VIEWS})
            vid = db.insert("saved_views", {
                "user_id": user["id"], "project_id": project_id, "name": values["name"],
                "query": values["query"], "shared": int(bool(values.get("shared")))})
            row = db.fetchone(f"SELECT {VIEW_COLUMNS} FROM saved_views v WHERE v.id = ?",
                              (vid,))
        response.status = 201
        return _out(row, user["id"])

    @app.delete("/api/views/<vid:int>", name="delete_view", auth=True, status=204)
    def delete_view(vid):
        """Delete a view of yours (or, as an owner, one shared with your project)."""
        user = kernel.current_user()
        db = kernel.db
        row = db.fetchone("SELECT user_id, project_id, shared FROM saved_views WHERE id = ?",
                          (vid,))
        access = kernel.access()
        mine = row is not None and row["user_id"] == user["id"]
        owner = (row is not None and row["shared"] and row["project_id"] is not None
                 and access.role(row["project_id"]) == "owner")
        if not (mine or owner):
            raise ApiError(404, "View {vid} not found", params={"vid": vid})
        with db.transaction():
            db.delete("saved_views", vid)
        return HTTPResponse(status=204)

    return app
