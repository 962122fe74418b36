"""Helpers to set up who sees what: users with a given project role, private projects.

They write the rows directly (no HTTP, no events), so a test of a plugin
route can say "as an editor of a private project" in one line::

    from lcore_taskflow.core.testing import Client, make_private, with_project_role

    pid = make_private(app, "Secret")
    carol = with_project_role(app, pid, "viewer")
    assert Client(app, carol).get(f"/api/projects/{pid}/tasks").status == 200
    assert Client(app, "bob").get(f"/api/projects/{pid}/tasks").status == 404
"""

from __future__ import annotations

import time
from typing import Any

from lcore import Lcore, hash_password

from .._roles import RANK, add_owner


def make_project(app: Lcore, name: str = "Project", *, visibility: str = "workspace",
                 workspace_role: str = "editor", owner: str = "admin") -> int:
    """A new project (``owner`` its owner); returns its id."""
    with app.taskflow.database() as db, db.transaction():
        owner_id = db.scalar("SELECT id FROM users WHERE username = ?", (owner,))
        pid = db.insert("projects", {"name": name, "owner_id": owner_id,
                                     "visibility": visibility, "workspace_role": workspace_role})
        add_owner(db, pid, owner_id)
    return pid


def make_private(app: Lcore, name: str = "Private project", *, owner: str = "admin") -> int:
    """A new private project: only its members (and admins) see it."""
    return make_project(app, name, visibility="private", owner=owner)


def with_project_role(app: Lcore, project_id: int, role: str, username: str | None = None, *,
                      workspace_role: str = "member", password: str = "correct-horse-9") -> str:
    """A user with ``role`` in the project (made when missing); returns the username.

    The default username is ``"<role>-<project_id>"``; ``workspace_role``
    may be ``"guest"``.  Log in with :func:`login` and ``password``, or use
    ``Client(app, username)`` with the test identity.
    """
    if role not in RANK:
        raise ValueError(f"role {role!r}: choose from {', '.join(RANK)}")
    username = username or f"{role}-{project_id}"
    with app.taskflow.database() as db, db.transaction():
        uid = db.scalar("SELECT id FROM users WHERE username = ?", (username,))
        if uid is None:
            uid = db.insert("users", {
                "username": username, "email": f"{username}@example.test",
                "role": workspace_role,
                "password_hash": hash_password(password, iterations=1000)})
        db.execute("DELETE FROM project_members WHERE project_id = ? AND user_id = ?",
                   (project_id, uid))
        db.execute("INSERT INTO project_members (project_id, user_id, role, created_at)"
                   " VALUES (?, ?, ?, ?)", (project_id, uid, role, time.time()))
    return username


def project_roles(app: Lcore, project_id: int) -> dict[str, Any]:
    """``{username: role}`` of the project's direct members."""
    with app.taskflow.database() as db:
        return {r["username"]: r["role"] for r in db.fetchall(
            "SELECT u.username, m.role FROM project_members m JOIN users u ON u.id = m.user_id"
            " WHERE m.project_id = ?", (project_id,))}
