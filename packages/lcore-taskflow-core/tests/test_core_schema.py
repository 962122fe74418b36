"""The declarative schemas: the same values and messages as ``Fields``, and their JSON Schema."""

from __future__ import annotations

import pytest
from lcore_taskflow.core import (
    ApiError,
    Boolean,
    Choice,
    Date,
    Email,
    Fields,
    Integer,
    ListOf,
    Object,
    Page,
    Password,
    Query,
    Schema,
    String,
    Text,
    Username,
)
from lcore_taskflow.core._schema import INT_MAX, INT_MIN


class Task(Schema):
    """A task."""

    title = Text(required=True, max_len=10)
    description = Text(max_len=20, allow_empty=True)
    status = Choice(("todo", "done"))
    due_date = Date()
    assignee_id = Integer(nullable=True)
    urgent = Boolean()


def imperative(data: dict) -> tuple[dict, dict]:
    """What the ``Fields`` calls equivalent to ``Task`` produce."""
    f = Fields(data)
    f.text("title", required=True, max_len=10)
    f.text("description", max_len=20, allow_empty=True)
    f.choice("status", ("todo", "done"))
    f.date("due_date")
    f.integer("assignee_id", nullable=True)
    f.boolean("urgent")
    return f.values, f.errors


BODIES = [
    {"title": "  Write  ", "description": "   ", "status": "done", "due_date": "2026-02-28",
     "assignee_id": 7, "urgent": 1},
    {"title": None, "description": None, "status": None, "due_date": None, "assignee_id": None},
    {"title": "", "due_date": "", "urgent": 0},
    {"title": 42, "description": ["x"], "status": "later", "due_date": "2026-02-30",
     "assignee_id": True, "urgent": "yes"},
    {"title": "x" * 11, "description": "y" * 21, "status": 1, "due_date": "26-1-1",
     "assignee_id": 1.0, "urgent": 2},
    {"title": "ok", "assignee_id": 2**63,
     "due_date": "\u0662\u0660\u0662\u0666-\u0660\u0661-\u0660\u0661"},  # Arabic digits
    {"title": "ok", "assignee_id": -(2**63)},
    {},
]


@pytest.mark.parametrize("data", BODIES)
def test_schema_gives_the_values_and_messages_of_fields(data):
    values, errors = Task.collect(data)
    assert (values, errors) == imperative(data)


def test_the_messages_themselves():
    _, errors = Task.collect(BODIES[3])
    assert errors == {
        "title": "title must be a string",
        "description": "description must be a string",
        "status": "status must be one of: todo, done",
        "due_date": "due_date must be a date as YYYY-MM-DD",
        "assignee_id": "assignee_id must be an integer",
        "urgent": "urgent must be true or false",
    }
    _, errors = Task.collect({"title": "  ", "assignee_id": 2**63})
    assert errors == {"title": "title must not be empty",
                      "assignee_id": "assignee_id is out of range"}
    assert Task.collect({})[1] == {"title": "title is required"}


def test_values_are_normalised():
    values = Task.validate(BODIES[0])
    assert values == {"title": "Write", "description": "", "status": "done",
                      "due_date": "2026-02-28", "assignee_id": 7, "urgent": True}
    assert Task.validate({"title": "a", "due_date": "", "assignee_id": None}) == {
        "title": "a", "due_date": None, "assignee_id": None}


def test_validate_raises_a_422_naming_every_field():
    with pytest.raises(ApiError) as caught:
        Task.validate({"status": "x"})
    assert caught.value.status_code == 422
    assert set(caught.value.fields) == {"title", "status"}


def test_checks_run_after_the_field_rules():
    seen = []

    def known(value):
        seen.append(value)
        return None if value == 7 else f"assignee_id {value} is not an active user"

    assert Task.validate({"title": "a", "assignee_id": 7}, assignee_id=known)["assignee_id"] == 7
    with pytest.raises(ApiError) as caught:
        Task.validate({"title": "a", "assignee_id": 8}, assignee_id=known)
    assert caught.value.fields == {"assignee_id": "assignee_id 8 is not an active user"}
    Task.validate({"title": "a", "assignee_id": None}, assignee_id=known)
    assert Task.collect({"title": "a", "assignee_id": "8"}, {"assignee_id": known})[1] == {
        "assignee_id": "assignee_id must be an integer"}
    assert seen == [7, 8]  # never for null or a value the field refused
    with pytest.raises(TypeError, match="no field named 'nope'"):
        Task.validate({}, nope=known)


class Account(Schema):
    username = Username(required=True)
    email = Email(required=True)
    password = Password(required=True, policy=True)


def test_a_password_policy_cannot_be_forgotten():
    with pytest.raises(TypeError, match="policy=True"):
        Account.validate({"username": "ann", "email": "a@b.co", "password": "x"})

    def policy(password: str) -> str | None:
        return "password must be at least 10 characters" if len(password) < 10 else None

    data = {"username": "ann", "email": "a@b.co", "password": " " * 8}
    assert Account.collect(data, {"password": policy})[1] == {
        "password": "password must be at least 10 characters"}
    f = Fields(data)
    f.password(required=True, policy=policy)
    assert f.errors == Account.collect(data, {"password": policy})[1]
    data["password"] = "not stripped  "
    assert Account.validate(data, password=policy)["password"] == "not stripped  "


def test_username_and_email_rules():
    bad = {"username": "a b", "email": "nobody", "password": "p" * 1025}
    errors = Account.collect(bad, {"password": lambda pw: None})[1]
    assert errors == {
        "username": "username may contain only letters, digits, '.', '_' and '-'",
        "email": "email must be a valid email address",
        "password": "password must be at most 1024 characters",
    }


