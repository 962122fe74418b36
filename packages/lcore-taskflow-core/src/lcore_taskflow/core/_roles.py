"""Who sees what: a caller's role in each project, and the SQL that lists only those.

The model (``docs/access.md``):

* workspace roles (``users.role``): ``admin`` acts as ``owner`` of every
  project; a ``member`` has each *workspace-visible* project's
  ``workspace_role``; a ``guest`` only what they are a member of;
* project roles, each including the one before: ``viewer``, ``commenter``,
  ``editor``, ``owner``, given to a user directly or through a team;
* a share link sees its one project with its role (``viewer`` or
  ``commenter``);
* plugins add :class:`Grant` and :class:`Deny` rules (``taskflow_project_access``);
  a deny wins, and the answer never depends on the order of the plugins.

The effective role is the highest of all that applies.  Everything is
answered by SQL: :meth:`Access.project` reads a project and the caller's
role in one query, and :meth:`Access.where` is the condition every list
puts in its ``WHERE``, so totals and pages hold only what the caller may see.
One :class:`Access` serves one request (``kernel.access()``) and caches what
it learned.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeGuard

from lcore import request

from ._errors import ApiError
from ._scoped import SCOPE_KEY

if TYPE_CHECKING:
    from . import TaskFlow

ROLES = ("viewer", "commenter", "editor", "owner")
RANK = {role: rank for rank, role in enumerate(ROLES, start=1)}
WORKSPACE_ROLES = ("viewer", "commenter", "editor")
SHARE_ROLES = ("viewer", "commenter")
VISIBILITIES = ("workspace", "private")
RANK_SQL = ("CASE {0} WHEN 'owner' THEN 4 WHEN 'editor' THEN 3 WHEN 'commenter' THEN 2"
            " WHEN 'viewer' THEN 1 ELSE 0 END")
TEAM_PROJECTS = ("SELECT pt.project_id FROM project_teams pt JOIN team_members tm"
                 " ON tm.team_id = pt.team_id WHERE tm.user_id = ?")
DIRECT_PROJECTS = "SELECT project_id FROM project_members WHERE user_id = ?"
PROJECT_ROW = ("SELECT p.id, p.name, p.description, p.owner_id, p.status, p.visibility,"
               " p.workspace_role, p.task_count, p.todo_count, p.in_progress_count,"
               " p.done_count, p.low_count, p.medium_count, p.high_count, p.change_seq,"
               " p.tombstone_floor, p.created_at, p.updated_at")
ROLE_COLUMNS = (
    ", (SELECT role FROM project_members WHERE project_id = p.id AND user_id = ?) AS direct_role"
    ", (SELECT pt.role FROM project_teams pt JOIN team_members tm ON tm.team_id = pt.team_id"
    f" WHERE pt.project_id = p.id AND tm.user_id = ? ORDER BY {RANK_SQL.format('pt.role')} DESC"
    " LIMIT 1) AS team_role")


@dataclass(frozen=True)
class Grant:
    """A plugin's grant: ``role`` in every project whose id ``projects`` selects.

    ``projects`` is SQL selecting project ids, with ``?`` for ``params``
    (``"SELECT project_id FROM audits WHERE auditor_id = ?"``).  It joins
    the caller's other roles: the highest wins.
    """

    role: str
    projects: str
    params: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        if self.role not in RANK:
            raise ValueError(f"Grant role {self.role!r}: choose from {', '.join(ROLES)}")


@dataclass(frozen=True)
class Deny:
    """A plugin's veto: no access at all to the projects whose id ``projects`` selects.

    A deny wins over every role and grant, an admin's excepted.
    """

    projects: str
    params: tuple[Any, ...] = ()


def highest(*roles: str | None) -> str | None:
    """The highest of ``roles`` (``None`` when none is given)."""
    best = None
    for role in roles:
        if role and (best is None or RANK.get(role, 0) > RANK[best]):
            best = role
    return best


def at_least(role: str | None, needed: str) -> bool:
    return role is not None and RANK.get(role, 0) >= RANK[needed]


def add_owner(db, project_id: int, user_id: int) -> None:
    """Make ``user_id`` an owner of a new project (its creator)."""
    db.execute("INSERT INTO project_members (project_id, user_id, role, created_at)"
               " VALUES (?, ?, 'owner', ?)", (project_id, user_id, time.time()))


def is_share(user: dict[str, Any] | None) -> TypeGuard[dict[str, Any]]:
    """Whether ``user`` is a share link's identity rather than an account."""
    return user is not None and user.get("role") == "share"


