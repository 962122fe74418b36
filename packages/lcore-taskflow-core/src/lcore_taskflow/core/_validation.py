"""Request validation: JSON bodies, fields and pagination.

Lcore's ``validate_request`` coerces with ``str()`` (so ``{"title": 42}``
passes as ``"42"`` and ``{"title": null}`` as ``"None"``); these helpers check
types strictly and collect every problem into one 422 with ``fields``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from lcore import HTTPError, request

from ._errors import ApiError

EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,32}$")
MAX_PAGE_LIMIT = 100


def json_body() -> dict[str, Any]:
    """The request's JSON object; 400 for a missing, malformed or non-object body."""
    ctype = (request.content_type or "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise ApiError(400, "Request body must be JSON (Content-Type: application/json)")
    try:
        data = request.json
    except HTTPError as err:
        if err.status_code == 413:
            raise
        raise ApiError(400, "Malformed JSON in request body") from None
    if data is None:
        raise ApiError(400, "Request body must be a JSON object")
    if not isinstance(data, dict):
        raise ApiError(400, "Request body must be a JSON object")
    return data


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

    def password(self, name: str = "password", *, required: bool = False) -> None:
        present, value = self._take(name, required)
        if not present:
            return
        if not isinstance(value, str):
            self.errors[name] = f"{name} must be a string"
        elif len(value) < 8:
            self.errors[name] = f"{name} must be at least 8 characters"
        elif len(value) > 256:
            self.errors[name] = f"{name} must be at most 256 characters"
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
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
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
