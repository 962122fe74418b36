"""Every workaround for a gap in Lcore, in one place (pluggy's ``_compat`` style).

Each shim says what Lcore does wrong, carries a version guard (``ACTIVE``:
on for the Lcore releases known to need it) and has a test in
``tests/test_core_compat.py`` that reproduces the gap on plain Lcore and
fails once a release fixes it, so the shim can go.  Nothing here changes
process-wide state (no warnings filters, no module patching): each shim acts
on one app, one route or one request of TaskFlow's.

Lcore features TaskFlow does not use because of a gap, so need no shim:
``ConfigDict.validate_config`` (maps ``smtp_host`` to ``smtp.host``) and
``ConfigDict.load_dotenv`` (writes into ``os.environ``) — see ``_config.py``;
``ctx`` as the carrier of TaskFlow's request state (Lcore leaves it bound to a
thread's previous request and caches "transient" dependencies) — the kernel
keeps its own per-request state.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import logging
import time
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

import lcore
from lcore import (
    CompressionMiddleware,
    CORSMiddleware,
    HTTPError,
    HTTPResponse,
    RequestLoggerMiddleware,
    Route,
    Router,
)


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


LCORE_VERSION = _version(getattr(lcore, "__version__", "0"))
NEWEST_CHECKED = (0, 0, 5)
#: The shims are active on every Lcore release up to the newest one checked.
#: A newer release switches them off; ``test_core_compat.py`` then tells
#: which gaps it really closed (a test per shim compares ``ACTIVE`` with the
#: behaviour of plain Lcore).
ACTIVE = LCORE_VERSION <= NEWEST_CHECKED


# ---------------------------------------------------------------- routes
def plain_callback_lookup(route: Route) -> None:
    """``route.get_undecorated_callback()`` loops forever on a nested handler.

    Lcore follows closures to find the undecorated function and never ends
    on a handler whose closure holds no callable (every TaskFlow handler
    closes over its kernel), which hangs ``show_routes()`` and ``/docs``.
    Following ``__wrapped__`` (``inspect.unwrap``) is enough.
    """
    if ACTIVE:
        route.get_undecorated_callback = lambda: inspect.unwrap(route.callback)


def rebind(route: Route, host: lcore.Lcore, rule: str) -> Route:
    """Move a sub-app's route into ``host`` so the host's route plugins wrap it.

    ``host.mount(prefix, subapp)`` keeps each route bound to its sub-app, so
    ``route.all_plugins()`` never sees the plugins installed in the host
    (SPEC §2 wants them to apply to every route).  Rebinding the route to the
    host fixes that; plugins the sub-app installed itself stay with the route.
    """
    own = [p for p in route.app.plugins if getattr(p, "name", None) not in ("json", "template")]
    route.plugins = own + list(route.plugins)
    route.app = host
    route.rule = rule
    plain_callback_lookup(route)
    return route


def sync_callback(callback):
    """Run an ``async def`` handler to completion in a plain function.

    Lcore warns at every route build that an ``async def`` handler blocks a
    WSGI worker (it runs it anyway); the seed's dashboard is async on
    purpose (it gathers queries that run on pooled connections).  Handing
    Lcore a plain function keeps the warning, a process-wide side effect,
    out of the host's logs.
    """
    if not inspect.iscoroutinefunction(callback):
        return callback

    @functools.wraps(callback)
    def run(*args, **kwargs):
        return asyncio.run(callback(*args, **kwargs))

    return run


def rebuild_router(app: lcore.Lcore) -> None:
    """Drop routes from Lcore's router: it can only add, so build it anew."""
    old = app.router
    router = Router(strict=old.strict_order)
    router.filters.update(old.filters)
    misses = getattr(old, "taskflow_misses", None)
    for route in app.routes:
        router.add(route.rule, route.method, route, name=route.name)
    app.router = router
    if misses is not None:
        _install_miss_resolver(app, misses)


# ----------------------------------------------------------- 404 and 405
def route_misses(app: lcore.Lcore, resolve) -> None:
    """Let ``resolve(environ, error)`` answer 404/405 with a route of its own.

    Lcore's router raises 404/405 before any route plugin or middleware runs,
    so a miss would carry none of TaskFlow's headers and skip its JSON error.
    ``resolve`` returns ``(route, args)`` for a miss TaskFlow owns, else
    ``None`` (the host's miss stays exactly as Lcore answers it).  Several
    kernels in one app each add a resolver.
    """
    misses = getattr(app.router, "taskflow_misses", None)
    if misses is None:
        misses = []
        _install_miss_resolver(app, misses)
    misses.append(resolve)


