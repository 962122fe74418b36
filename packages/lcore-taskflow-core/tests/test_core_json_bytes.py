"""The bytes of a JSON answer (issue 25): what a faster encoder would have to keep.

Every TaskFlow answer is encoded by Python's standard ``json.dumps`` with its
defaults: keys in the order the handler built them (the SELECT's column
order), ``", "`` and ``": "`` separators, every non-ASCII character escaped as
``\\uXXXX`` (surrogate pairs above U+FFFF), ``/`` and U+2028 left alone, floats
as ``repr``.  orjson, the field's fast encoder, writes compact separators and
raw UTF-8 and has no option for either, so it is not used (bench/RESULTS.md
has the measurement).  These tests pin the contract through the whole
pipeline, on both engines, so a future encoder swap cannot change it silently.
"""

from __future__ import annotations

import json

import pytest

HOSTILE_TITLES = [
    "</script><script>alert(1)</script>",
    "line\u2028separator\u2029paragraph",
    "caf\u00e9 \u00fcber na\u00efve \u4e2d\u6587",
    "emoji \U0001f680 astral \U0001d11e",
    'quote " backslash \\ slash / tab\tend',
    "control \x01\x1f del \x7f",
    "<b>&amp;</b> 'single'",
]


def stdlib(body: bytes) -> bytes:
    """``body`` re-encoded by the standard encoder: equal only if it wrote the same bytes."""
    return json.dumps(json.loads(body)).encode()


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_task_answers_are_the_standard_encoders_bytes(alice, title):
    created = alice.post("/api/projects/1/tasks",
                         json={"title": title, "description": title * 3})
    assert created.status == 201, created.body
    tid = created.json["id"]
    detail = alice.get(f"/api/projects/1/tasks/{tid}")
    assert detail.json["title"] == title and detail.json["description"] == title * 3
    listed = alice.get("/api/projects/1/tasks", query={"limit": 100})
    for answer in (created, detail, listed):
        assert answer.body == stdlib(answer.body)
        assert answer.body.isascii()  # non-ASCII goes out as \\u escapes
    assert b'"title": "' in detail.body  # the standard separators, not compact ones


def test_escapes_and_key_order(alice):
    title = "</tag> \u2028 \u00e9 \U0001f680"
    tid = alice.post("/api/projects/1/tasks", json={"title": title}).json["id"]
    body = alice.get(f"/api/projects/1/tasks/{tid}").body
    assert rb'"title": "</tag> \u2028 \u00e9 \ud83d\ude80"' in body
    keys = list(json.loads(body))
    assert keys[:3] == ["id", "title", "description"]  # the SELECT's order, not sorted


def test_floats_keep_their_repr(alice):
    tid = alice.post("/api/projects/1/tasks", json={"title": "float"}).json["id"]
    body = alice.get(f"/api/projects/1/tasks/{tid}").body
    created_at = json.loads(body)["created_at"]
    assert isinstance(created_at, (int, float))
    assert f'"created_at": {json.dumps(created_at)}'.encode() in body
