"""A real HTTP receiver on 127.0.0.1 that checks every delivery's signature."""

from __future__ import annotations

import functools
import json
import threading
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lcore_taskflow.core.testing import wait_until
from taskflow_webhooks import signing


@dataclass
class Received:
    headers: Message  # case-insensitive, as HTTP headers are
    body: bytes
    valid: bool

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """``Receiver(secret).start()``; ``.url``; ``.received``; ``.status`` to answer; ``.stop()``.

    It can stop and start again on the same port (a receiver that was down).
    """

    def __init__(self, secret: str, port: int = 0):
        self.secret = secret
        self.port = port
        self.status = 200
        self.received: list[Received] = []
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                valid = signing.verify(receiver.secret, body,
                                       self.headers.get(signing.TIMESTAMP_HEADER),
                                       self.headers.get(signing.SIGNATURE_HEADER))
                receiver.received.append(Received(self.headers, body, valid))
                self.send_response(receiver.status if valid else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):  # quiet test output
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


# The testing kit's poller, with this suite's longer patience (30 s).
wait_for = functools.partial(wait_until, timeout=30.0)
