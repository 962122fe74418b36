"""``CorePlugin``: the kernel's own features, registered through the same hooks."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__, _audit, events
from . import _migrate as migrations
from ._api.audit import build_audit_app
from ._api.i18n import build_i18n_app
from ._api.plugins import build_plugins_app
from ._api.projects import build_projects_app
from ._api.search import build_search_app
from ._api.system import build_system_app
from ._api.teams import build_teams_app
from ._api.users import build_users_app
from ._api.views import build_views_app
from ._cache import make_cache
from ._config import CoreConfig
from ._middleware import AuditLogHook, standard_stack
from ._plugins import CORE_API, hookimpl
from ._relations import open_blockers, stamp_blocked
from ._routeplugins import APIVersionPlugin, RequestCounterPlugin
from ._seed import seed_bulk, seed_demo

if TYPE_CHECKING:
    from . import TaskFlow
#: core's gettext catalogs (``locale/<lang>/LC_MESSAGES/core.po`` and ``.mo``).
LOCALE_DIRECTORY = Path(__file__).resolve().parent / "locale"


class CorePlugin:
    """Users, projects, tasks, comments, attachments, dashboard, system routes."""

    name = "core"
    version = __version__
    core_api = CORE_API

    def __init__(self):
        self.counter = RequestCounterPlugin()
        self.audit: AuditLogHook | None = None

    @hookimpl
    def taskflow_config_schema(self):
        return CoreConfig

    @hookimpl
    def taskflow_event_types(self):
        return list(events.CORE_EVENTS)

    @hookimpl
    def taskflow_migrations(self):
        return ("core", migrations.DIRECTORY)

    @hookimpl
    def taskflow_translations(self):
        return ("core", LOCALE_DIRECTORY)

    @hookimpl
    def taskflow_event(self, event, kernel: TaskFlow):
        """A task that became done (or open again) stamps the tasks it blocks in its own
        project: the change cursor then carries their new ``blocked_by_open`` to open boards.
        (Blocked tasks of other projects are left alone: stamping them would lock a second
        project's row inside this change; they show it on their board's next load.)"""
        if isinstance(event, events.TaskUpdated) and "done" in event.changes.get("status", ()):
            stamp_blocked(kernel.db, event.task)

    @hookimpl
    def taskflow_mounts(self, kernel: TaskFlow):
        return [
            ("/api/users/", build_users_app(kernel)),
            ("/api/projects/", build_projects_app(kernel)),
            ("/", build_teams_app(kernel)),
            ("/", build_audit_app(kernel)),
            ("/", build_plugins_app(kernel)),
            ("/", build_search_app(kernel)),
            ("/", build_views_app(kernel)),
            ("/", build_i18n_app(kernel)),
            ("/", build_system_app(kernel, self)),
        ]

    @hookimpl
    def taskflow_middleware(self, kernel: TaskFlow):
        stack = standard_stack(kernel.config)
        self.audit = next(mw for mw in stack if isinstance(mw, AuditLogHook))
        return stack

    @hookimpl
    def taskflow_route_plugins(self, kernel: TaskFlow):
        return [APIVersionPlugin(kernel.config.api_version), self.counter]

    @hookimpl
    def taskflow_dependencies(self, kernel: TaskFlow):
        """The seed's DI demo (``ctx.cache``, ``ctx.db``, ``ctx.trace_id``).

        Only in TaskFlow's own app: in a host's app these names may be the
        host's, and TaskFlow's code never needs them (it uses ``kernel.db``).
        """
        if not kernel.owns_app:
            return []
        return [
            ("cache", lambda: make_cache(kernel.config), "singleton"),
            ("db", lambda: kernel.db, "transient"),
            ("trace_id", lambda: str(uuid.uuid4()), "transient"),
        ]

    @hookimpl
    def taskflow_authorize(self, user, action, resource, kernel: TaskFlow):
        """``APP_PROJECT_CREATORS=members`` lets members create projects."""
        if (action == "projects:create" and user and user.get("role") == "member"
                and kernel.config.project_creators == "members"):
            return True
        return None

    @hookimpl(tryfirst=True)
    def taskflow_represent(self, kind, rows, kernel: TaskFlow):
        """``checklist: {done, total}`` from the counts every task row carries, and
        ``blocked_by_open``: how many open tasks the caller can see block it (one
        batched query, so a board shows "Blocked" without fetching each task)."""
        if kind == "task":
            blockers = open_blockers(kernel, [row["id"] for row in rows if "id" in row])
            count = blockers.get
            for row in rows:
                if "checklist_total" in row:
                    row["checklist"] = {"done": row.pop("checklist_done"),
                                        "total": row.pop("checklist_total")}
                row["blocked_by_open"] = count(row.get("id"), 0) if blockers else 0

    @hookimpl
    def taskflow_cli_commands(self, subparsers):
        audit = subparsers.add_parser("audit", help="the audit log").add_subparsers(
            dest="audit_command", required=True)
        prune = audit.add_parser("prune", help="delete entries older than "
                                 "APP_AUDIT_RETENTION_DAYS (default 365)")
        prune.add_argument("--days", type=int, metavar="N",
                           help="keep N days instead (default: the setting)")
        prune.set_defaults(handler=_prune_audit)
        search = subparsers.add_parser("search", help="the full-text index").add_subparsers(
            dest="search_command", required=True)
        search.add_parser("reindex", help="rebuild it from the tables (and plugins' text)"
                          ).set_defaults(handler=_reindex)

    @hookimpl
    def taskflow_seed(self, db, kernel: TaskFlow, options):
        sizes = {k: v for k, v in options.items() if k != "progress" and v}
        if not db.count("users"):
            seed_demo(db, kernel.config.password_iterations)
        if sizes:
            seed_bulk(db, sizes, options["progress"])

    @hookimpl(specname="taskflow_startup", tryfirst=True)
    def shared_state_startup(self, kernel: TaskFlow):
        """Rate limits shared through Redis (``APP_REDIS_URL``), or a warning
        that they are per process when several workers serve the app."""
        kernel.limits.configure(kernel.config)

    @hookimpl(specname="taskflow_startup", tryfirst=True)
    def runtime_settings_startup(self, kernel: TaskFlow):
        """Settings stored from the plugins screen apply from the start, also in a
        process that never serves a request (``taskflow notify worker``)."""
        kernel.runtime_settings.refresh(force=True)


def _prune_audit(kernel: TaskFlow, args) -> int:
    days = kernel.config.audit_retention_days if args.days is None else args.days
    if days < 1:
        print("--days: expected at least 1")
        return 2
    with kernel.database() as db, db.transaction():
        removed = _audit.prune(db, days)
    print(f"{removed} audit entr{'y' if removed == 1 else 'ies'} older than {days} days removed")
    return 0


def _reindex(kernel: TaskFlow, args) -> int:
    started = time.monotonic()
    count = kernel.search.reindex()
    print(f"search index rebuilt: {count} documents in {time.monotonic() - started:.1f} s")
    return 0
