"""System routes: ``/health``, ``/admin/stats``, ``/debug/*`` and ``/old-api``."""

from __future__ import annotations

import inspect
import logging

from lcore import Lcore, ctx, redirect, response

from .. import __version__, _compat

log = logging.getLogger("lcore_taskflow")


def build_system_app(kernel, core) -> Lcore:
    """Routes at the kernel's root; ``core`` is the kernel's CorePlugin."""
    app = Lcore()

    @app.get("/health", name="health", auth=False)
    def health():
        """Liveness and readiness: database reachable, plugins loaded."""
        body = {"status": "ok", "database": "ok", "plugins": kernel.plugin_list(),
                "version": __version__}
        try:
            kernel.db.ping()
        except Exception as exc:  # any engine failure means "not ready"
            log.error("health check: database unreachable: %s", exc)
            response.status = 503
            body.update(status="unavailable", database="unreachable")
        return body

    @app.get("/admin/stats", name="admin_stats", auth="admin")
    def admin_stats():
        """Counts, per-route request counts and recent audit entries (admin)."""
        db = kernel.db
        return {
            "counts": {
                "users": db.count("users"),
                "projects": db.count("projects"),
                "tasks": db.scalar("SELECT COALESCE(SUM(task_count), 0) FROM projects"),
                "comments": db.count("comments"),
            },
            "requests": core.counter.get_stats(),
            "audit": core.audit.recent(20) if core.audit else [],
        }

    if kernel.config.old_api_redirect:
        @app.get("/old-api", name="old_api", auth=False)
        def old_api():
            """Moved permanently to /api/projects/."""
            redirect(kernel.url("/api/projects/"), 301)

    if kernel.config.debug:
        _debug_routes(app, kernel, core)
    return app


def _describe(route) -> dict:
    """A route for ``/debug/routes`` (not ``show_routes()``, which can loop; see _compat)."""
    callback = inspect.unwrap(route.callback)
    return {
        "method": route.method, "rule": route.rule, "name": route.name or "",
        "callback": f"{callback.__module__}:{callback.__qualname__}",
        "auth": route.config.get("auth"),
        "plugins": [getattr(p, "name", type(p).__name__) for p in route.all_plugins()],
    }


def _debug_routes(app: Lcore, kernel, core) -> None:
    host = kernel.app

    @app.get("/debug/routes", name="debug_routes", auth="debug:access")
    def debug_routes():
        """Every route of the app, with its protection and plugins (debug, admin)."""
        return {"routes": [_describe(r) for r in host.routes]}

    @app.get("/debug/middleware", name="debug_middleware", auth="debug:access")
    def debug_middleware():
        """TaskFlow's middleware in the order they run, and the host's (debug, admin)."""
        return {"middleware": kernel.pipeline.describe(), "host": host.show_middleware()}

    @app.get("/debug/config", name="debug_config", auth="debug:access")
    def debug_config():
        """The configuration, secrets shown as *** (debug, admin)."""
        return {"config": kernel.config.redacted()}

    @app.get("/debug/stats", name="debug_stats", auth="debug:access")
    def debug_stats():
        """Request counts per route (debug, admin)."""
        return {"requests": core.counter.get_stats()}

    @app.get("/debug/di", name="debug_di", auth="debug:access")
    def debug_di():
        """Dependency injection demo: singleton, scoped and transient lifetimes."""
        container = host._dependencies
        if container is None or "trace_id" not in container:
            return {"note": "the seed's DI entries exist only in TaskFlow's own app"}
        return {
            "trace_id_1": _compat.transient(container, "trace_id", ctx),
            "trace_id_2": _compat.transient(container, "trace_id", ctx),
            "cache_type": type(ctx.cache).__name__,
            "db_type": type(ctx.db).__name__,
        }