def test_a_schema_is_not_instantiated():
    with pytest.raises(TypeError, match=r"Task.validate\(data\)"):
        Task()


def test_subclasses_inherit_and_redeclare_fields():
    class Update(Task):
        title = Text(max_len=10)
        extra = String()

    assert list(Update.fields) == [*Task.fields, "extra"]
    assert Update.validate({}) == {}
    assert Task.fields["title"].required


@pytest.mark.parametrize("name", ["validate", "collect", "json_schema", "has_files"])
def test_a_field_cannot_hide_the_schemas_own_methods(name):
    # Such a field replaced the method and the schema failed later ("'Text' object is
    # not callable"); the mistake is named where it is made.
    with pytest.raises(TypeError, match=rf"Body.{name}: a field cannot be named '{name}'"):
        type("Body", (Schema,), {name: Text()})
    with pytest.raises(TypeError, match=r"it would hide Query.validate"):
        type("Body", (Query,), {"validate": Text()})


def test_a_field_named_fields_is_a_field():
    class Body(Schema):
        fields = ListOf(Text())
        note = Text(required=False)

    class Child(Body):
        extra = Text(required=False)

    assert list(Child.fields) == ["fields", "note", "extra"]
    assert Child.validate({"fields": ["a"], "extra": "x"}) == {"fields": ["a"], "extra": "x"}


# --------------------------------------------------------------- JSON Schema
def test_json_schema_of_the_rules():
    schema = Task.json_schema()
    assert schema["required"] == ["title"] and schema["description"] == "A task."
    props = schema["properties"]
    assert props["title"] == {"type": "string", "minLength": 1, "maxLength": 10}
    assert props["description"] == {"type": ["string", "null"], "maxLength": 20}
    assert props["status"] == {"type": ["string", "null"], "enum": ["todo", "done", None]}
    assert props["due_date"] == {"type": ["string", "null"], "format": "date"}
    assert props["assignee_id"] == {"type": ["integer", "null"], "format": "int64",
                                    "minimum": INT_MIN, "maximum": INT_MAX}
    assert props["urgent"] == {"type": ["boolean", "null"]}
    account = Account.json_schema()["properties"]
    assert account["username"]["pattern"] == "^[A-Za-z0-9_.-]{3,32}$"
    assert account["password"]["maxLength"] == 1024
    assert "password policy" in account["password"]["description"]


def test_nested_schemas_inline_or_as_references():
    class Inner(Schema):
        n = Integer(required=True, minimum=0, maximum=5)

    class Outer(Schema):
        one = Object(Inner, required=True)
        many = ListOf(Inner, required=True, max_items=3)

    inline = Outer.json_schema()["properties"]
    assert inline["one"]["properties"]["n"] == {"type": "integer", "format": "int64",
                                                 "minimum": 0, "maximum": 5}
    refs = Outer.json_schema(lambda s: {"$ref": f"#/{s.__name__}"})["properties"]
    assert refs["many"] == {"type": "array", "items": {"$ref": "#/Inner"}, "maxItems": 3}
    assert Outer.validate({"one": {"n": 2}, "many": []}) == {"one": {"n": 2}, "many": []}
    assert Outer.collect({"one": {"n": 9}, "many": [{}]})[1] == {
        "one": "one has an invalid n: n must be between 0 and 5",
        "many": "many item 0 has an invalid n: n is required"}


# -------------------------------------------------------------------- query
class Listing(Page):
    status = Choice(("todo", "done"))
    archived = Boolean()
    q = Text(max_len=5)


def test_query_parameters_are_converted_with_defaults():
    assert Listing.validate({}) == {"page": 1, "limit": 20}
    assert Listing.validate({"page": "3", "limit": "100", "status": "done", "archived": "yes",
                             "q": "  ab ", "extra": "ignored"}) == {
        "page": 3, "limit": 100, "status": "done", "archived": True, "q": "ab"}
    assert Listing.validate({"archived": "no", "status": "", "q": "   "}) == {
        "page": 1, "limit": 20, "archived": False}


@pytest.mark.parametrize(("query", "message", "fields"), [
    ({"page": "x"}, "page must be an integer", {"page": "must be an integer"}),
    ({"page": "0"}, "page must be between 1 and 1000000",
     {"page": "must be between 1 and 1000000"}),
    ({"limit": "99999999999999999999999"}, "limit must be between 1 and 100",
     {"limit": "must be between 1 and 100"}),
    ({"status": "x", "q": "toolong"}, "status must be one of: todo, done",
     {"status": "must be one of: todo, done", "q": "must be at most 5 characters"}),
])
def test_a_bad_parameter_is_a_400(query, message, fields):
    with pytest.raises(ApiError) as caught:
        Listing.validate(query)
    assert caught.value.status_code == 400
    assert (caught.value.message, caught.value.fields) == (message, fields)


def test_required_query_parameter():
    class Search(Query):
        q = Text(required=True)

    with pytest.raises(ApiError) as caught:
        Search.validate({"q": " "})
    assert (caught.value.message, caught.value.fields) == ("q is required", {"q": "is required"})


def test_fields_is_deprecated_and_still_validates():
    """``Fields`` warns (declare a Schema instead) and keeps working until it goes."""
    with pytest.warns(DeprecationWarning, match=r"^Fields is deprecated; declare a Schema"):
        fields = Fields({"title": "  Write  "})
    fields.text("title", required=True, max_len=10)
    assert fields.result() == {"title": "Write"}
