"""Per-project enablement of project-scoped plugins (SPEC §13, docs/plugins.md).

A plugin that sets ``project_scoped = True`` is off in every project until an
owner turns it on (``PUT /api/projects/<pid>/plugins/<name>``).  Where it is
off, the kernel leaves it out once, centrally: its routes under the project
answer 404 naming it, ``taskflow_represent`` does not see that project's rows,
``taskflow_event`` listeners do not hear its events, its task fields and
filters are ignored there, and the project JSON's ``plugins`` tells UI
modules what is on.

Cost: nothing at all while no plugin is project-scoped; otherwise one query
per request for the projects it touches (``bench/scoped.py``), cached in the
request's (or event dispatch's) local state and forgotten when it ends.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from ._errors import ApiError

#: Where the route's owning plugin is written for the access check.
SCOPE_KEY = "taskflow.scope"
_CACHE = "scoped"


class Scopes:
    """Which project-scoped plugin is on in which project (``kernel.scopes``)."""

    def __init__(self, kernel):
        self.kernel = kernel
        self._names: frozenset[str] | None = None

    def names(self) -> frozenset[str]:
        """The names of the assembled project-scoped plugins (cached until plugins change)."""
        if self._names is None:
            self._names = frozenset(i.name for i in self.kernel.infos
                                    if is_project_scoped(i.plugin))
        return self._names

    def forget_plugins(self) -> None:
        self._names = None

    def enabled(self, project_id: int) -> frozenset[str]:
        """The project-scoped plugins on in ``project_id``."""
        return self.enabled_in([project_id]).get(project_id, frozenset())

    def enabled_in(self, project_ids: Iterable[Any]) -> dict[int, frozenset[str]]:
        """``project id -> plugins on`` for each id, in one query for those not cached."""
        if not self.names():
            return {}
        cache = self._cache()
        wanted = {p for p in project_ids if isinstance(p, int) and not isinstance(p, bool)}
        missing = sorted(wanted - cache.keys())
        if missing:
            found: dict[int, set[str]] = {p: set() for p in missing}
            marks = ", ".join("?" * len(missing))
            with self.kernel.database() as db:
                for row in db.fetchall(f"SELECT project_id, plugin FROM project_plugins "
                                       f"WHERE project_id IN ({marks})", missing):
                    found[row["project_id"]].add(row["plugin"])
            cache.update({p: frozenset(names) for p, names in found.items()})
        return {p: cache[p] for p in wanted}

    def applies(self, plugin: str, project_id: Any) -> bool:
        """Whether ``plugin`` takes part in ``project_id`` (always, unless it is scoped)."""
        if plugin not in self.names() or project_id is None:
            return True
        return plugin in self.enabled(project_id)

    def require(self, plugin: str, project_id: int) -> None:
        """404 naming ``plugin`` when it is off in ``project_id``."""
        if not self.applies(plugin, project_id):
            raise ApiError(404, f"The {plugin} plugin is not enabled in this project "
                                f"(project {project_id}): an owner turns it on under "
                                "Project settings > Plugins")

    def set(self, project_id: int, plugin: str, enabled: bool, actor_id: int | None) -> bool:
        """Turn ``plugin`` on or off in the project; whether that changed anything.

        Runs in the caller's transaction.
        """
        db = self.kernel.db
        was = db.scalar("SELECT 1 FROM project_plugins WHERE project_id = ? AND plugin = ?",
                        (project_id, plugin)) is not None
        if was == enabled:
            return False
        if enabled:
            db.execute("INSERT INTO project_plugins (project_id, plugin, enabled_by, enabled_at)"
                       " VALUES (?, ?, ?, ?)", (project_id, plugin, actor_id, time.time()))
        else:
            db.execute("DELETE FROM project_plugins WHERE project_id = ? AND plugin = ?",
                       (project_id, plugin))
        self._cache().pop(project_id, None)
        return True

    def annotate(self, projects: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``plugins: [names on]`` on each project row (for the UI's modules)."""
        on = self.enabled_in(p["id"] for p in projects)
        for project in projects:
            project["plugins"] = sorted(on.get(project["id"], ()))
        return projects

    def _cache(self) -> dict[int, frozenset[str]]:
        """The request's cache (no cache outside one: every answer is read fresh)."""
        local = self.kernel.connections.request_cache()
        if local is None:
            return {}
        cache = local.get(_CACHE)
        if cache is None:
            cache = local[_CACHE] = {}
        return cache


def is_project_scoped(plugin: Any) -> bool:
    """Whether a plugin object declares ``project_scoped = True``."""
    return getattr(plugin, "project_scoped", False) is True


def project_of(kind: str, row: dict[str, Any]) -> Any:
    """The project a represented row belongs to (``None``: not a project's row)."""
    if kind == "project":
        return row.get("id")
    return row.get("project_id")
