"""Request validation: JSON bodies, fields and pagination.

Lcore's ``validate_request`` coerces with ``str()`` (so ``{"title": 42}``
passes as ``"42"`` and ``{"title": null}`` as ``"None"``); these helpers check
types strictly and collect every problem into one 422 with ``fields``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from lcore import HTTPError, request

from ._errors import ApiError

EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,32}$")
MAX_PAGE_LIMIT = 100


JSON_LIMIT = 1_048_576
MAX_CONTAINERS = 10_000
MAX_DEPTH = 32
INT_MIN, INT_MAX = -(2**63), 2**63 - 1


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
        raise ApiError(413, f"JSON body exceeds {limit} bytes")
    hard = environ.get("lcore.body_max_size") or limit
    environ["lcore.body_max_size"] = min(hard, limit)  # also bounds a chunked body
    try:
        raw = request.body.read()
    except HTTPError as err:
        if err.status_code == 413:
            raise ApiError(413, f"JSON body exceeds {limit} bytes") from None
        raise
    if raw.count(b"{") + raw.count(b"[") > MAX_CONTAINERS:
        raise ApiError(413, f"JSON body has more than {MAX_CONTAINERS} objects and arrays")
    try:
        data = json.loads(raw)
    except RecursionError:
        raise ApiError(400, f"JSON body is nested more than {MAX_DEPTH} levels deep") from None
    except (ValueError, TypeError):
        raise ApiError(400, "Malformed JSON in request body") from None
    if not isinstance(data, dict):
        raise ApiError(400, "Request body must be a JSON object")
    _check_tree(data)
    return data


def _check_tree(data: Any) -> None:
    """Depth and text of a parsed body, without recursion."""
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ApiError(400, f"JSON body is nested more than {MAX_DEPTH} levels deep")
        values = item.items() if isinstance(item, dict) else enumerate(item)
        for key, value in values:
            for text in (key, value):
                if isinstance(text, str) and not _encodable(text):
                    raise ApiError(400, "JSON body contains text that is not valid Unicode "
                                        "(a lone surrogate such as \\ud800)")
            if isinstance(value, (dict, list)):
                stack.append((value, depth + 1))


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Fields:
    """Collects validated values and per-field errors for one body."""

    def __init__(self, data: Mapping[str, Any]):
        self.data = data
        self.values: dict[str, Any] = {}
        self.errors: dict[str, str] = {}

    def _take(self, name: str, required: bool) -> tuple[bool, Any]:
        if name not in self.data or self.data[name] is None:
            if required:
                self.errors[name] = f"{name} is required"
            return False, None
        return True, self.data[name]

    def text(self, name: str, *, required: bool = False, max_len: int = 200,
             min_len: int = 1, pattern: re.Pattern | None = None,
             pattern_msg: str = "has an invalid format", allow_empty: bool = False) -> None:
        present, value = self._take(name, required)
        if not present:
            return
        if not isinstance(value, str):
            self.errors[name] = f"{name} must be a string"
            return
        value = value.strip()
        if not value and allow_empty:
            self.values[name] = value
            return
        if len(value) < min_len:
            self.errors[name] = (f"{name} must not be empty" if min_len == 1
                                 else f"{name} must be at least {min_len} characters")
        elif len(value) > max_len:
            self.errors[name] = f"{name} must be at most {max_len} characters"
        elif pattern is not None and not pattern.match(value):
            self.errors[name] = f"{name} {pattern_msg}"
        else:
            self.values[name] = value

    def choice(self, name: str, choices: Iterable[str], *, required: bool = False) -> None:
        present, value = self._take(name, required)
        if not present:
            return
        choices = tuple(choices)
        if value not in choices:
            self.errors[name] = f"{name} must be one of: {', '.join(choices)}"
        else:
            self.values[name] = value

    def integer(self, name: str, *, required: bool = False, nullable: bool = False,
                check: Callable[[int], str | None] | None = None) -> None:
        if nullable and name in self.data and self.data[name] is None:
            self.values[name] = None
            return
        present, value = self._take(name, required)
        if not present:
            return
        if isinstance(value, bool) or not isinstance(value, int):
            self.errors[name] = f"{name} must be an integer"
            return
        if not INT_MIN <= value <= INT_MAX:
            self.errors[name] = f"{name} is out of range"
            return
        problem = check(value) if check else None
        if problem:
            self.errors[name] = problem
        else:
            self.values[name] = value

    def boolean(self, name: str, *, required: bool = False) -> None:
        present, value = self._take(name, required)
        if not present:
            return
        if isinstance(value, bool):
            self.values[name] = value
        elif value in (0, 1) and not isinstance(value, float):
            self.values[name] = bool(value)
        else:
            self.errors[name] = f"{name} must be true or false"

    def date(self, name: str, *, required: bool = False, nullable: bool = True) -> None:
        if nullable and name in self.data and self.data[name] in (None, ""):
            self.values[name] = None
            return
        present, value = self._take(name, required)
        if not present:
            return
        try:
            if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError
            dt.date.fromisoformat(value)
        except ValueError:
            self.errors[name] = f"{name} must be a date as YYYY-MM-DD"
            return
        self.values[name] = value

    def email(self, name: str, *, required: bool = False) -> None:
        self.text(name, required=required, max_len=254, pattern=EMAIL_RE,
                  pattern_msg="must be a valid email address")

    def username(self, name: str = "username", *, required: bool = False) -> None:
        self.text(name, required=required, max_len=32, min_len=3, pattern=USERNAME_RE,
                  pattern_msg="may contain only letters, digits, '.', '_' and '-'")

    def password(self, name: str = "password", *, required: bool = False,
                 policy: Callable[[str], str | None] | None = None) -> None:
        """A password; ``policy(value)`` returns why it is refused (see ``kernel.users``)."""
        present, value = self._take(name, required)
        if not present:
            return
        if not isinstance(value, str):
            self.errors[name] = f"{name} must be a string"
        elif policy is not None and (problem := policy(value)):
            self.errors[name] = problem
        elif len(value) > 1024:
            self.errors[name] = f"{name} must be at most 1024 characters"
        else:
            self.values[name] = value

    def add_error(self, name: str, message: str) -> None:
        self.errors[name] = message

    def result(self) -> dict[str, Any]:
        """The validated values; raises 422 naming every bad field."""
        if self.errors:
            raise ApiError(422, "Validation failed", fields=self.errors)
        return self.values


def query_int(name: str, default: int, *, minimum: int = 1, maximum: int | None = None) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        message = "must be an integer"
        raise ApiError(400, f"{name} {message}", fields={name: message}) from None
    maximum = INT_MAX if maximum is None else maximum
    if value < minimum or value > maximum:
        bound = f"between {minimum} and {maximum}"
        raise ApiError(400, f"{name} must be {bound}", fields={name: f"must be {bound}"})
    return value


def pagination(default_limit: int = 20) -> tuple[int, int, int]:
    """``(page, limit, offset)`` from ``?page=&limit=``; 400 when out of range."""
    page = query_int("page", 1, minimum=1, maximum=1_000_000)
    limit = query_int("limit", default_limit, minimum=1, maximum=MAX_PAGE_LIMIT)
    return page, limit, (page - 1) * limit


def query_choice(name: str, choices: Iterable[str]) -> str | None:
    raw = request.query.get(name)
    if raw in (None, ""):
        return None
    choices = tuple(choices)
    if raw not in choices:
        message = f"must be one of: {', '.join(choices)}"
        raise ApiError(400, f"{name} {message}", fields={name: message})
    return raw
