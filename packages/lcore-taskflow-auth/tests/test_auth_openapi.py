"""auth's part of ``/openapi.json``: its routes, their schemas and security schemes."""

from __future__ import annotations

from jsonschema import Draft202012Validator
from lcore_taskflow.core.testing import Client
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


def test_auth_routes_are_documented(client):
    doc = client.get("/openapi.json").json
    validate(doc)
    paths = doc["paths"]
    login = paths["/auth/login"]["post"]
    assert login["security"] == [] and login["tags"] == ["auth"]
    assert set(login["responses"]) == {"200", "400", "401", "403", "413", "422", "429",
                                       "503"}
    assert "bucket `password`" in login["description"]
    assert paths["/auth/me"]["get"]["security"] == [{"bearerAuth": []}, {"cookieAuth": []}]
    assert paths["/auth/logout"]["post"]["security"] == [{}, {"bearerAuth": []},
                                                         {"cookieAuth": []}]
    basic = paths["/auth/basic-demo"]["get"]
    assert basic["security"] == [{"basicAuth": []}] and "429" in basic["responses"]
    assert {"201", "403", "409", "422", "429"} <= set(paths["/auth/register"]["post"]["responses"])
    schemes = doc["components"]["securitySchemes"]
    assert schemes["cookieAuth"] == {**schemes["cookieAuth"], "in": "cookie",
                                     "name": "session_user"}
    register = doc["components"]["schemas"]["Register"]
    assert register["required"] == ["username", "email", "password"]
    assert "password policy" in register["properties"]["password"]["description"]


def test_auth_answers_match_the_document(client):
    doc = client.get("/openapi.json").json
    cases = [
        ("/auth/register", "post", {"username": "newbie", "email": "n@x.io",
                                    "password": "correct horse battery"}, 201),
        ("/auth/register", "post", {"username": "newbie2", "email": "n2@x.io",
                                    "password": "password"}, 422),
        ("/auth/login", "post", {"username": "newbie", "password": "wrong"}, 401),
        ("/auth/login", "post", {"username": "newbie", "password": "correct horse battery"},
         200),
    ]
    for path, method, body, status in cases:
        reply = client.post(path, json=body)
        assert reply.status == status, (path, reply)
        conforms(doc, path, method, reply)
    token = reply.json["token"]
    me = Client(client.app).get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    conforms(doc, "/auth/me", "get", me)
    conforms(doc, "/auth/me", "get", Client(client.app).get("/auth/me"))
