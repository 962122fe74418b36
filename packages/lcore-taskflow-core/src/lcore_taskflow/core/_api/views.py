"""``/api/views``: saved views, a name for a board filter (SPEC §11).

``query`` is the board's URL query string (``status=todo&q=deploy``).  A view
is its author's; with ``project_id`` and ``shared`` every viewer of that
project sees it too.  Its author (or the project's owners, for a shared
one) delete it.

This module holds the declared bodies and replies and the handlers, registered
from :data:`ROUTES`; the queries and rules they call are in ``_domain/views.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lcore import HTTPResponse, Lcore, response

from .._domain import views
from .._routetable import Route, add_routes
from .._schema import Boolean, Integer, ListOf, Query, Schema, String, Text
from .._validation import json_body
from .replies import ident, timestamp

if TYPE_CHECKING:
    from .. import TaskFlow


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


# ------------------------------------------------------------- handlers
# Each takes the kernel first (bound by build_views_app), then the URL's values.
def list_views(kernel: TaskFlow) -> dict:
    """Your saved views and the ones shared with projects you can see."""
    user = kernel.current_user()
    args = ViewListQuery.validate()
    return {"views": views.list_views(kernel, user["id"], args.get("project_id"))}


def create_view(kernel: TaskFlow) -> dict:
    """Save a filter under a name (private unless shared with a project)."""
    user = kernel.current_user()
    values = ViewCreate.validate(json_body())
    view = views.create_view(kernel, user["id"], values)
    response.status = 201
    return view


def delete_view(kernel: TaskFlow, vid: int) -> HTTPResponse:
    """Delete a view of yours (or, as an owner, one shared with your project)."""
    views.delete_view(kernel, kernel.current_user()["id"], vid)
    return HTTPResponse(status=204)


# ---------------------------------------------------------------- routes
#: ``(method, rule, handler, options)`` in registration order (the OpenAPI document's).
ROUTES: tuple[Route, ...] = (
    ("GET", "/api/views", list_views, dict(
        name="list_views", auth=True, query=ViewListQuery, returns=ViewList)),
    ("POST", "/api/views", create_view, dict(
        name="create_view", auth=True, body=ViewCreate, status=201, returns=ViewOut,
        responses=((404, "No project project_id that you can see"),))),
    ("DELETE", "/api/views/<vid:int>", delete_view, dict(
        name="delete_view", auth=True, status=204)),
)


def build_views_app(kernel: TaskFlow) -> Lcore:
    """The saved views' sub-app (mounted at ``/``): :data:`ROUTES`."""
    app = Lcore()
    add_routes(app, ROUTES, kernel)
    return app


__all__ = ["ROUTES", "build_views_app"]
