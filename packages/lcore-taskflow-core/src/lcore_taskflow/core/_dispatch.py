"""Events to their listeners and rows to the plugins that add fields.

Both hooks run isolated: one plugin failing is logged with its name and its
own writes (or the fields it added) are undone; the change, the response and
the other plugins stay.  A project-scoped plugin hears only the events and
rows of projects where it is on (``_scoped.py``).
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from lcore import HTTPResponse

from . import _audit
from ._activity import record as record_activity
from ._scoped import project_of
from .events import Event, ProjectDeleted

log = logging.getLogger("lcore_taskflow")
_MANY = object()


class Dispatch:
    """The declared event types of one kernel, ``emit`` and ``represent``."""

    def __init__(self, kernel: Any):
        self.kernel = kernel
        #: every declared event class by its ``type`` (core's and the plugins')
        self.types: dict[str, type[Event]] = {}

    def emit(self, event: Event) -> set[str]:
        """Record and dispatch ``event`` (see ``TaskFlow.emit``); returns the names of
        the plugins whose listener failed."""
        declared = self.types.get(type(event).type)
        if declared is not type(event):
            raise TypeError(f"{type(event).__qualname__} ({type(event).type!r}) is not a "
                            "declared event type: return its class from taskflow_event_types")
        kernel, failed = self.kernel, set()
        with kernel.database() as db, (
                contextlib.nullcontext() if db.in_transaction else db.transaction()):
            record_activity(kernel, event)
            _audit.record_event(kernel, event)
            scoped = kernel.scopes.names()
            for name, listener in kernel.registry.isolated("taskflow_event"):
                if name in scoped and not self._hears(name, event):
                    continue
                try:
                    with db.transaction():
                        listener(event=event, kernel=kernel)
                except HTTPResponse:
                    raise  # a listener refusing the change (ApiError): the client hears it
                except Exception:
                    log.exception("plugin %s failed on event %s", name, event.type)
                    failed.add(name)
        return failed

    def _hears(self, plugin: str, event: Event) -> bool:
        """Whether a project-scoped plugin's listener gets ``event``: events of projects
        where it is on, of no project, and every ``project.deleted`` (to clean up what
        it stored while it was on)."""
        if isinstance(event, ProjectDeleted):
            return True
        return self.kernel.scopes.applies(plugin, event.project_id)

    def represent(self, kind: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Let plugins add their fields to ``rows`` (see ``TaskFlow.represent``)."""
        kernel = self.kernel
        if not (rows and kernel.implemented("taskflow_represent")):
            return rows
        db = kernel.connections.current()
        guarded = db is not None and db.in_transaction  # PostgreSQL: a failure spoils it
        scoped = kernel.scopes.names()
        split = _RowScopes(kernel, kind, rows) if scoped else None
        for name, represent in kernel.registry.isolated("taskflow_represent"):
            if name in scoped:  # only the rows of projects where it is on
                assert split is not None  # made whenever a plugin is scoped
                if not (mine := split.rows_of(name)):
                    continue
                kwargs = {"kind": kind, "rows": mine, "kernel": kernel}
            else:
                kwargs = {"kind": kind, "rows": rows, "kernel": kernel}
            sizes = list(map(len, rows))
            try:
                with db.transaction() if guarded else contextlib.nullcontext():
                    represent(**kwargs)
            except Exception:
                log.exception("plugin %s failed in taskflow_represent (%d %s rows): the "
                              "response goes without its fields", name, len(rows), kind)
                for row, size in zip(rows, sizes):
                    for key in list(row)[size:]:  # what it added (dicts keep order)
                        del row[key]
        return rows


class _RowScopes:
    """The rows of one ``represent`` call by project, for its project-scoped plugins."""

    def __init__(self, kernel: Any, kind: str, rows: list[dict[str, Any]]):
        self.rows = rows
        self.pids = [project_of(kind, row) for row in rows]
        distinct = set(self.pids)
        self.on = kernel.scopes.enabled_in(distinct)  # one query at most, cached
        # the usual case, one project's rows: each plugin gets all of them or none
        self.single = next(iter(distinct)) if len(distinct) == 1 else _MANY

    def rows_of(self, plugin: str) -> list[dict[str, Any]]:
        """The rows of projects where ``plugin`` is on, and rows of no project."""
        if self.single is not _MANY:
            if self.single is None or plugin in self.on.get(self.single, ()):
                return self.rows
            return []
        return [row for row, pid in zip(self.rows, self.pids)
                if pid is None or plugin in self.on.get(pid, ())]
