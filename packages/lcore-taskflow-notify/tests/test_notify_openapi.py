"""notify's part of ``/openapi.json``, and its answers as the document describes them."""

from __future__ import annotations

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate


def conforms(doc: dict, path: str, method: str, reply) -> None:
    """``reply``'s JSON body is what the document declares for its status."""
    answer = doc["paths"][path][method]["responses"][str(reply.status)]
    if "$ref" in answer:
        answer = doc["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
    schema = {**answer["content"]["application/json"]["schema"],
              "components": doc["components"]}
    errors = list(Draft202012Validator(schema).iter_errors(reply.json))
    assert not errors, f"{method.upper()} {path} -> {reply.status}: {errors[0]}"


def test_notify_routes_are_documented(make_notify_app, admin_of):
    doc = admin_of(make_notify_app()).get("/openapi.json").json
    validate(doc)
    paths = doc["paths"]
    assert set(paths) >= {"/api/notifications/email", "/api/notifications/batch",
                          "/api/notifications/history", "/api/notifications/retry",
                          "/api/notifications/task-assigned/{task_id}",
                          "/api/notifications/{notification_id}/retry"}
    email = paths["/api/notifications/email"]["post"]
    assert {"200", "401", "403", "422", "429"} <= set(email["responses"])
    assert email["x-taskflow-plugin"] == "notify"
    history = paths["/api/notifications/history"]["get"]
    assert [p["name"] for p in history["parameters"]] == ["page", "limit", "status"]


def test_notify_answers_match_the_document(make_notify_app, admin_of):
    admin = admin_of(make_notify_app())
    doc = admin.get("/openapi.json").json
    base = "/api/notifications"
    cases = [
        ("post", "/email", "/email", {"to": "a@b.co", "subject": "Hi", "body": "x"}, 200),
        ("post", "/email", "/email", {"to": "a@b.co", "subject": "Hi\u2028there", "body": "x"},
         422),
        ("post", "/batch", "/batch", {"user_ids": [1, 2], "subject": "Hi", "body": "x"}, 200),
        ("post", "/task-assigned/{task_id}", "/task-assigned/1", None, 200),
        ("post", "/task-assigned/{task_id}", "/task-assigned/99999999999999999999", None, 404),
        ("get", "/history", "/history?status=simulated", None, 200),
        ("post", "/retry", "/retry", {"ids": [1]}, 200),
        # found by the fuzzer: an id beyond what SQLite stores was a 500
        ("post", "/retry", "/retry", {"ids": [2**63]}, 422),
        ("post", "/{notification_id}/retry", "/1/retry", None, 200),
    ]
    for method, path, url, body, status in cases:
        reply = getattr(admin, method)(base + url, **({"json": body} if body else {}))
        assert reply.status == status, (url, reply)
        conforms(doc, base + path, method, reply)