def project_viewers(kernel: TaskFlow, project_id: int, user_ids: list[int]) -> set[int]:
    """The ids among ``user_ids`` of active users who can see project ``project_id``.

    For a listener telling many people about one project (notify's fan-out
    to a task's watchers): one query for the whole list instead of one
    :class:`Access` per person.  When a plugin implements
    ``taskflow_project_access`` its rules are per user, so each candidate
    the query did not rule out is asked through :meth:`Access.role`.
    """
    ids = sorted({int(i) for i in user_ids})
    if not ids:
        return set()
    marks = ", ".join("?" for _ in ids)
    db = kernel.db
    project = db.fetchone("SELECT visibility FROM projects WHERE id = ?", (project_id,))
    if project is None:
        return set()
    users = db.fetchall(f"SELECT id, username, email, role, is_active FROM users"
                        f" WHERE id IN ({marks}) AND is_active = 1", ids)
    if kernel.implemented("taskflow_project_access"):
        return {u["id"] for u in users if Access(kernel, u).role(project_id) is not None}
    members = {r["user_id"] for r in db.fetchall(
        f"SELECT user_id FROM project_members WHERE project_id = ? AND user_id IN ({marks})"
        " UNION SELECT tm.user_id FROM project_teams pt JOIN team_members tm"
        f" ON tm.team_id = pt.team_id WHERE pt.project_id = ? AND tm.user_id IN ({marks})",
        (project_id, *ids, project_id, *ids))}
    workspace = project["visibility"] == "workspace"
    return {u["id"] for u in users
            if u["role"] == "admin" or u["id"] in members
            or (workspace and u["role"] == "member")}


def project_viewers_where(kernel: TaskFlow, project_id: int,
                          users: str = "u") -> tuple[str, list] | None:
    """A SQL condition on ``users`` (an alias of ``users``) keeping the active users who
    can see project ``project_id``; ``None`` when it cannot be said in SQL.

    For a fan-out that writes rows for many people in one ``INSERT ... SELECT``.
    ``None`` means a plugin implements ``taskflow_project_access`` (its rules
    are per user): ask :func:`project_viewers` for the ids instead.
    """
    if kernel.implemented("taskflow_project_access"):
        return None
    project = kernel.db.fetchone("SELECT visibility FROM projects WHERE id = ?", (project_id,))
    if project is None:
        return "1 = 0", []
    parts = [f"{users}.role = 'admin'",
             f"{users}.id IN (SELECT user_id FROM project_members WHERE project_id = ?)",
             f"{users}.id IN (SELECT tm.user_id FROM project_teams pt JOIN team_members tm"
             " ON tm.team_id = pt.team_id WHERE pt.project_id = ?)"]
    if project["visibility"] == "workspace":
        parts.insert(1, f"{users}.role = 'member'")
    return f"({users}.is_active = 1 AND ({' OR '.join(parts)}))", [project_id, project_id]


def _route_scope() -> str | None:
    """The project-scoped plugin whose route is serving this request, if any."""
    try:
        return request.environ.get(SCOPE_KEY)
    except (AttributeError, RuntimeError):  # outside a request
        return None


