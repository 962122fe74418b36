"""``/openapi.json`` is generated from the routes, validates, and matches what they answer;
``/docs`` is served from the package under a strict CSP."""

from __future__ import annotations

import re

import pytest
from core_testutil import assert_error
from jsonschema import Draft202012Validator
from lcore import Lcore
from lcore_taskflow.core import PluginCheckError, Schema, String, Text, hookimpl, json_body
from lcore_taskflow.core.testing import Client, HeaderIdentity, make_app
from openapi_spec_validator import validate


class Greeting(Schema):
    """A greeting."""

    message = String(required=True)


class Name(Schema):
    name = Text(required=True, max_len=20)


class GreeterPlugin:
    """A plugin with one declared route and one that declares nothing."""

    name = "greeter"
    version = "1.2"

    @hookimpl
    def taskflow_mounts(self, kernel):
        app = Lcore()

        @app.post("/greet", name="greet", auth=True, body=Name, returns=Greeting)
        def greet():
            """Greet someone.

            Politely.
            """
            return {"message": "Hello " + Name.validate(json_body())["name"]}

        @app.get("/legacy/<code>", name="legacy", auth=False, auth_via=("basic",))
        def legacy(code):
            """An old route without declarations."""
            return {"code": code}

        return [("/hello/", app)]


@pytest.fixture
def greeter_app(tmp_path):
    application = make_app(tmp_path, plugins=[HeaderIdentity(), GreeterPlugin()])
    yield application
    application.taskflow.close()


def document(app) -> dict:
    reply = Client(app).get("/openapi.json")
    assert reply.status == 200 and reply.headers["content-type"].startswith("application/json")
    return reply.json


def test_the_document_validates_in_production_mode(app):
    assert not app.taskflow.config.debug
    doc = document(app)
    validate(doc)
    assert doc["openapi"] == "3.1.0" and doc["servers"] == [{"url": "/"}]
    assert "_api_version" not in doc and "_request_number" not in doc
    ops = {(m, p) for p, methods in doc["paths"].items() for m in methods}
    assert ("post", "/api/projects/{pid}/tasks") in ops and ("get", "/health") in ops
    assert not any(p.startswith("/debug") for _, p in ops)


def test_every_core_route_is_described(app):
    """No core operation falls back to the ``default`` answer of undeclared routes."""
    doc = document(app)
    routes = [r for r in app.routes if app.taskflow.owns(r) and "<:" not in r.rule]
    operations = [op for methods in doc["paths"].values() for op in methods.values()]
    assert len(operations) == len(routes)
    undeclared = [op["operationId"] for op in operations if "default" in op["responses"]]
    assert not undeclared
    for op in operations:
        assert op["summary"] and op["x-taskflow-plugin"] == "core", op


def test_operations_carry_the_routes_rules(app):
    paths = document(app)["paths"]
    create = paths["/api/projects/{pid}/tasks"]["post"]
    assert create["security"] == [{"bearerAuth": []}]
    assert set(create["responses"]) == {"201", "400", "401", "403", "404", "413", "422",
                                        "503"}
    assert create["x-taskflow-role"] == "editor"
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/TaskCreate"}
    delete = paths["/api/projects/{id}"]["delete"]
    assert {"401", "403", "404"} <= set(delete["responses"])
    assert "owner of the project" in delete["description"]
    assert delete["x-taskflow-role"] == "owner"
    health = paths["/health"]["get"]
    assert health["security"] == [] and set(health["responses"]) == {"200", "503"}
    users = paths["/api/users/"]["get"]
    assert users["responses"]["429"] == {"$ref": "#/components/responses/TooManyRequests"}
    assert [p["name"] for p in users["parameters"]] == ["page", "limit", "role"]
    assert "Rate limit: 100 requests per 60 s" in users["description"]


