"""waitress for TaskFlow: keep-alive after a 304, and ``/health`` never queued.

**Keep-alive.**
waitress 3.0.2 (and its main branch) decides in ``build_response_header``
that a response without ``Content-Length`` must end its connection; a 204 or
304 never has one (RFC 9110 forbids it, and waitress drops it), so every
such answer comes with ``Connection: close``.  An open board polls
``/changes`` every few seconds and mostly gets 304, so each poll paid for a
new TCP connection.  A bodiless answer needs no framing: the connection can
stay open, which is what this task class lets it do.

**Health checks of their own.**  waitress serves every request from one
queue and thread pool; when the application's requests are slow (a busy
database, a lock) or many, a proxy's ``GET /health`` waited behind them and
a healthy server was taken out of rotation.  ``/health`` requests go to a
small pool of their own threads instead (the rest of that connection's
pipelined requests, rare, with them).
"""

from __future__ import annotations

from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.task import ThreadedTaskDispatcher, WSGITask

HEALTH_THREADS = 2


class KeepAliveTask(WSGITask):
    """A ``WSGITask`` that keeps an HTTP/1.1 connection open after a 1xx, 204 or 304."""

    _bodiless_header = False

    def build_response_header(self) -> bytes:
        keep = (not self.has_body and self.version == "1.1" and not self.close_on_finish
                and self.request.headers.get("CONNECTION", "").lower() != "close")
        self._bodiless_header = keep
        try:
            return super().build_response_header()
        finally:
            self._bodiless_header = False

    def set_close_on_finish(self) -> None:
        # Called by build_response_header only because no Content-Length was
        # found, which for a bodiless answer is no reason to close.
        if not self._bodiless_header:
            super().set_close_on_finish()


class KeepAliveChannel(HTTPChannel):
    task_class = KeepAliveTask


def create_server(app: Any, health_path: str | None = "/health", **options: Any):
    """``waitress.create_server`` whose connections survive a 204 or 304, and whose
    ``GET health_path`` requests have threads of their own (``None``: share)."""
    import waitress

    server = waitress.create_server(app, **options)
    listeners = getattr(server, "map", {}).values() if not isinstance(
        server, BaseWSGIServer) else [server]
    health = None
    if health_path:
        health = ThreadedTaskDispatcher()
        health.set_thread_count(HEALTH_THREADS)
    for listener in listeners:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = KeepAliveChannel
            if health is not None and health_path:
                _route_health(listener, health, health_path)
    if health is not None:
        close = server.close

        def close_both() -> None:
            close()
            health.shutdown()

        server.close = close_both
    return server


def _route_health(listener: BaseWSGIServer, health: ThreadedTaskDispatcher,
                  path: str) -> None:
    """Hand channels whose next request is ``GET path`` to the ``health`` threads."""
    queue = listener.add_task

    def add_task(channel) -> None:
        requests = getattr(channel, "requests", None)
        first = requests[0] if requests else None
        if first is not None and first.command in ("GET", "HEAD") and first.path == path:
            health.add_task(channel)
        else:
            queue(channel)

    listener.add_task = add_task
