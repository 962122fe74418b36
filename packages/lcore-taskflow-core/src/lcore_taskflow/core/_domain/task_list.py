"""The task list and the board's changes: filters (core's and the plugins'),
sort orders, bounded totals (the handlers: ``_api/tasks.py``).

Totals stay cheap at any size: the project's maintained counts answer no
filter, one status and one priority; any other filter is counted up to :data:`COUNT_CAP`
rows (:func:`bounded_total`).  ``q=`` looks the title's words up in the
full-text index (``_board_search.py``) rather than scanning the project.
A plugin filter whose SQL fails is left out of the answer and named in it,
never a 500.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._board_search import title_filter
from .._db import DatabaseError
from .._errors import ApiError
from .._i18n import Message
from .tasks import TASK_SELECT, today

if TYPE_CHECKING:
    from .. import TaskFlow

log = logging.getLogger("lcore_taskflow")
DUE_FILTERS = ("overdue", "week", "none")
#: ``sort=`` of the task list: its ORDER BY keys (``-name`` reverses them; ``t.id`` breaks ties).
#: NULLs go last ascending on both engines (``IS NULL`` first), which differ on their own.
ORDERS = {
    "id": ("t.id",),
    "position": ("t.status", "t.position"),
    "title": ("lower(t.title)",),
    "status": ("CASE t.status WHEN 'todo' THEN 1 WHEN 'in_progress' THEN 2 ELSE 3 END",
               "t.position"),
    "priority": ("CASE t.priority WHEN 'low' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END",),
    "assignee": ("(a.username IS NULL)", "lower(a.username)"),
    "due_date": ("(t.due_date IS NULL)", "t.due_date"),
    "updated": ("COALESCE(t.updated_at, t.created_at)",),
}
SORTS = (*ORDERS, *(f"-{name}" for name in ORDERS if name not in ("id", "position")))
CHANGES_LIMIT = 500
#: A filtered total the maintained counts cannot answer is counted up to this many
#: rows (the same bound as the search's): past it the answer says ``total_is_estimate``.
COUNT_CAP = 1000
#: The statuses and priorities whose tasks each project counts (``<value>_count``).
COUNTED = frozenset({"todo", "in_progress", "done", "low", "medium", "high"})


def order_by(sort: str) -> str:
    """The ORDER BY of a ``sort=`` value (one of :data:`SORTS`)."""
    direction = " DESC" if sort.startswith("-") else ""
    keys = [f"{key}{direction}" for key in ORDERS[sort.lstrip("-")]]
    return ", ".join(keys if keys[-1].startswith("t.id") else [*keys, "t.id"])


# -------------------------------------------------------------- listing
def core_filters(args: Mapping[str, Any], db: Any,
                 project: Mapping[str, Any]) -> tuple[list[str], list]:
    """The WHERE conditions and their parameters of the task list's own filters
    (``q=`` through the full-text index of ``db``, for ``project``)."""
    where: list[str] = []
    params: list = []
    for column in ("status", "priority"):
        value = args.get(column)
        if value is not None:
            where.append(f"t.{column} = ?")
            params.append(value)
    assignee = args.get("assignee_id")
    if assignee == "none":
        where.append("t.assignee_id IS NULL")
    elif assignee is not None:
        where.append("t.assignee_id = ?")
        params.append(assignee)
    q = args.get("q")
    if q:
        condition, values = title_filter(db, project["id"], q, project["task_count"])
        where.append(condition)
        params += values
    due = args.get("due")
    if due == "overdue":
        where.append("t.status != 'done' AND t.due_date IS NOT NULL AND t.due_date < ?")
        params.append(today())
    elif due == "week":
        week = (dt.date.today() + dt.timedelta(days=6)).isoformat()
        where.append("t.due_date >= ? AND t.due_date <= ?")
        params += [today(), week]
    elif due == "none":
        where.append("t.due_date IS NULL")
    return where, params


def plugin_filters(kernel: TaskFlow, pid: int,
                   query: Mapping[str, str]) -> tuple[list[tuple], list[str]]:
    """The plugins' filters ``query`` asks for, with their converted values.

    A value ``convert`` refuses (``ValueError``/``TypeError``) is the client's
    mistake: 400 naming the parameter.  Any other exception is the plugin's:
    logged with its name, and the list answers without that filter.  The filter
    of a project-scoped plugin that is off in the project is ignored.
    """
    chosen, ignored = [], []
    for extra in kernel.task_filters:
        raw = query.get(extra.param)
        if raw in (None, "") or not kernel.scopes.applies(
                kernel.task_filter_owners.get(extra.param, ""), pid):
            continue
        try:
            value = extra.convert(raw)
        except (TypeError, ValueError):
            raise ApiError(400, "{name} has an invalid value", params={"name": extra.param},
                           fields={extra.param: Message("invalid value")}) from None
        except Exception:
            log.exception("plugin %s failed in its task filter %r (convert): the task list "
                          "answers without it", kernel.task_filter_owners.get(extra.param, "?"),
                          extra.param)
            ignored.append(extra.param)
            continue
        chosen.append((extra, value))
    return chosen, ignored


def failing_filters(kernel: TaskFlow, db, pid: int, chosen: list[tuple]) -> list[tuple]:
    """Which of the plugins' filters fail on their own (each tried in a tiny query)."""
    failing = []
    for extra, value in chosen:
        try:
            db.fetchall(f"SELECT t.id FROM tasks t WHERE t.project_id = ? AND ({extra.where})"
                        " LIMIT 1", (pid, value))
        except DatabaseError as exc:
            log.error("plugin %s failed in its task filter %r: %s; the task list answers "
                      "without it", kernel.task_filter_owners.get(extra.param, "?"),
                      extra.param, exc)
            failing.append((extra, value))
    return failing


