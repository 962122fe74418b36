"""waitress, minus one habit: closing the connection after every 204 and 304.

waitress 3.0.2 (and its main branch) decides in ``build_response_header``
that a response without ``Content-Length`` must end its connection; a 204 or
304 never has one (RFC 9110 forbids it, and waitress drops it), so every
such answer comes with ``Connection: close``.  An open board polls
``/changes`` every few seconds and mostly gets 304, so each poll paid for a
new TCP connection.  A bodiless answer needs no framing: the connection can
stay open, which is what this task class lets it do.
"""

from __future__ import annotations

from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.task import WSGITask


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


def create_server(app: Any, **options: Any):
    """``waitress.create_server`` whose connections survive a 204 or 304."""
    import waitress

    server = waitress.create_server(app, **options)
    listeners = getattr(server, "map", {}).values() if not isinstance(
        server, BaseWSGIServer) else [server]
    for listener in listeners:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = KeepAliveChannel
    return server
