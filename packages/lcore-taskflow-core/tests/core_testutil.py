"""Helpers shared by core's tests (a unique module name: the four packages'
test directories are collected together)."""

from __future__ import annotations

import json
from typing import Any

from lcore_taskflow.core import hookimpl


class EventRecorder:
    """A test plugin that records every domain event it hears."""

    name = "event-recorder"
    version = "0"

    def __init__(self) -> None:
        self.events: list[Any] = []

    @hookimpl
    def taskflow_event(self, event, kernel):
        self.events.append(event)

    def of(self, type_: str) -> list[Any]:
        return [e for e in self.events if e.type == type_]


def assert_error(resp, status: int, *, fields: tuple[str, ...] = ()) -> dict:
    """The SPEC error shape: ``{"error": str, "status": int[, "fields"]}``."""
    assert resp.status == status, resp
    assert resp.headers["content-type"].startswith("application/json"), resp.headers
    body = resp.json
    assert body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert "Traceback" not in resp.text
    for name in fields:
        assert name in body["fields"], body
    return body


def no_secrets(resp) -> None:
    text = resp.text
    assert "password_hash" not in text and "pbkdf2" not in text, text[:300]


def dumps(data: Any) -> bytes:
    return json.dumps(data).encode()
