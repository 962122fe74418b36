"""The bytes of a JSON answer (issue 25): the contract the fast encoder keeps.

Every TaskFlow answer is exactly what Python's standard encoder writes with
compact separators, ``json.dumps(value, separators=(",", ":"))``: keys in the
order the handler built them (the SELECT's column order), every non-ASCII
character escaped as ``\\uXXXX`` (surrogate pairs above U+FFFF), DEL escaped,
``/`` left alone, floats as ``repr``.  orjson writes most answers
(``_json.py`` says where it falls back); these tests pin the contract through
the whole pipeline, on both engines, and on the encoder itself for the values
where orjson's own text differs.
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
    return json.dumps(json.loads(body), separators=(",", ":")).encode()


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
    assert b'"title":"' in detail.body  # compact separators


def test_escapes_and_key_order(alice):
    title = "</tag> \u2028 \u00e9 \U0001f680"
    tid = alice.post("/api/projects/1/tasks", json={"title": title}).json["id"]
    body = alice.get(f"/api/projects/1/tasks/{tid}").body
    assert rb'"title":"</tag> \u2028 \u00e9 \ud83d\ude80"' in body
    keys = list(json.loads(body))
    assert keys[:3] == ["id", "title", "description"]  # the SELECT's order, not sorted


def test_floats_keep_their_repr(alice):
    tid = alice.post("/api/projects/1/tasks", json={"title": "float"}).json["id"]
    body = alice.get(f"/api/projects/1/tasks/{tid}").body
    created_at = json.loads(body)["created_at"]
    assert isinstance(created_at, (int, float))
    assert f'"created_at":{json.dumps(created_at)}'.encode() in body


def test_errors_are_compact_json_too(alice):
    answer = alice.get("/api/projects/1/tasks/999999")
    assert answer.status == 404
    assert answer.body == stdlib(answer.body) and answer.body.startswith(b'{"error":')


# The encoder itself, on the values where orjson's own text differs from the
# standard encoder's: each must still come out as the standard bytes.
def _nested(depth: int) -> list:
    value: list = ["bottom"]
    for _ in range(depth):
        value = [value]
    return value


EDGE_VALUES = [
    {"small": 1.5e-05}, {"tiny": 1e-07}, {"least": 5e-324}, {"big": 1e16, "huge": 1e300},
    {"neg": -0.0, "ratio": 0.0001, "third": 1 / 3, "stamp": 1764851234.123456},
    {"del": "a\x7fb"}, {"astral": "\U0001f680"}, {"latin": "\u00e9", "sep": "\u2028"},
    {"controls": "".join(map(chr, range(32))), "quote": '"\\/'},
    {"lone": "\ud800 surrogate"},
    {"bigint": 2 ** 70, "negbig": -(2 ** 65), "int64": 2 ** 63 - 1},
    {1: "int key", "s": [None, True, False, (1, 2)]},
    {"text holding e- and 0.0000": "e-mail 0.00001 x"},
    _nested(300),  # deeper than orjson goes
]


@pytest.mark.parametrize("value", EDGE_VALUES, ids=range(len(EDGE_VALUES)))
def test_the_encoder_writes_the_standard_bytes(value):
    from lcore_taskflow.core._json import dumps

    assert dumps(value) == json.dumps(value, separators=(",", ":")).encode()


def test_the_encoder_refuses_what_the_standard_encoder_refuses():
    import dataclasses
    import datetime

    from lcore_taskflow.core._json import dumps

    @dataclasses.dataclass
    class Point:
        x: int

    for value in ({"when": datetime.datetime(2026, 1, 1)}, {"point": Point(1)}, {"s": {1}}):
        with pytest.raises(TypeError):
            json.dumps(value)
        with pytest.raises(TypeError):
            dumps(value)


def test_orjson_writes_the_common_answer():
    """The fast path is taken for a plain ASCII answer (else this module is pointless)."""
    orjson = pytest.importorskip("orjson", reason="orjson is not installed: the standard "
                                 "encoder writes every answer")
    value = {"id": 1, "title": "Plain", "created_at": 1764851234.5, "tags": ["a", "b"]}
    assert orjson.dumps(value) == json.dumps(value, separators=(",", ":")).encode()