def test_schemas_come_from_the_validation_rules(app):
    doc = document(app)
    task = doc["components"]["schemas"]["TaskCreate"]
    assert task["required"] == ["title"]
    assert task["properties"]["title"] == {"type": "string", "minLength": 1, "maxLength": 200,
                                           "examples": ["Write the release notes"]}
    assert task["properties"]["priority"]["enum"] == ["low", "medium", "high", None]
    errors = doc["components"]["schemas"]["Error"]
    assert errors["required"] == ["error", "status"]
    retry = doc["components"]["responses"]["TooManyRequests"]
    assert retry["headers"]["Retry-After"]["required"] is True


def test_plugins_contribute_their_routes(greeter_app):
    doc = document(greeter_app)
    validate(doc)
    greet = doc["paths"]["/hello/greet"]["post"]
    assert greet["summary"] == "Greet someone." and greet["description"].startswith("Politely.")
    assert greet["tags"] == ["hello"] and greet["x-taskflow-plugin"] == "greeter"
    assert greet["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Greeting"}
    legacy = doc["paths"]["/hello/legacy/{code}"]["get"]
    assert legacy["summary"] == "An old route without declarations."
    assert legacy["security"] == [{}, {"basicAuth": []}]  # public, Basic optional
    assert "default" in legacy["responses"]
    assert legacy["parameters"][0]["schema"] == {"type": "string", "pattern": "^[^/]+$"}
    assert doc["components"]["securitySchemes"]["basicAuth"] == {"type": "http",
                                                                 "scheme": "basic"}


def test_the_prefix_is_the_server(tmp_path):
    app = make_app(tmp_path, plugins=[HeaderIdentity()], mount_prefix="/pm")
    try:
        doc = Client(app).get("/pm/openapi.json").json
        assert doc["servers"] == [{"url": "/pm"}]
        assert "/health" in doc["paths"] and not any(p.startswith("/pm") for p in doc["paths"])
    finally:
        app.taskflow.close()


@pytest.mark.parametrize(("options", "message"), [
    ({"body": {"title": str}}, "body= is a dict"),
    ({"body": str}, "body=<class 'str'>: expected a Schema subclass"),
    ({"query": Greeting}, "query=.*: expected a Query subclass"),
    ({"returns": 3}, "returns=3: expected a Schema subclass, a media type"),
    ({"status": "201"}, "status='201': expected an HTTP status code"),
    ({"responses": (999,)}, "responses: 999: expected a status"),
])
def test_a_malformed_declaration_stops_start_up(tmp_path, options, message):
    class Broken:
        name = "broken"

        @hookimpl
        def taskflow_mounts(self, kernel):
            app = Lcore()
            app.get("/x", auth=False, **options)(lambda: {})
            return [("/broken/", app)]

    with pytest.raises(PluginCheckError, match=r"route GET /broken/x: " + message):
        make_app(tmp_path, plugins=[Broken()])