class Access:
    """What one caller may see and do, per project; one per request."""

    def __init__(self, kernel: TaskFlow, user: dict[str, Any] | None):
        self.kernel = kernel
        self.user = user
        self.admin = user is not None and user.get("role") == "admin"
        self._rules: tuple[list[Grant], list[Deny]] | None = None
        self._projects: dict[int, dict[str, Any] | None] = {}

    # ------------------------------------------------------------ rules
    def rules(self) -> tuple[list[Grant], list[Deny]]:
        """The plugins' grants and denies for this caller (asked once)."""
        if self._rules is None:
            grants: list[Grant] = []
            denies: list[Deny] = []
            if self.user and not self.admin and not is_share(self.user) and \
                    self.kernel.implemented("taskflow_project_access"):
                for answer in self.kernel.call("taskflow_project_access", user=self.user,
                                               kernel=self.kernel):
                    for rule in answer:
                        if isinstance(rule, Grant):
                            grants.append(rule)
                        elif isinstance(rule, Deny):
                            denies.append(rule)
                        else:
                            raise TypeError(f"taskflow_project_access returned {rule!r}: "
                                            "expected Grant or Deny")
            self._rules = grants, denies
        return self._rules

    # ------------------------------------------------------------ one project
    def project(self, project_id: int, needed: str = "viewer") -> dict[str, Any]:
        """The project row with ``role`` (the caller's), if they have ``needed``.

        404 when the caller may not see the project (whether it exists is
        nobody else's business), 403 naming the role needed when theirs is
        lower, or when the project is archived and they are not an owner.
        """
        row = self._row(project_id)
        if row is None:
            raise ApiError(404, "Project {project_id} not found", params={"project_id": project_id})
        scope = _route_scope()
        if scope is not None:  # a project-scoped plugin's route: only where it is on
            self.kernel.scopes.require(scope, project_id)
        role = row["role"]
        if not at_least(role, needed):
            raise ApiError(403, "This needs the {needed} role in project {project_id} "
                                "(yours: {role})",
                           params={"needed": needed, "project_id": project_id, "role": role})
        if needed != "viewer" and row["status"] == "archived" and role != "owner":
            raise ApiError(403, "Project {project_id} is archived: read-only except for "
                                "its owners", params={"project_id": project_id})
        return row

    def task(self, task_id: int, needed: str = "viewer") -> dict[str, Any]:
        """A task (``kernel.tasks.get``) in a project where the caller has ``needed``.

        For routes that name a task but not its project: 404 "Task N not
        found" when it does not exist *or* its project is hidden (so the
        answer does not tell which), 403 when the role is too low.
        """
        task = self.kernel.tasks.get(task_id)
        if task is None or self.role(task["project_id"]) is None:
            raise ApiError(404, "Task {task_id} not found", params={"task_id": task_id})
        self.project(task["project_id"], needed)
        return task

    def role(self, project_id: int) -> str | None:
        """The caller's effective role in the project, ``None`` when they cannot see it."""
        row = self._row(project_id)
        return None if row is None else row["role"]

    def forget(self, project_id: int) -> None:
        """Drop what this request learned of a project (after changing it or its members)."""
        self._projects.pop(project_id, None)

    def _row(self, project_id: int) -> dict[str, Any] | None:
        if project_id in self._projects:
            return self._projects[project_id]
        row = self._load(project_id)
        self._projects[project_id] = row
        return row

    def _load(self, project_id: int) -> dict[str, Any] | None:
        if not self.user or (is_share(self.user) and self.user["share_project"] != project_id):
            return None
        extra, params = self.columns()
        row = self.kernel.db.fetchone(f"{PROJECT_ROW}{extra} FROM projects p WHERE p.id = ?",
                                      (*params, project_id))
        if row is None:
            return None
        self.annotate([row])
        return row if row["role"] else None

    def columns(self) -> tuple[str, list]:
        """Columns (and their params) to select from ``projects p`` for :meth:`annotate`."""
        if not self.user or self.admin or is_share(self.user):
            return "", []
        return ROLE_COLUMNS, [self.user["id"], self.user["id"]]

    def annotate(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Set each project row's ``role`` (``None``: not visible) and remember it.

        The rows come from ``projects p`` with :meth:`columns` selected,
        plus ``id``, ``visibility`` and ``workspace_role``.
        """
        user = self.user
        fixed = ("owner" if self.admin else user["share_role"] if is_share(user) else None)
        if fixed or not rows:
            for row in rows:
                row["role"] = fixed
                self._projects[row["id"]] = row
            return rows
        member = user is not None and user.get("role") == "member"
        granted = self._matching(rows, self.rules()[0])
        denied = self._matching(rows, self.rules()[1])
        for row in rows:
            pid = row["id"]
            workspace = (row["workspace_role"] if member and row["visibility"] == "workspace"
                         else None)
            role = highest(row.pop("direct_role", None), row.pop("team_role", None),
                           workspace, *granted.get(pid, ()))
            row["role"] = None if pid in denied else role
            self._projects[pid] = row
        return rows

    def _matching(self, rows: list[dict[str, Any]], rules: list) -> dict[int, list[str]]:
        """For each project id of ``rows``, the roles of the ``rules`` that select it."""
        found: dict[int, list[str]] = {}
        if not rules:
            return found
        ids = [row["id"] for row in rows]
        marks = ", ".join("?" for _ in ids)
        for rule in rules:
            for hit in self.kernel.db.fetchall(
                    f"SELECT id FROM projects WHERE id IN ({marks}) AND id IN ({rule.projects})",
                    (*ids, *rule.params)):
                found.setdefault(hit["id"], []).append(getattr(rule, "role", ""))
        return found

    # ------------------------------------------------------------ lists
    def where(self, column: str = "p.id", visibility: str | None = None, *,
              union: bool = False) -> tuple[str, list]:
        """A SQL condition keeping the rows whose project id ``column`` the caller may see.

        ``visibility`` names the project's visibility column when the query
        reads ``projects`` itself (``"p.visibility"``): cheaper than a
        sub-select.  ``union`` puts the direct and team memberships in one
        ``IN (... UNION ALL ...)``: PostgreSQL plans a join over many tasks
        better that way (the dashboard), a walk of a feed worse.  Returns
        ``("", [])`` for an admin (everything), and a condition that is never
        true for an anonymous caller.
        """
        user = self.user
        if not user:
            return "1 = 0", []
        if self.admin:
            return "", []
        if is_share(user):
            return f"{column} = ?", [user["share_project"]]
        uid = user["id"]
        parts = ([f"{column} IN ({DIRECT_PROJECTS} UNION ALL {TEAM_PROJECTS})"] if union else
                 [f"{column} IN ({DIRECT_PROJECTS})", f"{column} IN ({TEAM_PROJECTS})"])
        params: list[Any] = [uid, uid]
        if user.get("role") == "member":
            parts.insert(0, f"{visibility} = 'workspace'" if visibility else
                         f"{column} IN (SELECT id FROM projects WHERE visibility = 'workspace')")
        grants, denies = self.rules()
        for grant in grants:
            parts.append(f"{column} IN ({grant.projects})")
            params += grant.params
        condition = "(" + " OR ".join(parts) + ")"
        for deny in denies:
            condition += f" AND {column} NOT IN ({deny.projects})"
            params += deny.params
        return condition, params

    def and_where(self, conditions: list[str], params: list, column: str = "p.id",
                  visibility: str | None = None) -> None:
        """Append :meth:`where` to a query's ``conditions`` and ``params`` lists."""
        condition, extra = self.where(column, visibility)
        if condition:
            conditions.append(condition)
            params.extend(extra)

    # ------------------------------------------------------------ people
    def users_where(self, column: str = "id") -> tuple[str, list]:
        """A SQL condition keeping the users (id ``column``) the caller may see.

        Admins and members see everyone; a guest sees themself and the people
        who share a project with them (its members, its teams' members, and
        every workspace member when the project is workspace-visible).
        """
        user = self.user
        if not user or is_share(user):
            return "1 = 0", []
        if user.get("role") != "guest":
            return "", []
        mine, params = self.where("p.id")
        projects = f"SELECT p.id FROM projects p WHERE {mine}"
        condition = (
            f"({column} = ? OR {column} IN (SELECT user_id FROM project_members"
            f" WHERE project_id IN ({projects})) OR {column} IN (SELECT tm.user_id"
            " FROM team_members tm JOIN project_teams pt ON pt.team_id = tm.team_id"
            f" WHERE pt.project_id IN ({projects})) OR ({column} IN (SELECT id FROM users"
            f" WHERE role != 'guest') AND EXISTS ({projects} AND p.visibility = 'workspace')))")
        return condition, [user["id"], *params, *params, *params]

    def shown_user(self, row: dict[str, Any]) -> dict[str, Any]:
        """``row`` as this caller may see it: the email only for admins and the user themself."""
        if not self.admin and (not self.user or row.get("id") != self.user.get("id")):
            row["email"] = None
        return row
