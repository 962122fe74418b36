"""Helpers shared by core's tests (a unique module name: the four packages'
test directories may be collected together).  The testing kit has the rest."""

from __future__ import annotations

import json
from typing import Any

from lcore_taskflow.core.testing import EventRecorder, assert_error

__all__ = ["EventRecorder", "assert_error", "dumps", "no_secrets"]


def no_secrets(resp) -> None:
    text = resp.text
    assert "password_hash" not in text and "pbkdf2" not in text, text[:300]


def dumps(data: Any) -> bytes:
    return json.dumps(data).encode()
