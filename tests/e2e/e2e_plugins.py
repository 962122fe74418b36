"""Helpers of the example-plugin and scaffold tests: a venv with the plugins, a signed
webhook receiver (the documented scheme, re-implemented with the standard library), and
a watched Chromium page."""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import json
import os
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from e2e_support import REPO

PLUGINS = {"labels": REPO / "examples" / "plugins" / "taskflow-labels",
           "webhooks": REPO / "examples" / "plugins" / "taskflow-webhooks"}
CHROMIUM = os.environ.get("TASKFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]
WEBHOOK_SECRET = "e2e-webhook-secret-0123456789"


def browser_missing() -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"Chromium not found at {CHROMIUM} (install Debian's chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "the python package playwright is not installed in the test environment"
    return None


def verified(secret: str, body: bytes, headers) -> bool:
    """The receiver's check, as docs and the webhooks README describe it."""
    timestamp, signature = headers.get("X-TaskFlow-Timestamp"), headers.get(
        "X-TaskFlow-Signature")
    if not timestamp or not signature or abs(time.time() - int(timestamp)) > 300:
        return False
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest("sha256=" + mac.hexdigest(), signature)


class Receiver:
    """An HTTP server on 127.0.0.1 that records deliveries and whether they verify."""

    def __init__(self, secret: str = WEBHOOK_SECRET):
        self.secret = secret
        self.received: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                ok = verified(receiver.secret, body, self.headers)
                receiver.received.append({"valid": ok, "json": json.loads(body),
                                          "event": self.headers.get("X-TaskFlow-Event")})
                self.send_response(200 if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def wait_for(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


class Page:
    """A Chromium page that remembers page errors, CSP violations and plugin requests."""

    def __init__(self, browser, base: str):
        self.context = browser.new_context(viewport={"width": 1366, "height": 800})
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.base = base
        self.errors: list[str] = []
        self.plugin_requests: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on("console", self._console)
        self.page.on("request", lambda r: self.plugin_requests.append(r.url)
                     if "/static/plugins/" in r.url else None)

    def _console(self, msg) -> None:
        if "Content Security Policy" in msg.text or "Refused to" in msg.text:
            self.errors.append(f"csp: {msg.text}")
        elif msg.type == "error":
            self.errors.append(f"console: {msg.text}")

    def login(self, username: str) -> None:
        page = self.page
        page.goto(self.base + "/frontend")
        page.locator("#login-form").wait_for()
        page.click(f".demo-fill[data-username={username}]")
        page.click("#login-submit")
        page.locator("[data-testid=whoami]", has_text=username).wait_for(state="attached")

    def go(self, hash_: str) -> None:
        self.page.evaluate("h => { location.hash = h; }", hash_)
        self.page.wait_for_function("() => !document.querySelector('#main[aria-busy]')"
                                    " && !document.querySelector('[data-testid=loading]')")

    def close(self) -> None:
        self.context.close()
