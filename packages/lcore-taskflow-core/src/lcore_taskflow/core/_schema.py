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
imperative form that predates this module, runs the same field classes.

Semantics kept from ``Fields``: an absent key and ``null`` mean "not given"
(``is required`` for a required field); text is stripped before its rules
apply; values that are not given are left out of the result.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from ._errors import ApiError
from ._i18n import N_, Message

EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,32}$")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# What SQLite and PostgreSQL can store in an integer column (BIGINT).
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
MAX_PASSWORD_LENGTH = 1024


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


#: "No value": a field that was not given (or has no default).
MISSING: Any = _Missing()

Check = Callable[[Any], "str | None"]


class Invalid(ValueError):
    """A value broke a rule.

    ``reason`` completes the sentence "<name> ..." (``must be an integer``);
    with ``full=True`` it is the whole message (a check's own words).
    """

    def __init__(self, reason: str, *, full: bool = False):
        super().__init__(reason)
        # A Message: the reason is translated when the error is rendered.
        self.reason = reason if isinstance(reason, Message) else Message(reason)
        self.full = full

    def message(self, name: str) -> str:
        """The message for the field ``name`` (``"limit must be an integer"``)."""
        return self.reason if self.full else Message("{name} {reason}", name=name,
                                                     reason=self.reason)


# ----------------------------------------------------------------- fields
class Field:
    """One key of a schema: its rules (``clean``) and their JSON Schema.

    :param required: the key must be present and not ``null`` (in a
        response schema: the key is always present).
    :param nullable: ``null`` is a value of its own (it clears the column)
        rather than "not given".
    :param default: the value when not given (query parameters).
    :param description: shown in ``/openapi.json`` and ``/docs``.
    """

    #: Raw values that mean ``None`` for a nullable field.
    null_values: tuple[Any, ...] = (None,)

    def __init__(self, *, required: bool = False, nullable: bool = False,
                 default: Any = MISSING, description: str = "", example: Any = MISSING):
        self.required, self.nullable, self.default = required, nullable, default
        self.description, self.example = description, example

    def read(self, name: str, data: Mapping[str, Any], check: Check | None = None) -> Any:
        """The value of ``name`` in ``data`` after the rules, or ``MISSING``; raises ``Invalid``."""
        if self.nullable and name in data and _among(data[name], self.null_values):
            return None
        raw = data.get(name)
        if raw is None:
            if self.required:
                raise Invalid("is required")
            return self.default
        value = self.clean(raw)
        problem = check(value) if check is not None else None
        if problem:
            raise Invalid(problem, full=True)
        return value

    def clean(self, value: Any) -> Any:
        """``value`` checked (and normalised); raises ``Invalid``."""
        return value

    def from_text(self, raw: str) -> Any:
        """A query-string value as the type ``clean`` expects."""
        return raw

    def json_schema(self, ref: Callable[[type[Schema]], dict] | None = None) -> dict[str, Any]:
        """The JSON Schema of one value (``ref`` turns a nested schema into a ``$ref``)."""
        schema = self._json(ref or _inline)
        if self.description:
            schema["description"] = self.description
        if self.default is not MISSING:
            schema["default"] = self.default
        if self.example is not MISSING:
            schema["examples"] = [self.example]
        return schema

    def _json(self, ref: Callable[[type[Schema]], dict]) -> dict[str, Any]:
        return {}


def _among(value: Any, choices: tuple[Any, ...]) -> bool:
    return any(value is c or (type(value) is type(c) and value == c) for c in choices)


def _inline(schema: type[Schema]) -> dict[str, Any]:
    return schema.json_schema()


