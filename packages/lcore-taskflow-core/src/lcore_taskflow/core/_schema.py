"""Declarative request and response schemas: one declaration, two uses.

A route declares what it accepts and answers with schema classes, and its
handler validates with the very same class::

    class ProjectCreate(Schema):
        name = Text(required=True, max_len=200)
        status = Choice(PROJECT_STATUSES)

    @app.post("/", auth="projects:create", body=ProjectCreate,
              returns=ProjectCreated, status=201)
    def create_project():
        values = ProjectCreate.validate(json_body())

``validate`` applies the rules (the values that passed, or a 422 naming every
bad field); ``json_schema`` describes the same rules for ``/openapi.json``.
So the document cannot drift from the validation.  ``Fields``, the
imperative form that predates this module, runs the same field classes; it is
deprecated (it warns when constructed) and goes with the next major CORE_API.

Semantics kept from ``Fields``: an absent key and ``null`` mean "not given"
(``is required`` for a required field); text is stripped before its rules
apply; values that are not given are left out of the result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from ._errors import ApiError

# The scalar fields live in _fields; every name the module had is still importable here.
from ._fields import (
    DATE_RE,  # noqa: F401 (re-exported)
    EMAIL_RE,
    INT_MAX,
    INT_MIN,
    MAX_PASSWORD_LENGTH,  # noqa: F401 (re-exported)
    MISSING,
    USERNAME_RE,
    Boolean,
    Check,
    Choice,
    Date,
    Email,
    Field,
    Integer,
    Invalid,
    Number,
    Password,
    String,
    Text,
    Username,
)
from ._i18n import Message


# ----------------------------------------------------- fields of other values
class ListOf(Field):
    """A list whose items are ``item`` (a field or a schema)."""

    def __init__(self, item: Field | type[Schema], *, min_items: int = 0,
                 max_items: int | None = None, **options: Any):
        super().__init__(**options)
        self.item = Object(item) if isinstance(item, type) else item
        self.min_items, self.max_items = min_items, max_items

    def clean(self, value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise Invalid("must be a list")
        if len(value) < self.min_items:
            raise Invalid(Message("must have at least {min} items", min=self.min_items))
        if self.max_items is not None and len(value) > self.max_items:
            raise Invalid(Message("must have at most {max} items", max=self.max_items))
        cleaned = []
        for index, item in enumerate(value):
            try:
                cleaned.append(self.item.clean(item))
            except Invalid as exc:
                raise Invalid(Message("item {index} {reason}", index=index,
                                      reason=exc.reason)) from None
        return cleaned

    def _json(self, ref) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "array", "items": self.item.json_schema(ref)}
        if self.min_items:
            schema["minItems"] = self.min_items
        if self.max_items is not None:
            schema["maxItems"] = self.max_items
        return schema


class Object(Field):
    """A JSON object: of ``schema`` when given, else any object."""

    def __init__(self, schema: type[Schema] | None = None, **options: Any):
        super().__init__(**options)
        self.schema = schema

    def clean(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise Invalid("must be an object")
        if self.schema is None:
            return value
        values, errors = self.schema.collect(value)
        if errors:
            name, message = next(iter(errors.items()))
            raise Invalid(Message("has an invalid {name}: {problem}", name=name,
                                  problem=message))
        return values

    def _json(self, ref) -> dict[str, Any]:
        return ref(self.schema) if self.schema is not None else {"type": "object"}


class MapOf(Field):
    """An object used as a map: any keys, each value a ``value`` (responses)."""

    def __init__(self, value: Field, **options: Any):
        super().__init__(**options)
        self.value = value

    def _json(self, ref) -> dict[str, Any]:
        return {"type": "object", "additionalProperties": self.value.json_schema(ref)}


class AnyValue(Field):
    """Any JSON value (responses whose shape is not the API's to promise)."""


class File(Field):
    """An uploaded file: a schema with a ``File`` is sent as ``multipart/form-data``."""

    def _json(self, ref) -> dict[str, Any]:
        return {"type": "string", "format": "binary"}


# ---------------------------------------------------------------- schemas
def _refuse_shadowing(cls: type, declared: Mapping[str, Field]) -> None:
    """A field named like the schema's own methods (``validate``, ``collect``...) would
    replace them on the class, and the schema would fail later with an unrelated
    error; say so where it is declared.  ``fields`` is fine: it is collected first."""
    for name in declared:
        for base in cls.__mro__[1:]:
            own = vars(base).get(name)
            if own is not None and not isinstance(own, Field) and name != "fields":
                raise TypeError(f"{cls.__name__}.{name}: a field cannot be named {name!r},"
                                f" it would hide {base.__name__}.{name}")


class Schema:
    """A JSON object: its fields are the class attributes that are ``Field`` s.

    Subclasses inherit their bases' fields and may redeclare any of them.
    The class docstring describes the object in ``/openapi.json``.
    """

    fields: ClassVar[dict[str, Field]] = {}
    _policy: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any):
        super().__init_subclass__(**kwargs)
        fields: dict[str, Field] = {}
        for base in reversed(cls.__mro__[1:]):
            fields.update(getattr(base, "fields", {}))
        declared = {k: v for k, v in vars(cls).items() if isinstance(v, Field)}
        _refuse_shadowing(cls, declared)
        fields.update(declared)
        cls.fields = fields
        cls._policy = frozenset(n for n, f in fields.items() if getattr(f, "policy", False))

    def __init__(self) -> None:
        raise TypeError(f"{type(self).__name__} is a schema: use {type(self).__name__}"
                        ".validate(data), not an instance")

    @classmethod
    def collect(cls, data: Mapping[str, Any],
                checks: Mapping[str, Check] | None = None) -> tuple[dict, dict]:
        """``(values, errors)``: what passed, and a message per bad field."""
        checks = checks or {}
        unknown = checks.keys() - cls.fields.keys()
        if unknown:
            raise TypeError(f"{cls.__name__}.validate: no field named {sorted(unknown)[0]!r}")
        missing = cls._policy - checks.keys()
        if missing:
            name = sorted(missing)[0]
            raise TypeError(f"{cls.__name__}.{name} declares policy=True: pass its check "
                            f"({cls.__name__}.validate(data, {name}=...))")
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name, field in cls.fields.items():
            check = checks.get(name)
            try:
                value = field.read(name, data, check)
            except Invalid as exc:
                errors[name] = exc.message(name)
                continue
            if value is not MISSING:
                values[name] = value
        return values, errors

    @classmethod
    def validate(cls, data: Mapping[str, Any], **checks: Check) -> dict[str, Any]:
        """The values of ``data`` that passed every rule; 422 naming each bad field.

        ``checks`` add a rule to a field by name, run after the field's own:
        a callable that returns why the value is refused, or ``None``
        (``TaskCreate.validate(data, assignee_id=active_user)``).
        """
        values, errors = cls.collect(data, checks)
        if errors:
            raise ApiError(422, "Validation failed", fields=errors)
        return values

    @classmethod
    def json_schema(cls, ref: Callable[[type[Schema]], dict] | None = None) -> dict[str, Any]:
        """This object as JSON Schema (nested schemas inline unless ``ref`` says otherwise)."""
        properties = {}
        for name, field in cls.fields.items():
            schema = field.json_schema(ref)
            properties[name] = schema if field.required and not field.nullable \
                else or_null(schema)
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        required = [n for n, f in cls.fields.items() if f.required]
        if required:
            schema["required"] = required
        doc = describe(cls)
        if doc:
            schema["description"] = doc
        return schema

    @classmethod
    def has_files(cls) -> bool:
        """Whether the schema has a :class:`File` field (a multipart body)."""
        return any(isinstance(f, File) for f in cls.fields.values())


