"""System routes: ``/health``, ``/admin/stats``, ``/openapi.json``, ``/docs``, ``/debug/*``
and ``/old-api``."""

from __future__ import annotations

import inspect
import logging
from typing import TYPE_CHECKING

from lcore import HTTPResponse, Lcore, ctx, response

from .. import __version__, _compat
from .._schema import AnyValue, Choice, Integer, ListOf, MapOf, Object, Schema, String
from .docs import add_docs_routes

if TYPE_CHECKING:
    from .. import TaskFlow

log = logging.getLogger("lcore_taskflow")


class PluginOut(Schema):
    name = String(required=True)
    version = String(required=True)


class Health(Schema):
    """Whether the server can serve: its database answers; the plugins it loaded."""

    status = Choice(("ok", "unavailable"), required=True)
    database = Choice(("ok", "unreachable"), required=True)
    plugins = ListOf(PluginOut, required=True)
    version = String(required=True)


class Stats(Schema):
    """Counts, request counts per route (this process) and recent audit entries."""

    counts = MapOf(Integer(minimum=0), required=True)
    requests = MapOf(Integer(minimum=0), required=True)
    audit = ListOf(Object(), required=True)


class RouteList(Schema):
    routes = ListOf(Object(), required=True)


class MiddlewareList(Schema):
    middleware = ListOf(Object(), required=True)
    host = AnyValue(required=True)


class ConfigOut(Schema):
    config = Object(required=True, description="Every setting; secrets shown as ***")


class RequestCounts(Schema):
    requests = MapOf(Integer(minimum=0), required=True)


class DIDemo(Schema):
    """The seed's dependency-injection demo."""

    trace_id_1 = String()
    trace_id_2 = String()
    cache_type = String()
    db_type = String()
    note = String()


def build_system_app(kernel: TaskFlow, core) -> Lcore:
    """Routes at the kernel's root; ``core`` is the kernel's CorePlugin."""
    app = Lcore()

    @app.get("/health", name="health", auth=False, returns=Health,
             responses=((503, Health),))
    def health():
        """Liveness and readiness: database reachable, plugins loaded."""
        body = {"status": "ok", "database": "ok", "plugins": kernel.plugin_list(),
                "version": __version__}
        try:
            kernel.db.ping()
        except Exception as exc:  # any engine failure means "not ready"
            log.error("health check: database unreachable: %s", exc)
            response.status = 503
            response.set_header("Retry-After", str(getattr(exc, "retry_after", 1)))
            body.update(status="unavailable", database="unreachable")
        return body

    @app.get("/admin/stats", name="admin_stats", auth="admin", returns=Stats)
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
        @app.get("/old-api", name="old_api", auth=False, status=301, returns=None)
        def old_api():
            """Moved permanently to /api/projects/."""
            # A relative Location (RFC 9110 §10.2.2): Lcore's redirect() would build an
            # absolute one from the client's Host header, which anyone can set.
            raise HTTPResponse(status=301, Location=kernel.url("/api/projects/"))

    add_docs_routes(app, kernel)
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


def _debug_routes(app: Lcore, kernel: TaskFlow, core) -> None:
    host = kernel.app

    @app.get("/debug/routes", name="debug_routes", auth="debug:access", returns=RouteList)
    def debug_routes():
        """Every route of the app, with its protection and plugins (debug, admin)."""
        return {"routes": [_describe(r) for r in host.routes]}

    @app.get("/debug/middleware", name="debug_middleware", auth="debug:access",
             returns=MiddlewareList)
    def debug_middleware():
        """TaskFlow's middleware in the order they run, and the host's (debug, admin)."""
        return {"middleware": kernel.pipeline.describe(), "host": host.show_middleware()}

    @app.get("/debug/config", name="debug_config", auth="debug:access", returns=ConfigOut)
    def debug_config():
        """The configuration, secrets shown as *** (debug, admin)."""
        return {"config": kernel.config.redacted()}

    @app.get("/debug/stats", name="debug_stats", auth="debug:access", returns=RequestCounts)
    def debug_stats():
        """Request counts per route (debug, admin)."""
        return {"requests": core.counter.get_stats()}

    @app.get("/debug/di", name="debug_di", auth="debug:access", returns=DIDemo)
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
