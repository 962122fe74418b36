"""The seed's middleware stack: six of Lcore's built-ins and core's two own.

Auth contributes ``TokenAuthMiddleware`` (order 6) and ``AdminGuardHook``
(order 7) through the same ``taskflow_middleware`` hook, which lands them in
the seed's order::

    0 body_limit  1 request_id  2 request_logger  2 timing  3 cors
    5 security_headers  6 token_auth  7 admin_guard  8 audit_log  90 compression
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from types import SimpleNamespace

from lcore import (
    BodyLimitMiddleware,
    CompressionMiddleware,
    CORSMiddleware,
    HTTPResponse,
    Middleware,
    MiddlewareHook,
    ProxyFixMiddleware,
    RequestIDMiddleware,
    RequestLoggerMiddleware,
    SecurityHeadersMiddleware,
)

audit_log = logging.getLogger("lcore_taskflow.audit")
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class TimingMiddleware(Middleware):
    """Adds ``X-Response-Time`` (milliseconds spent in the handler chain)."""

    name = "timing"
    order = 2

    def __call__(self, ctx, next_handler):
        start = time.perf_counter()
        try:
            return next_handler(ctx)
        finally:
            ctx.response.set_header(
                "X-Response-Time", f"{(time.perf_counter() - start) * 1000:.2f}ms")


class AuditLogHook(MiddlewareHook):
    """Records every state-changing request: who, what, and the outcome.

    Entries go to the ``lcore_taskflow.audit`` logger and to a bounded
    in-memory ring that ``/admin/stats`` shows (per process).
    """

    name = "audit_log"
    order = 8

    def __init__(self, size: int = 200):
        self.entries: deque[dict] = deque(maxlen=size)
        self._lock = threading.Lock()

    def post(self, ctx, result):
        method = ctx.request.method
        if method not in STATE_CHANGING:
            return result
        status = (result.status_code if isinstance(result, HTTPResponse)
                  else ctx.response.status_code)
        user = ctx.user or {}
        entry = {
            "time": time.time(),
            "method": method,
            "path": ctx.request.path,
            "status": status,
            "user": user.get("username"),
            "request_id": ctx.request_id,
        }
        with self._lock:
            self.entries.append(entry)
        audit_log.info("%(method)s %(path)s -> %(status)s by %(user)s", entry)
        return result

    def recent(self, limit: int = 20) -> list[dict]:
        with self._lock:
            return list(self.entries)[-limit:][::-1]


class ResponseSafeCompression(CompressionMiddleware):
    """Lcore's gzip middleware, minus its one trap: it leaves whole responses alone.

    Lcore's version treats an ``HTTPResponse`` result (every error answer,
    a redirect, a ``static_file`` download) as a plain iterable body: the
    status and headers are lost, so with ``Accept-Encoding: gzip`` a 404
    went out as ``200 text/html``.  Those answers pass through unchanged.
    """

    def __call__(self, ctx, next_handler):
        def inner(ctx_):
            result = next_handler(ctx_)
            if isinstance(result, HTTPResponse):
                raise _Passthrough(result)
            return result

        try:
            return super().__call__(ctx, inner)
        except _Passthrough as skip:
            return skip.response


class _Passthrough(Exception):
    def __init__(self, response: HTTPResponse):
        super().__init__()
        self.response = response


def standard_stack(config) -> list[Middleware]:
    """Core's part of the stack, configured from the validated settings."""
    origins = config.cors_origins or ["*"]
    wildcard = "*" in origins
    # Behind a reverse proxy, trust its X-Forwarded-For so rate limits and logs
    # see the real client instead of the proxy's address.
    proxy = ([ProxyFixMiddleware(trusted_proxies=config.trusted_proxies)]
             if config.trusted_proxies else [])
    return [
        *proxy,
        BodyLimitMiddleware(max_size=config.max_upload_size),
        RequestIDMiddleware(),
        RequestLoggerMiddleware(logger=logging.getLogger("lcore_taskflow.http")),
        TimingMiddleware(),
        CORSMiddleware(
            allow_origins="*" if wildcard else list(origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Content-Type", "Authorization", "X-CSRF-Token",
                           "X-Requested-With", "X-Request-ID"],
            expose_headers=["X-Request-ID", "X-Response-Time", "X-API-Version"],
            allow_credentials=not wildcard,
            max_age=86400,
        ),
        SecurityHeadersMiddleware(hsts=config.hsts, hsts_max_age=31536000),
        AuditLogHook(),
        ResponseSafeCompression(min_size=256, level=6),
    ]


def stamp_missing_headers(request, response, security: SecurityHeadersMiddleware | None,
                          *, api_version: str | None = None,
                          cors: CORSMiddleware | None = None) -> None:
    """Give answers decided before routing the headers of every response.

    Lcore runs post-phase middleware only around a matched route; an answer
    made in the pre-routing phase (413 from the body limit, a CORS preflight)
    skips them.  Called from the ``after_request`` hook; does nothing when the
    middleware already ran.
    """
    if response.get_header("X-Request-ID"):
        return
    response.set_header("X-Request-ID", request.get_header("X-Request-ID") or str(uuid.uuid4()))
    response.set_header("X-Response-Time", "0.00ms")
    for key, value in (security.headers.items() if security else ()):
        response.set_header(key, value)
    if api_version and not response.get_header("X-API-Version"):
        response.set_header("X-API-Version", api_version)
    origin = request.get_header("Origin")
    if (cors is not None and not response.get_header("Access-Control-Allow-Origin")
            and cors._origin_allowed(origin)):
        # A 413 from the body limit never reached the CORS middleware; without
        # these headers a browser could not read the error.
        cors._set_cors_headers(SimpleNamespace(response=response), origin)
