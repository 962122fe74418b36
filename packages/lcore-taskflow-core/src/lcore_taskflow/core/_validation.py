"""Request validation: JSON bodies, fields and pagination.

Lcore's ``validate_request`` coerces with ``str()`` (so ``{"title": 42}``
passes as ``"42"`` and ``{"title": null}`` as ``"None"``); these helpers check
types strictly and collect every problem into one 422 with ``fields``.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from lcore import HTTPError, request

from ._errors import ApiError
from ._i18n import Message
from ._schema import (
    EMAIL_RE,
    INT_MAX,
    INT_MIN,
    MISSING,
    USERNAME_RE,
    Boolean,
    Choice,
    Date,
    Email,
    Field,
    Integer,
    Invalid,
    Password,
    Query,
    Text,
    Username,
    read_query,
)

MAX_PAGE_LIMIT = 100
JSON_LIMIT = 1_048_576
MAX_CONTAINERS = 10_000
MAX_DEPTH = 32


def json_body() -> dict[str, Any]:
    """The request's JSON object, bounded; 400/413 for anything else.

    The body may be at most ``APP_JSON_BODY_LIMIT`` bytes (1 MiB by
    default, well under the upload limit), hold at most 10,000 objects and
    arrays, nest at most 32 deep, and every string must be encodable text
    (no lone surrogates): each refusal names its reason.
    """
    ctype = (request.content_type or "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise ApiError(400, "Request body must be JSON (Content-Type: application/json)")
    environ = request.environ
    limit = environ.get("taskflow.json_limit", JSON_LIMIT)
    if request.content_length > limit:
        raise ApiError(413, "JSON body exceeds {limit} bytes", params={"limit": limit})
    hard = environ.get("lcore.body_max_size") or limit
    environ["lcore.body_max_size"] = min(hard, limit)  # also bounds a chunked body
    try:
        raw = request.body.read()
    except HTTPError as err:
        if err.status_code == 413:
            raise ApiError(413, "JSON body exceeds {limit} bytes",
                           params={"limit": limit}) from None
        raise
    containers = raw.count(b"{") + raw.count(b"[")
    if containers > MAX_CONTAINERS:
        raise ApiError(413, "JSON body has more than {max} objects and arrays",
                       params={"max": MAX_CONTAINERS})
    try:
        data = json.loads(raw)
    except RecursionError:
        raise ApiError(400, "JSON body is nested more than {max} levels deep",
                       params={"max": MAX_DEPTH}) from None
    except (ValueError, TypeError):
        raise ApiError(400, "Malformed JSON in request body") from None
    if not isinstance(data, dict):
        raise ApiError(400, "Request body must be a JSON object")
    # Walk the tree only when it could be too deep (more containers than the
    # depth limit) or hold a lone surrogate: a \u escape, or the surrogate's
    # UTF-8 bytes (ED A0..BF), which json.loads decodes with "surrogatepass";
    # NUL bytes mean UTF-16/32, whose escapes the byte tests would miss.
    # A NUL character can only arrive as the escape \u0000, so that test finds it too.
    if containers > MAX_DEPTH or b"\\u" in raw or b"\xed" in raw or b"\x00" in raw:
        _check_tree(data)
    return data


NUL_PROBLEM = Message("must not contain the NUL character (\\u0000)")


def _check_tree(data: Any) -> None:
    """Depth and text of a parsed body, without recursion.

    A NUL character is refused here, for every route and engine alike:
    PostgreSQL cannot store it in text (SQLite can), and no field of
    TaskFlow's has a use for it.  The 422 names the field (``a.b[2]``).
    """
    stack: list[tuple[Any, int, str]] = [(data, 1, "")]
    while stack:
        item, depth, path = stack.pop()
        if depth > MAX_DEPTH:
            raise ApiError(400, "JSON body is nested more than {max} levels deep",
                           params={"max": MAX_DEPTH})
        values = item.items() if isinstance(item, dict) else enumerate(item)
        for key, value in values:
            name = f"{path}[{key}]" if isinstance(key, int) else \
                f"{path}.{key}" if path else str(key)
            for text in (key, value):
                if isinstance(text, str) and not _encodable(text):
                    raise ApiError(400, "JSON body contains text that is not valid Unicode "
                                        "(a lone surrogate such as \\ud800)")
                if isinstance(text, str) and "\x00" in text:
                    shown = name.replace("\x00", "\\u0000")
                    raise ApiError(422, "{name} {reason}", fields={shown: NUL_PROBLEM},
                                   params={"name": shown, "reason": NUL_PROBLEM})
            if isinstance(value, (dict, list)):
                stack.append((value, depth + 1, name))


def refuse_nul(query, args: Mapping[str, Any]) -> None:
    """400 for a NUL character in a query parameter (name or value) or a path argument.

    Called by the pipeline before any TaskFlow handler, so no query ever
    hands PostgreSQL a NUL (see :func:`_check_tree` for bodies).
    """
    for name, value in query.allitems():
        if "\x00" in name or "\x00" in value:
            shown = name.replace("\x00", "\\u0000")
            raise ApiError(400, "Query parameter {name} {reason}",
                           params={"name": shown, "reason": NUL_PROBLEM},
                           fields={shown: NUL_PROBLEM})
    for name, value in args.items():
        if isinstance(value, str) and "\x00" in value:
            raise ApiError(400, "Path segment {name} {reason}",
                           params={"name": name, "reason": NUL_PROBLEM}, fields={name: NUL_PROBLEM})


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


FIELDS_DEPRECATED = ("Fields is deprecated; declare a Schema (class Body(Schema): name = "
                     "Text(required=True)) and validate with Body.validate(json_body()), "
                     "then route it with body=Body (docs/plugins.md). Fields goes with the "
                     "next major CORE_API.")


class Fields:
    """Deprecated (declare a :class:`Schema`): validated values and per-field errors of a body.

    The imperative form of :class:`Schema`, running the same field classes
    with the same messages.  Constructing one warns (``DeprecationWarning``):
    ``Schema.validate`` does the same work, and a route's ``body=`` puts the
    schema in ``/openapi.json``.  ``Fields`` goes with the next major ``CORE_API``.
    """

    def __init__(self, data: Mapping[str, Any]):
        # Each construction warns; Python's filters show it once per calling line.
        warnings.warn(FIELDS_DEPRECATED, DeprecationWarning, stacklevel=2)
        self.data = data
        self.values: dict[str, Any] = {}
        self.errors: dict[str, str] = {}

    def field(self, name: str, field: Field, check: Callable[[Any], str | None] | None = None
              ) -> None:
        """Apply ``field``'s rules (and ``check``) to ``name``."""
        try:
            value = field.read(name, self.data, check)
        except Invalid as exc:
            self.errors[name] = exc.message(name)
            return
        if value is not MISSING:
            self.values[name] = value

    def text(self, name: str, *, required: bool = False, max_len: int = 200,
             min_len: int = 1, pattern: re.Pattern | None = None,
             pattern_msg: str = "has an invalid format", allow_empty: bool = False) -> None:
        """A string of ``min_len``-``max_len`` characters (stripped; ``pattern`` must match)."""
        self.field(name, Text(required=required, max_len=max_len, min_len=min_len,
                              pattern=pattern, pattern_msg=pattern_msg, allow_empty=allow_empty))

    def choice(self, name: str, choices: Iterable[str], *, required: bool = False) -> None:
        """One of ``choices``."""
        self.field(name, Choice(choices, required=required))

    def integer(self, name: str, *, required: bool = False, nullable: bool = False,
                check: Callable[[int], str | None] | None = None) -> None:
        """An integer (not a bool, not a numeric string); ``check(n)`` returns why it is
        refused, or ``None``."""
        self.field(name, Integer(required=required, nullable=nullable), check)

    def boolean(self, name: str, *, required: bool = False) -> None:
        """``true`` or ``false``."""
        self.field(name, Boolean(required=required))

    def date(self, name: str, *, required: bool = False, nullable: bool = True) -> None:
        """A ``YYYY-MM-DD`` date (``null`` clears it unless ``nullable=False``)."""
        self.field(name, Date(required=required, nullable=nullable))

    def email(self, name: str, *, required: bool = False) -> None:
        """An email address (:data:`EMAIL_RE`)."""
        self.field(name, Email(required=required))

    def username(self, name: str = "username", *, required: bool = False) -> None:
        """A username: 3 to 32 letters, digits, ``.``, ``_`` and ``-``."""
        self.field(name, Username(required=required))

    def password(self, name: str = "password", *, required: bool = False,
                 policy: Callable[[str], str | None] | None = None) -> None:
        """A password; ``policy(value)`` returns why it is refused (see ``kernel.users``)."""
        self.field(name, Password(required=required), policy)

    def add_error(self, name: str, message: str) -> None:
        """Report a problem of your own with ``name`` (``result()`` then answers 422)."""
        self.errors[name] = message

    def result(self) -> dict[str, Any]:
        """The validated values; raises 422 naming every bad field."""
        if self.errors:
            raise ApiError(422, "Validation failed", fields=self.errors)
        return self.values


