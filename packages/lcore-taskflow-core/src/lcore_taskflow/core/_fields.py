"""The scalar field classes of ``_schema``'s declarations (text, choices, numbers,
dates): one value's rules (``clean``) and their JSON Schema (``json_schema``).

``_schema`` re-exports every name here, and adds the fields that hold other
values (``ListOf``, ``Object``, ``MapOf``, ...); import from there.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ._i18n import N_, Message

if TYPE_CHECKING:
    from ._schema import Schema

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