class Query(Schema):
    """The query string of a route: values arrive as text and are converted.

    An empty value counts as not given.  A bad value is a 400 (not a 422):
    its message names the first bad parameter, ``fields`` every one.
    """

    @classmethod
    def validate(cls, data: Mapping[str, Any] | None = None, **checks: Check) -> dict[str, Any]:
        """The parameters of ``data`` (default: the request's query string)."""
        if data is None:
            from lcore import request

            data = request.query
        return read_query(cls.fields, data, checks)

    @classmethod
    def extra_parameters(cls, kernel: Any) -> dict[str, Field]:
        """Parameters known only at run time (plugins' task filters); none by default."""
        return {}


def read_query(fields: Mapping[str, Field], data: Mapping[str, Any],
               checks: Mapping[str, Check] | None = None) -> dict[str, Any]:
    """The values of query parameters ``fields`` in ``data``; 400 for a bad one."""
    values, errors = {}, {}
    for name, field in fields.items():
        try:
            value = _query_value(field, data.get(name), (checks or {}).get(name))
        except Invalid as exc:
            errors[name] = exc
            continue
        if value is not MISSING:
            values[name] = value
    if errors:
        name, first = next(iter(errors.items()))
        raise ApiError(400, first.message(name), fields={n: e.reason for n, e in errors.items()})
    return values


def _query_value(field: Field, raw: str | None, check: Check | None) -> Any:
    if raw is None or not raw.strip():
        if field.required:
            raise Invalid("is required")
        return field.default
    value = field.clean(field.from_text(raw))
    problem = check(value) if check is not None else None
    if problem:
        raise Invalid(problem, full=True)
    return value


def or_null(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` that also allows ``null``."""
    kind = schema.get("type")
    if isinstance(kind, str) and "$ref" not in schema:
        schema = {**schema, "type": [kind, "null"]}
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
        return schema
    if not schema or "null" in (kind or ()):
        return schema
    return {"anyOf": [schema, {"type": "null"}]}


def describe(obj: Any) -> str:
    """A docstring as Markdown (RST double backticks become single ones)."""
    doc = (getattr(obj, "__doc__", None) or "").strip()
    return "\n".join(line.strip() for line in doc.splitlines()).replace("``", "`")


__all__ = [
    "EMAIL_RE", "INT_MAX", "INT_MIN", "MISSING", "USERNAME_RE", "AnyValue", "Boolean",
    "Choice", "Date", "Email", "Field", "File", "Integer", "Invalid", "ListOf", "MapOf",
    "Number", "Object", "Password", "Query", "Schema", "String", "Text", "Username",
    "read_query",
]
