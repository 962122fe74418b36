"""Error responses: one JSON shape, one place that renders them.

Every 4xx/5xx answer is ``{"error": message, "status": code}`` (plus
``"fields"`` for validation errors), unless a plugin's
``taskflow_render_error`` returns a body of its own (the ui package renders
HTML pages).  Tracebacks are logged, never sent, outside debug mode.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import traceback
from collections.abc import Mapping
from typing import Any

from lcore import HTTP_CODES, HTTPError, HTTPResponse, request, response

log = logging.getLogger("lcore_taskflow")


class ApiError(HTTPError):
    """An HTTP error with a message that names the problem.

    ``raise ApiError(422, "Validation failed", fields={"email": "..."})``.
    """

    def __init__(self, status: int, message: str, *, fields: Mapping[str, str] | None = None,
                 headers: Mapping[str, str] | None = None):
        super().__init__(status, message, **dict(headers or {}))
        self.message = message
        self.fields = dict(fields) if fields else None


def validation_error(fields: Mapping[str, str], message: str = "Validation failed") -> ApiError:
    return ApiError(422, message, fields=fields)


def _message(err: HTTPResponse) -> str:
    message = getattr(err, "message", None)
    if message:
        return message
    body = getattr(err, "body", None)
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str) and body.strip():
        return body
    return HTTP_CODES.get(err.status_code, "Error")


def error_payload(err: HTTPResponse) -> dict[str, Any]:
    status = err.status_code
    if status >= 500:
        message = "Internal Server Error" if status == 500 else _message(err)
    else:
        message = _message(err)
    payload: dict[str, Any] = {"error": message, "status": status}
    fields = getattr(err, "fields", None)
    if fields:
        payload["fields"] = fields
    return payload


def make_error_handler(kernel):
    """The Lcore error handler the kernel registers for every 4xx/5xx code."""

    def handle(err: HTTPResponse) -> str:
        payload = error_payload(err)
        if err.status_code >= 500 and getattr(err, "traceback", None):
            log.error("%s %s failed:\n%s", request.method, request.path, err.traceback)
            if kernel.config.get("debug"):
                payload["traceback"] = err.traceback
        rendered = kernel.hook.taskflow_render_error(
            status=payload["status"], message=payload["error"], request=request, kernel=kernel)
        if rendered is not None:
            return rendered
        response.content_type = "application/json"
        return json.dumps(payload)

    return handle


def install_error_handlers(app, kernel) -> None:
    handler = make_error_handler(kernel)
    for code in HTTP_CODES:
        if code >= 400:
            app.error(code, handler)


class ErrorShield:
    """Route plugin, kept innermost by the kernel: runs the handler itself.

    * An unexpected exception becomes a logged 500 *response*: Lcore turns an
      exception into a 500 only after the middleware chain has unwound, so the
      answer would miss the request id, timing and security headers.
    * An ``async def`` handler's coroutine is run to completion here, so every
      other route plugin sees its result instead of a coroutine object.
    """

    name = "taskflow_error_shield"
    api = 2

    def apply(self, callback, route):
        def wrapper(*args, **kwargs):
            try:
                result = callback(*args, **kwargs)
                if inspect.iscoroutine(result):
                    result = asyncio.run(result)
                return result
            except HTTPResponse as resp:
                return resp
            except Exception as exc:
                return HTTPError(500, "Internal Server Error", exc, traceback.format_exc())

        return wrapper


def route_misses_through_pipeline(app) -> None:
    """Send 404/405 answers through the route plugins and middleware.

    Lcore's router raises 404/405 before the middleware chain runs, so those
    answers would carry no request id, CORS or security headers and would not
    be logged.  Here a miss is answered by a route of the app that raises the
    same error, so it flows through the whole pipeline like any other answer.
    """
    from lcore import Route

    def miss():
        raise request.environ["taskflow.miss"]

    fallback = Route(app, "/<:re:.*>", "ANY", miss, name="taskflow_miss")
    router = app.router
    match = router.match

    def match_or_fallback(environ):
        try:
            return match(environ)
        except HTTPError as err:
            if err.status_code not in (404, 405):
                raise
            environ["taskflow.miss"] = err
            return fallback, {}

    router.match = match_or_fallback
    # The fallback is not in app.routes, so app.reset() would not refresh it.
    app.add_hook("app_reset", fallback.reset)