class Text(Field):
    """A string, stripped; ``min_len``/``max_len`` characters, optionally a ``pattern``.

    ``allow_empty`` accepts ``""`` (after stripping) whatever ``min_len`` says.
    The pattern is a Python regex; keep to the syntax JSON Schema shares.
    """

    def __init__(self, *, min_len: int = 1, max_len: int | None = 200,
                 pattern: re.Pattern | str | None = None,
                 pattern_msg: str = N_("has an invalid format"), allow_empty: bool = False,
                 **options: Any):
        super().__init__(**options)
        self.min_len, self.max_len, self.allow_empty = min_len, max_len, allow_empty
        self.pattern = re.compile(pattern) if isinstance(pattern, str) else pattern
        self.pattern_msg = pattern_msg

    def clean(self, value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid("must be a string")
        value = value.strip()
        if not value and self.allow_empty:
            return value
        if len(value) < self.min_len:
            raise Invalid("must not be empty" if self.min_len == 1
                          else Message("must be at least {min} characters", min=self.min_len))
        if self.max_len is not None and len(value) > self.max_len:
            raise Invalid(Message("must be at most {max} characters", max=self.max_len))
        if self.pattern is not None and not self.pattern.match(value):
            raise Invalid(self.pattern_msg)
        return value

    def _json(self, ref) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string"}
        if self.min_len and not self.allow_empty:
            schema["minLength"] = self.min_len
        if self.max_len is not None:
            schema["maxLength"] = self.max_len
        if self.pattern is not None:
            schema["pattern"] = self.pattern.pattern
        return schema


class String(Text):
    """Any string (``Text`` without length limits): free text and response fields."""

    def __init__(self, *, min_len: int = 0, max_len: int | None = None, **options: Any):
        super().__init__(min_len=min_len, max_len=max_len, **options)


class Email(Text):
    """An email address (at most 254 characters)."""

    def __init__(self, **options: Any):
        super().__init__(max_len=254, pattern=EMAIL_RE,
                         pattern_msg=N_("must be a valid email address"), **options)


class Username(Text):
    """3 to 32 letters, digits, ``.``, ``_`` and ``-``."""

    def __init__(self, **options: Any):
        super().__init__(min_len=3, max_len=32, pattern=USERNAME_RE,
                         pattern_msg=N_("may contain only letters, digits, '.', '_' and '-'"),
                         **options)


class Password(Field):
    """A password: never stripped, at most 1024 characters.

    ``policy=True`` says the server's password policy applies; the handler
    must then pass the check that implements it
    (``Schema.validate(data, password=...)``), and the document says so.
    """

    def __init__(self, *, min_len: int = 0, policy: bool = False, **options: Any):
        super().__init__(**options)
        self.min_len, self.policy = min_len, policy
        if policy and not self.description:
            self.description = ("Checked against the password policy: at least "
                                "APP_PASSWORD_MIN_LENGTH characters (10 by default), not one "
                                "of the most common passwords, not the username or email.")

    def clean(self, value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid("must be a string")
        if len(value) < self.min_len:
            raise Invalid("must not be empty" if self.min_len == 1
                          else Message("must be at least {min} characters", min=self.min_len))
        if len(value) > MAX_PASSWORD_LENGTH:
            raise Invalid(Message("must be at most {max} characters", max=MAX_PASSWORD_LENGTH))
        return value

    def _json(self, ref) -> dict[str, Any]:
        schema = {"type": "string", "format": "password", "maxLength": MAX_PASSWORD_LENGTH}
        if self.min_len:
            schema["minLength"] = self.min_len
        return schema


class Choice(Field):
    """One of ``choices``."""

    def __init__(self, choices: Iterable[Any], **options: Any):
        super().__init__(**options)
        self.choices = tuple(choices)

    def clean(self, value: Any) -> Any:
        if not _among(value, self.choices):
            raise Invalid(Message("must be one of: {choices}",
                                  choices=", ".join(map(str, self.choices))))
        return value

    def _json(self, ref) -> dict[str, Any]:
        schema: dict[str, Any] = {"enum": list(self.choices)}
        if all(isinstance(c, str) for c in self.choices):
            schema["type"] = "string"
        return schema


class Integer(Field):
    """An integer (never a boolean or a float) that a database column can store.

    ``minimum``/``maximum`` narrow the range (``must be between a and b``).
    """

    def __init__(self, *, minimum: int | None = None, maximum: int | None = None,
                 **options: Any):
        super().__init__(**options)
        self.minimum, self.maximum = minimum, maximum

    @property
    def bounds(self) -> tuple[int, int]:
        """``(minimum, maximum)`` within the 64-bit range both engines store."""
        low = INT_MIN if self.minimum is None else max(self.minimum, INT_MIN)
        high = INT_MAX if self.maximum is None else min(self.maximum, INT_MAX)
        return low, high

    def clean(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid("must be an integer")
        low, high = self.bounds
        if not low <= value <= high:
            if self.minimum is None and self.maximum is None:
                raise Invalid("is out of range")
            raise Invalid(Message("must be between {low} and {high}", low=low, high=high))
        return value

    def from_text(self, raw: str) -> int:
        try:
            return int(raw)
        except ValueError:
            raise Invalid("must be an integer") from None

    def _json(self, ref) -> dict[str, Any]:
        low, high = self.bounds
        return {"type": "integer", "format": "int64", "minimum": low, "maximum": high}


class Number(Field):
    """A number (integer or float, never a boolean)."""

    def clean(self, value: Any) -> float | int:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Invalid("must be a number")
        return value

    def _json(self, ref) -> dict[str, Any]:
        return {"type": "number"}


class Boolean(Field):
    """``true`` or ``false`` (``1`` and ``0`` are accepted too).

    In a query string: ``1``, ``true`` or ``yes`` is true, anything else false.
    """

    TRUE_WORDS = ("1", "true", "yes")

    def clean(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise Invalid("must be true or false")

    def from_text(self, raw: str) -> bool:
        return raw in self.TRUE_WORDS

    def _json(self, ref) -> dict[str, Any]:
        return {"type": "boolean"}


class Date(Field):
    """A calendar date as ``YYYY-MM-DD``; ``null`` or ``""`` clears it (``nullable``)."""

    null_values = (None, "")

    def __init__(self, *, nullable: bool = True, **options: Any):
        super().__init__(nullable=nullable, **options)

    def clean(self, value: Any) -> str:
        try:
            if not isinstance(value, str) or not DATE_RE.fullmatch(value):
                raise ValueError
            dt.date.fromisoformat(value)
        except ValueError:
            raise Invalid("must be a date as YYYY-MM-DD") from None
        return value

    def _json(self, ref) -> dict[str, Any]:
        return {"type": "string", "format": "date"}


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
        fields.update({k: v for k, v in vars(cls).items() if isinstance(v, Field)})
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