class Page(Query):
    """``?page=&limit=``: which page of a listing, and how long a page is."""

    page = Integer(minimum=1, maximum=1_000_000, default=1, description="Page number, from 1")
    limit = Integer(minimum=1, maximum=MAX_PAGE_LIMIT, default=20,
                    description=f"Items per page (at most {MAX_PAGE_LIMIT})")


def query_int(name: str, default: int, *, minimum: int = 1, maximum: int | None = None) -> int:
    """``?name=`` as an integer in ``[minimum, maximum]``; ``default`` when absent; else 400."""
    field = Integer(minimum=minimum, maximum=maximum, default=default)
    return _query(name, field)


def pagination(default_limit: int = 20) -> tuple[int, int, int]:
    """``(page, limit, offset)`` from ``?page=&limit=``; 400 when out of range."""
    page = query_int("page", 1, minimum=1, maximum=1_000_000)
    limit = query_int("limit", default_limit, minimum=1, maximum=MAX_PAGE_LIMIT)
    return page, limit, (page - 1) * limit


def query_choice(name: str, choices: Iterable[str]) -> str | None:
    """``?name=`` when it is one of ``choices``, ``None`` when absent; else 400."""
    return _query(name, Choice(choices, default=None))


def _query(name: str, field: Field) -> Any:
    return read_query({name: field}, request.query).get(name)


__all__ = ["EMAIL_RE", "INT_MAX", "INT_MIN", "USERNAME_RE", "Fields", "Page", "json_body",
           "pagination", "query_choice", "query_int"]
