"""Route tables: handlers as named functions, registered from one tuple.

A module lists its endpoints as ``(method, rule, handler, options)`` rows (the
options are Lcore's route config: ``name``, ``auth``, ``role``, ``body`` ...) and
registers them with :func:`add_routes`; the handlers stay plain functions that
take what is bound (usually the kernel) and then the URL's values, so each can be
read, tested and documented on its own instead of living as a closure inside a
long route builder.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any

#: One row of a route table: ``(method, rule, handler, options)``.
Route = tuple[str, str, Callable[..., Any], dict[str, Any]]


def _bound(handler: Callable[..., Any], bound: tuple[Any, ...]) -> Callable[..., Any]:
    """``handler`` as a route callback: Lcore passes the URL's values, ``bound`` goes
    first (``functools.wraps``: the OpenAPI document reads the handler's docstring)."""
    if not bound:
        return handler
    if inspect.iscoroutinefunction(handler):  # stays one, so the kernel runs it
        @functools.wraps(handler)
        async def coroutine(*args: Any, **kwargs: Any) -> Any:
            return await handler(*bound, *args, **kwargs)
        return coroutine

    @functools.wraps(handler)
    def callback(*args: Any, **kwargs: Any) -> Any:
        return handler(*bound, *args, **kwargs)
    return callback


def _limited(callback: Callable[..., Any], spec: Any, kernel: Any) -> Callable[..., Any]:
    """``callback`` behind ``kernel.limits`` as the route's ``limit=`` option says."""
    bucket, limit, per = spec(kernel) if callable(spec) else spec
    config = kernel.config
    return kernel.limits.limit(bucket, config.rate_limit_default if limit is None else limit,
                               config.rate_limit_window if per is None else per)(callback)


def add_routes(app: Any, routes: Iterable[Route], *bound: Any) -> None:
    """Register every ``(method, rule, handler, options)`` of ``routes`` on ``app`` in
    order, each handler called with ``bound`` (e.g. the kernel) before the URL's values.

    ``options`` are passed to ``app.route`` unchanged (``name``, ``auth``, ``role``,
    ``body``, ``query``, ``returns`` ... as for a decorated route), except
    ``limit=(bucket, limit, per)``: the handler is rate-limited by the kernel bound
    first (``kernel.limits.limit``; a ``None`` limit or period is the configured
    default, ``APP_RATE_LIMIT_DEFAULT`` / ``APP_RATE_LIMIT_WINDOW``), and
    ``/openapi.json`` documents its 429.  ``limit`` may also be a function of the
    kernel returning that triple, for limits that come from the configuration."""
    for method, rule, handler, options in routes:
        callback = _bound(handler, bound)
        if "limit" in options:
            options = dict(options)
            callback = _limited(callback, options.pop("limit"), bound[0])
        app.route(rule, method, **options)(callback)