def bounded_total(db, source: str, params: Sequence[Any], page_rows: int, offset: int,
                  limit: int) -> tuple[int, bool]:
    """How many rows ``FROM {source}`` holds, and whether that is only a lower bound.

    A short page is its own total; otherwise the count stops after
    ``COUNT_CAP`` rows, so a common filter costs the same at 1M tasks as at 1k.
    """
    if page_rows < limit and (page_rows or not offset):  # the last page: nothing to count
        return offset + page_rows, False
    counted = db.scalar(f"SELECT COUNT(*) FROM (SELECT 1 FROM {source}"
                        f" LIMIT {COUNT_CAP + 1}) c", params)
    return min(counted, COUNT_CAP), counted > COUNT_CAP


def filtered_total(db, project: dict, where: list[str], params: list,
                   page_rows: int, offset: int, limit: int,
                   by_row: bool = False) -> tuple[int, bool]:
    """The filtered total: the maintained counts answer the common filters (none,
    one status, one priority), :func:`bounded_total` the others.

    ``by_row``: the filters include ``q=``, whose walk checks titles row by row
    (no index serves it).  PostgreSQL would then collect the whole project in a
    bitmap before the first check (3.7 ms at 10,000 tasks); in the index's order
    its scan stops at the cap (2.3 ms).  When the full-text index answers ``q=``
    instead, the order costs a sort of its few candidates.  SQLite walks the
    index either way.
    """
    if not where:
        return project["task_count"], False
    if where in (["t.status = ?"], ["t.priority = ?"]) and params[0] in COUNTED:
        return project[f"{params[0]}_count"], False
    order = " ORDER BY t.id" if by_row and db.engine == "postgresql" else ""
    return bounded_total(db, f"tasks t WHERE t.project_id = ? AND {' AND '.join(where)}{order}",
                         (project["id"], *params), page_rows, offset, limit)


def _task_page(db, project: dict, where: list[str], params: list, chosen: list[tuple],
               order: str, limit: int, offset: int,
               by_row: bool) -> tuple[list[dict], tuple[int, bool]]:
    """One page of rows under core's and the ``chosen`` plugin filters, and its total."""
    pid = project["id"]
    conditions = [*where, *(f"({f.where})" for f, _ in chosen)]
    values = [*params, *(v for _, v in chosen)]
    rows = db.fetchall(f"{TASK_SELECT} WHERE "
                       f"{' AND '.join(['t.project_id = ?', *conditions])}"
                       f" ORDER BY {order} LIMIT ? OFFSET ?",
                       (pid, *values, limit, offset))
    return rows, filtered_total(db, project, conditions, values, len(rows), offset, limit,
                                by_row)


def list_tasks(kernel: TaskFlow, project: dict, where: list[str], params: list,
               chosen: list[tuple], sort: str, limit: int, offset: int,
               by_row: bool = False) -> tuple[list[dict], tuple[int, bool], list[str]]:
    """A page of the project's tasks: its rows, ``(total, estimate)``, and the
    parameters of the plugin filters left out because their SQL failed
    (``by_row``: see :func:`filtered_total`)."""
    db = kernel.db
    order = order_by(sort)
    try:
        return (*_task_page(db, project, where, params, chosen, order, limit, offset,
                            by_row), [])
    except DatabaseError:  # a plugin's filter SQL? (autocommit: nothing is spoilt)
        failing = failing_filters(kernel, db, project["id"], chosen) if chosen else []
        if not failing:
            raise
        rows, counted = _task_page(db, project, where, params,
                                   [c for c in chosen if c not in failing], order, limit, offset,
                                   by_row)
        return rows, counted, [f.param for f, _ in failing]


def changes_since(kernel: TaskFlow, project: dict, since: int) -> dict | None:
    """What changed on the project's board after cursor ``since``; ``None`` when nothing did."""
    db = kernel.db
    pid, seq = project["id"], project["change_seq"]
    if since == seq:
        return None
    if since > seq or since < project["tombstone_floor"]:
        return {"cursor": seq, "reset": True, "tasks": [], "deleted": []}
    rows = db.fetchall(f"{TASK_SELECT} WHERE t.project_id = ? AND t.change_seq > ?"
                       " ORDER BY t.change_seq LIMIT ?", (pid, since, CHANGES_LIMIT + 1))
    if len(rows) > CHANGES_LIMIT:
        return {"cursor": seq, "reset": True, "tasks": [], "deleted": []}
    deleted = [r["task_id"] for r in db.fetchall(
        "SELECT task_id FROM task_tombstones WHERE project_id = ? AND change_seq > ?",
        (pid, since))]
    counts = {"total": project["task_count"], "todo": project["todo_count"],
              "in_progress": project["in_progress_count"], "done": project["done_count"]}
    return {"cursor": seq, "reset": False, "tasks": kernel.represent("task", rows),
            "deleted": deleted, "task_counts": counts}
