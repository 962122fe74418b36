"""Helpers of the io tests: multipart bodies with form fields, waiting for import jobs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lcore_taskflow.core.testing import Client, Response, wait_until

FIXTURES = Path(__file__).parent / "fixtures"
BOUNDARY = "iotestboundary5f2c1a"


def form(fields: dict[str, Any], file: tuple[str, bytes] | None = None) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body of ``fields`` (dicts sent as JSON) and one ``file``."""
    parts = []
    for name, value in fields.items():
        if value is None:
            continue
        text = json.dumps(value) if isinstance(value, (dict, list)) else str(value)
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f'{text}\r\n'.encode())
    if file is not None:
        filename, content = file
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
                     f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                     .encode() + content + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode(), \
        f"multipart/form-data; boundary={BOUNDARY}"


def start_import(client: Client, source: str, content: bytes, filename: str = "board.json",
                 **fields: Any) -> Response:
    body, ctype = form({"source": source, **fields}, (filename, content))
    return client.post("/api/imports", body=body, content_type=ctype)


def finished(client: Client, job_id: int, timeout: float = 60) -> dict[str, Any]:
    """The job once it is done or failed (the worker runs it in the background)."""
    def check():
        reply = client.get(f"/api/imports/{job_id}")
        assert reply.status == 200, reply.text
        return reply.json if reply.json["status"] in ("done", "failed") else None
    return wait_until(check, f"import {job_id} to finish", timeout=timeout)


def run_import(client: Client, source: str, content: bytes, **fields: Any) -> dict[str, Any]:
    reply = start_import(client, source, content, **fields)
    assert reply.status == 202, reply.text
    assert reply.json["status"] == "queued"
    return finished(client, reply.json["id"])


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