def _install_miss_resolver(app: lcore.Lcore, misses: list) -> None:
    router = app.router
    match = router.match

    def match_or_resolve(environ):
        try:
            return match(environ)
        except HTTPError as err:
            if err.status_code not in (404, 405):
                raise
            for resolve in misses:
                found = resolve(environ, err)
                if found is not None:
                    return found
            raise

    router.match = match_or_resolve
    router.taskflow_misses = misses


# ----------------------------------------------------------- middleware
class SafeCompression(CompressionMiddleware):
    """Lcore's gzip middleware, minus its trap: a whole response passes through.

    Lcore's version treats an ``HTTPResponse`` result (every error answer,
    a redirect, a ``static_file`` download) as a plain iterable body, so the
    status and headers were lost: with ``Accept-Encoding: gzip`` a 404 went
    out as ``200 text/html``.
    """

    def __call__(self, ctx, next_handler):
        if not ACTIVE:
            return super().__call__(ctx, next_handler)
        passthrough = []

        def inner(ctx_):
            result = next_handler(ctx_)
            if isinstance(result, HTTPResponse):
                passthrough.append(result)
                return b""
            return result

        result = super().__call__(ctx, inner)
        return passthrough[0] if passthrough else result


class AccessLog(RequestLoggerMiddleware):
    """Lcore's JSON request log, with the status the client really gets.

    Lcore reads ``ctx.response.status_code`` when the handler returns, but
    an error answer is an ``HTTPResponse`` *result* whose status reaches the
    response only later, so every 401/404/422/500 was logged as 200; and
    one *raised* by a later middleware was logged as 500.
    """

    def __call__(self, ctx, next_handler):
        if not ACTIVE:
            return super().__call__(ctx, next_handler)
        start = time.monotonic()
        result = None
        try:
            result = next_handler(ctx)
            return result
        except HTTPResponse as answer:
            # A refusal raised by a later middleware (the 429 of a rate limit, a 413)
            # is the answer the client gets, not a failure: log its status, not 500.
            result = answer
            raise
        finally:
            if self.logger.isEnabledFor(logging.INFO):
                status = (result.status_code if isinstance(result, HTTPResponse)
                          else ctx.response.status_code if result is not None else 500)
                self.logger.info(json.dumps({
                    "timestamp": datetime.now(timezone.utc).isoformat(),
                    "request_id": getattr(ctx, "request_id", None),
                    "method": ctx.request.method,
                    "path": ctx.request.path,
                    "status": status,
                    "duration_ms": round((time.monotonic() - start) * 1000, 2),
                    "remote_addr": ctx.request.remote_addr,
                }))


def cors_headers(cors: CORSMiddleware, origin: str | None, response) -> None:
    """Give an answer that never reached the CORS middleware its headers.

    Lcore exposes no public way to ask a ``CORSMiddleware`` for its headers;
    an answer refused before it ran (413 from the body limit) would be
    unreadable to the browser without them.
    """
    if origin and cors._origin_allowed(origin) \
            and not response.get_header("Access-Control-Allow-Origin"):
        cors._set_cors_headers(SimpleNamespace(response=response), origin)


# ------------------------------------------------------------ rate limits
def trust_proxies(environ: dict, trusted: frozenset[str]) -> None:
    """Tell Lcore which proxies a TaskFlow request may come through.

    ``request.remote_addr`` trusts ``X-Forwarded-For`` only from the
    addresses in ``environ['lcore.trusted_proxies']``, which Lcore sets only
    through an app-wide setting or ``ProxyFixMiddleware`` (a pre-routing
    middleware of the whole app, i.e. the host's).  TaskFlow sets the key for
    its own routes (``APP_TRUSTED_PROXIES``; an empty set trusts no header),
    which also keeps ``rate_limit``'s loopback warning quiet.
    """
    environ.setdefault("lcore.trusted_proxies", trusted)


def transient(container, name: str, ctx) -> Any:
    """Resolve a DI entry through the container, as a "transient" should be.

    Lcore's ``ctx`` caches a transient dependency after its first read
    (``RequestContext`` stores lazy values in ``ctx.state``), so ``ctx.x``
    twice gives one value; the seed's DI demo shows a new one per read.
    """
    return container.resolve(name, ctx)


def uninject(app: lcore.Lcore, name: str) -> None:
    """Take back a dependency: Lcore's ``DependencyContainer`` can only register."""
    container = app._dependencies
    if container is not None:
        container._registry.pop(name, None)
        container._singletons.pop(name, None)
