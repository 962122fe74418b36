"""System routes: ``/health``, ``/admin/stats``, ``/debug/*`` and ``/old-api``."""

from __future__ import annotations

import inspect
import logging

from lcore import Lcore, ctx, redirect, response

from .. import __version__

log = logging.getLogger("lcore_taskflow")


def build_system_app(kernel, core) -> Lcore:
    """Routes merged at the root; ``core`` is the kernel's CorePlugin."""
    app = Lcore()

    @app.get("/health", name="health")
    def health():
        """Liveness and readiness: database reachable, plugins loaded."""
        body = {"status": "ok", "database": "ok", "plugins": kernel.plugin_list(),
                "version": __version__}
        try:
            ctx.db.ping()
        except Exception as exc:  # any engine failure means "not ready"
            log.error("health check: database unreachable: %s", exc)
            response.status = 503
            body.update(status="unavailable", database="unreachable")
        return body

    @app.get("/admin/stats", name="admin_stats")
    def admin_stats():
        """Counts, per-route request counts and recent audit entries (admin)."""
        kernel.require("admin:access")
        db = ctx.db
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

    @app.get("/old-api", name="old_api")
    def old_api():
        """Moved permanently to /api/projects/."""
        redirect("/api/projects/", 301)

    if kernel.config.debug:
        _debug_routes(app, kernel, core)
    return app


def _describe(route) -> dict:
    """A route for ``/debug/routes``.

    Not Lcore's ``show_routes()``: its ``get_undecorated_callback`` loops
    forever on a nested handler whose closure holds no callable (the kernel
    patches that only on the routes it mounts; the host may have others).
    """
    callback = inspect.unwrap(route.callback)
    return {
        "method": route.method, "rule": route.rule, "name": route.name or "",
        "callback": f"{callback.__module__}:{callback.__qualname__}",
        "plugins": [getattr(p, "name", type(p).__name__) for p in route.all_plugins()],
    }


def _debug_routes(app: Lcore, kernel, core) -> None:
    host = kernel.app

    def guard():
        kernel.require("debug:access")

    @app.get("/debug/routes", name="debug_routes")
    def debug_routes():
        guard()
        return {"routes": [_describe(r) for r in host.routes]}

    @app.get("/debug/middleware", name="debug_middleware")
    def debug_middleware():
        guard()
        return {"middleware": host.show_middleware()}

    @app.get("/debug/config", name="debug_config")
    def debug_config():
        guard()
        return {"config": kernel.config.redacted()}

    @app.get("/debug/stats", name="debug_stats")
    def debug_stats():
        guard()
        return {"requests": core.counter.get_stats()}

    @app.get("/debug/di", name="debug_di")
    def debug_di():
        """Dependency injection demo: singleton, scoped and transient lifetimes."""
        guard()
        # ctx caches a transient after its first read (Lcore's RequestContext
        # stores lazy values in ctx.state), so resolve through the container
        # to show what "transient" means: a new value on every resolution.
        container = host._dependencies
        return {
            "trace_id_1": container.resolve("trace_id", ctx),
            "trace_id_2": container.resolve("trace_id", ctx),
            "cache_type": type(ctx.cache).__name__,
            "db_type": type(ctx.db).__name__,
        }
