"""The seed's middleware stack: Lcore's built-ins and core's own.

Auth contributes ``TokenAuthMiddleware`` (order 6) and ``AdminGuardHook``
(order 7) through the same ``taskflow_middleware`` hook, which lands them in
the seed's order::

    0 body_limit  1 request_id  2 request_logger  2 timing  3 cors
    5 security_headers  6 token_auth  7 admin_guard  8 audit_log  90 compression

They wrap TaskFlow's routes only (``_pipeline.py``); a host lists their
names in ``APP_HOST_FEATURES`` to have them on its own routes too.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections import deque

from lcore import (
    BodyLimitMiddleware,
    CORSMiddleware,
    HTTPResponse,
    Middleware,
    RequestIDMiddleware,
    SecurityHeadersMiddleware,
)

from ._compat import AccessLog, SafeCompression

audit_log = logging.getLogger("lcore_taskflow.audit")
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class BoundedRequestID(RequestIDMiddleware):
    """``X-Request-ID``: the client's, if it is a short token, else a new UUID.

    Lcore's middleware echoes whatever the client sent, at any length and
    with any characters, into the response and every log line.
    """

    def __call__(self, ctx, next_handler):
        given = ctx.request.get_header("X-Request-ID")
        req_id = given if given and REQUEST_ID.match(given) else str(uuid.uuid4())
        ctx.request_id = req_id
        result = next_handler(ctx)
        ctx.response.set_header("X-Request-ID", req_id)
        return result


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


class AuditLogHook(Middleware):
    """Records every state-changing request: who, what, and the outcome.

    Entries go to the ``lcore_taskflow.audit`` logger and to a bounded
    in-memory ring that ``/admin/stats`` shows (per process).
    """

    name = "audit_log"
    order = 8

    def __init__(self, size: int = 200):
        self.entries: deque[dict] = deque(maxlen=size)
        self._lock = threading.Lock()

    def __call__(self, ctx, next_handler):
        result = next_handler(ctx)
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


def standard_stack(config) -> list[Middleware]:
    """Core's part of the stack, configured from the validated settings."""
    origins = config.cors_origins or ["*"]
    wildcard = "*" in origins
    return [
        BodyLimitMiddleware(max_size=config.max_upload_size),
        BoundedRequestID(),
        AccessLog(logger=logging.getLogger("lcore_taskflow.http")),
        TimingMiddleware(),
        CORSMiddleware(
            allow_origins="*" if wildcard else list(origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Content-Type", "Authorization",
                           "X-Requested-With", "X-Request-ID"],
            expose_headers=["X-Request-ID", "X-Response-Time", "X-API-Version", "Retry-After"],
            allow_credentials=not wildcard,
            max_age=86400,
        ),
        SecurityHeadersMiddleware(hsts=config.hsts, hsts_max_age=31536000),
        AuditLogHook(),
        SafeCompression(min_size=256, level=6),
    ]