# -------------------------------------------------- answers match the document
def _schema_of(doc: dict, path: str, method: str, status: int) -> dict:
    answer = doc["paths"][path][method]["responses"][str(status)]
    if "$ref" in answer:
        answer = doc["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
    return answer["content"]["application/json"]["schema"]


def _check(doc: dict, path: str, method: str, reply) -> None:
    # The components travel with the schema, so its "#/components/..." references resolve.
    schema = {**_schema_of(doc, path, method, reply.status), "components": doc["components"]}
    errors = sorted(Draft202012Validator(schema).iter_errors(reply.json), key=str)
    assert not errors, f"{method.upper()} {path} -> {reply.status}: {errors[0]}"


CALLS = [
    ("get", "/api/users/", "/api/users/", None, 200),
    ("get", "/api/users/search", "/api/users/search?q=a", None, 200),
    ("get", "/api/users/search", "/api/users/search", None, 400),
    ("get", "/api/users/{id}", "/api/users/1", None, 200),
    ("get", "/api/users/{id}", "/api/users/99999999999999999999", None, 404),
    ("get", "/api/users/me/tasks", "/api/users/me/tasks", None, 200),
    ("post", "/api/users/", "/api/users/", {"username": "zed", "email": "z@x.io",
                                            "password": "a long passphrase"}, 201),
    ("post", "/api/users/", "/api/users/", {"username": "zed", "password": "short"}, 422),
    ("patch", "/api/users/{id}", "/api/users/2", {"role": "admin"}, 200),
    ("get", "/api/projects/", "/api/projects/?include_archived=1", None, 200),
    ("get", "/api/projects/{id}", "/api/projects/1", None, 200),
    ("post", "/api/projects/", "/api/projects/", {"name": "P"}, 201),
    ("put", "/api/projects/{id}", "/api/projects/2", {"name": "Q"}, 200),
    ("get", "/api/projects/{pid}/tasks", "/api/projects/1/tasks?assignee_id=none", None, 200),
    ("get", "/api/projects/{pid}/tasks", "/api/projects/1/tasks?page=0", None, 400),
    ("get", "/api/projects/{pid}/tasks/changes", "/api/projects/1/tasks/changes?since=1", None,
     200),
    ("post", "/api/projects/{pid}/tasks", "/api/projects/1/tasks",
     {"title": "T", "assignee_id": 2, "due_date": "2030-01-01"}, 201),
    ("get", "/api/projects/{pid}/tasks/{tid}", "/api/projects/1/tasks/1", None, 200),
    ("patch", "/api/projects/{pid}/tasks/{tid}", "/api/projects/1/tasks/1",
     {"status": "done"}, 200),
    ("post", "/api/projects/{pid}/tasks/{tid}/comments", "/api/projects/1/tasks/1/comments",
     {"body": "hi"}, 201),
    ("get", "/api/projects/{pid}/tasks/{tid}/comments", "/api/projects/1/tasks/1/comments",
     None, 200),
    ("get", "/api/projects/dashboard/overview", "/api/projects/dashboard/overview", None, 200),
    ("get", "/api/projects/dashboard/activity", "/api/projects/dashboard/activity", None, 200),
    ("delete", "/api/projects/{pid}/tasks/{tid}", "/api/projects/1/tasks/2", None, 200),
    ("get", "/health", "/health", None, 200),
    ("get", "/admin/stats", "/admin/stats", None, 200),
]


def test_answers_match_their_declared_schemas(app):
    doc = document(app)
    admin = Client(app).as_user("admin")
    for method, path, url, body, status in CALLS:
        reply = getattr(admin, method)(url, **({"json": body} if body is not None else {}))
        assert reply.status == status, (url, reply)
        _check(doc, path, method, reply)


# ------------------------------------------------------------------- /docs
def test_docs_page_ships_in_the_package_under_a_strict_csp(app):
    client = Client(app)
    page = client.get("/docs")
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script>" not in page.text and "style=" not in page.text
    assert not re.search(r"\son[a-z]+=", page.text)  # no inline event handlers
    assert 'data-openapi="/openapi.json"' in page.text
    for asset, kind in (("docs.js", "javascript"), ("docs.css", "text/css")):
        reply = client.get(f"/docs/{asset}")
        assert reply.status == 200 and kind in reply.headers["content-type"], reply
    assert ".innerHTML" not in client.get("/docs/docs.js").text
    assert_error(client.as_user("admin").get("/docs/../_schema.py"), 404)


def test_docs_can_be_turned_off(tmp_path):
    app = make_app(tmp_path, plugins=[HeaderIdentity()], docs=False)
    try:
        client = Client(app).as_user("admin")
        assert_error(client.get("/docs"), 404)
        assert_error(client.get("/docs/docs.js"), 404)
        doc = client.get("/openapi.json").json
        assert "/docs" not in doc["paths"] and "/openapi.json" in doc["paths"]
    finally:
        app.taskflow.close()


def test_docs_under_a_prefix(tmp_path):
    app = make_app(tmp_path, plugins=[HeaderIdentity()], mount_prefix="/pm")
    try:
        page = Client(app).get("/pm/docs").text
        assert 'src="/pm/docs/docs.js"' in page and 'data-openapi="/pm/openapi.json"' in page
    finally:
        app.taskflow.close()
