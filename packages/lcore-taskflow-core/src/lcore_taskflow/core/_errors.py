"""Error responses: one JSON shape, one place that renders them.

Every 4xx/5xx answer is ``{"error": message, "status": code}`` (plus
``"fields"`` for validation errors), unless a plugin's
``taskflow_render_error`` returns a body of its own (the ui package renders
HTML pages).  Tracebacks are logged, never sent, outside debug mode.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lcore import HTTP_CODES, HTTPError, HTTPResponse, request, response

if TYPE_CHECKING:
    from . import TaskFlow
from ._i18n import N_, Message, Translator, request_language, vary_headers
from ._json import dumps

log = logging.getLogger("lcore_taskflow")

#: Texts Lcore itself answers with (and the reason phrases used when an error has
#: none), marked so that core's catalog translates them like TaskFlow's own.
LCORE_TEXTS = (
    N_("Path has wrong format."), N_("Method not allowed."), N_("Invalid JSON"),
    N_("Request body exceeds size limit"), N_("Error while parsing chunked transfer body."),
    N_("Request entity too large"), N_("Too Many Requests"), N_("Access denied."),
    N_("File does not exist."), N_("Bad Request"), N_("Unauthorized"), N_("Forbidden"),
    N_("Not Found"), N_("Method Not Allowed"), N_("Conflict"), N_("Payload Too Large"),
    N_("Unprocessable Entity"), N_("Request Entity Too Large"),
    N_("Internal Server Error"), N_("Service Unavailable"),
)


class ApiError(HTTPError):
    """An HTTP error with a message that names the problem.

    ``raise ApiError(422, "Validation failed", fields={"email": "..."})``;
    ``extra`` adds keys of its own to the JSON body (``{"totp_required": True}``).
    The message is an English msgid, translated into the caller's language
    when the answer is rendered: values go in ``params``, named in the text
    (``ApiError(404, "Task {id} not found", params={"id": 7})``); a
    ``fields`` value may be a :class:`lcore_taskflow.core.Message`.
    """

    def __init__(self, status: int, message: str, *, fields: Mapping[str, str] | None = None,
                 headers: Mapping[str, str] | None = None,
                 extra: Mapping[str, Any] | None = None,
                 params: Mapping[str, Any] | None = None):
        if params:
            message = Message(message, **params)
            self.args = (status, message)  # str(err): the filled-in text, not the msgid
        super().__init__(status, message, **dict(headers or {}))
        self.message = message
        self.fields = dict(fields) if fields else None
        self.extra = dict(extra) if extra else None


def validation_error(fields: Mapping[str, str], message: str = "Validation failed") -> ApiError:
    """The 422 :class:`ApiError` naming each bad field: ``raise validation_error({...})``."""
    return ApiError(422, message, fields=fields)


def _message(err: HTTPResponse) -> str:
    message = getattr(err, "message", None)
    if message:
        return message
    body = getattr(err, "body", None)
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str) and body.strip():
        if err.status_code == 404 and body.startswith("Not found: "):  # Lcore's router
            return Message("Not found: {path}", path=body[len("Not found: "):])
        return body
    return HTTP_CODES.get(err.status_code, "Error")


def error_payload(err: HTTPResponse, translator: Translator | None = None) -> dict[str, Any]:
    """The JSON body of ``err``; its texts in ``translator``'s language when given."""
    status = err.status_code
    if status >= 500:
        message = "Internal Server Error" if status == 500 else _message(err)
    else:
        message = _message(err)
    fields = getattr(err, "fields", None)
    if translator is not None:
        message = translator.translate(message)
        fields = {k: translator.translate(v) for k, v in fields.items()} if fields else fields
    payload: dict[str, Any] = {"error": message, "status": status}
    if fields:
        payload["fields"] = fields
    for key, value in (getattr(err, "extra", None) or {}).items():
        payload.setdefault(key, value)
    return payload


def error_body(kernel: TaskFlow, err: HTTPResponse) -> tuple[str | bytes, str | None]:
    """The body of an error answer and its content type (``None``: the renderer set it).

    A plugin's ``taskflow_render_error`` (the ui's HTML pages) comes first,
    except under ``/api/`` (always JSON); otherwise the JSON shape of SPEC §4.
    A 500 is logged with its traceback, which only debug mode sends.  The
    texts are in the caller's language (``request_language``).
    """
    language = request_language(kernel)
    request.environ["taskflow.error_language"] = language
    payload = error_payload(err, Translator(kernel, language))
    if err.status_code >= 500 and getattr(err, "traceback", None):
        log.error("%s %s failed:\n%s", request.method, request.path, err.traceback)
        if kernel.config.get("debug"):
            payload["traceback"] = err.traceback
    # Under /api/ the contract is JSON whatever the client's Accept (SPEC §13):
    # a page there would be an answer the API's document does not describe.
    if not request.path.startswith(kernel.url("/api/")):
        rendered = kernel.hook.taskflow_render_error(
            status=payload["status"], message=payload["error"], request=request, kernel=kernel)
        if rendered is not None:
            return rendered, None
    return dumps(payload), "application/json"


def render(kernel: TaskFlow, err: HTTPResponse) -> HTTPResponse:
    """``err`` as a finished answer: its status and headers, TaskFlow's body.

    Returning an ``HTTPResponse`` (not an ``HTTPError``) means Lcore never
    hands it to the app's error handlers, which belong to the host.
    """
    body, content_type = error_body(kernel, err)
    answer = HTTPResponse(body, err.status_code)
    for key in list(err.headers):
        if key not in ("Content-Type", "Content-Length"):
            for value in err.headers.getall(key):
                answer.add_header(key, value)
    if content_type:
        answer.set_header("Content-Type", content_type)
    _add_language(answer.set_header, answer.add_header)
    return answer


def _add_language(set_header, add_header) -> None:
    """``Content-Language`` and ``Vary: Accept-Language`` for the text just rendered."""
    language = request.environ.get("taskflow.error_language")
    if language:
        for key, value in vary_headers(language).items():
            (add_header if key == "Vary" else set_header)(key, value)


def install_error_handlers(app, kernel: TaskFlow) -> None:
    """Render the errors Lcore answers by itself (outside any route) TaskFlow's way.

    Only for an app that belongs to TaskFlow (``create_app``) or whose host
    asked for it (``host_features``): a host's own error handlers stay.
    """
    def handle(err: HTTPResponse) -> str | bytes:
        body, content_type = error_body(kernel, err)
        if content_type:
            response.content_type = content_type
        _add_language(response.set_header, response.add_header)
        return body

    for code in HTTP_CODES:
        if code >= 400 and code not in app.error_handler:
            app.error(code, handle)
