"""Helpers for testing TaskFlow plugins (used by the suite's own tests).

``HeaderIdentity`` trusts an ``X-Test-User`` header: it exists so that core
and plugins can be tested without an authentication package.  Never register
it in a real application.

Both database engines: a conftest parametrises its apps with

    @pytest.fixture(params=ENGINES)
    def database_url(request, tmp_path):
        with engine_database(request.param, tmp_path) as url:
            yield url

``ENGINES`` is ``("sqlite", "postgresql")``, or what ``TASKFLOW_TEST_ENGINES``
lists.  A PostgreSQL test without a server (see :mod:`.services`) is skipped
with the reason, or fails under CI (``CI`` or ``TASKFLOW_REQUIRE_SERVICES``
set to a true value).
"""

from __future__ import annotations

import contextlib
import json as _json
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

from lcore import Lcore, TestClient

from .._access import role_policy
from .._db import sqlite_url
from .._kernel import create_app
from .._plugins import hookimpl
from . import services

FAST_CONFIG = {
    "debug": False,
    "secret_key": "test-secret-key-0123456789abcdef",
    "password_iterations": 1000,
    "seed_demo": True,
}


ENGINES = tuple(e.strip() for e in os.environ.get(
    "TASKFLOW_TEST_ENGINES", "sqlite,postgresql").split(",") if e.strip())
_TRUE = ("1", "true", "yes", "on")


def services_required() -> bool:
    """Whether a missing test service fails the run instead of skipping (CI)."""
    return any(os.environ.get(k, "").strip().lower() in _TRUE
               for k in ("CI", "TASKFLOW_REQUIRE_SERVICES"))


def skip_or_fail(reason: str) -> None:
    """``pytest.skip(reason)``, or ``pytest.fail`` when services are required."""
    import pytest

    if services_required():
        pytest.fail(f"{reason} (required: CI or TASKFLOW_REQUIRE_SERVICES is set)")
    pytest.skip(reason)


def require_postgres() -> str:
    """The URL of the PostgreSQL server for tests; skips (or fails) without one,
    and skips when ``TASKFLOW_TEST_ENGINES`` leaves PostgreSQL out."""
    if "postgresql" not in ENGINES:
        import pytest

        pytest.skip("PostgreSQL is not in TASKFLOW_TEST_ENGINES")
    found = services.find_postgres()
    if found.url is None:
        skip_or_fail(found.note)
    return found.url


@contextlib.contextmanager
def engine_database(engine: str, tmp_path: str | os.PathLike) -> Iterator[str]:
    """The ``database_url`` of a new, empty database of ``engine`` for one test."""
    if engine == "sqlite":
        yield sqlite_url(os.path.join(tmp_path, "taskflow.db"))
    elif engine == "postgresql":
        with services.empty_database(require_postgres()) as url:
            yield url
    else:
        raise ValueError(f"unknown engine {engine!r} (TASKFLOW_TEST_ENGINES)")


class HeaderIdentity:
    """Test-only identity and permission plugin (the seed's RBAC policy).

    The request's user is the one named by the ``X-Test-User`` header.
    """

    name = "test-identity"
    version = "0"

    @hookimpl
    def taskflow_identify(self, request, kernel):
        username = request.get_header("X-Test-User")
        if not username:
            return None
        with kernel.database() as db:
            return db.fetchone("SELECT id, username, email, role FROM users"
                               " WHERE username = ? AND is_active = 1", (username,))

    @hookimpl
    def taskflow_authorize(self, user, action, resource, kernel):
        return role_policy(user, action, resource)


def make_app(tmp_path: str | os.PathLike, *, plugins: Iterable[Any] = (),
             discover: bool = False, database_url: str | None = None, **config: Any) -> Lcore:
    """An assembled app on ``database_url``, by default a fresh SQLite file
    under ``tmp_path`` (which also holds the uploads)."""
    settings = {**FAST_CONFIG, "db_path": os.path.join(tmp_path, "taskflow.db"),
                "upload_dir": os.path.join(tmp_path, "uploads"),
                "database_url": database_url or "", **config}
    return create_app(settings, plugins=plugins, discover=discover, environ={}, dotenv=None)


class Response:
    """A TestClient answer with ``status``, ``headers``, ``json`` and ``text``."""

    def __init__(self, raw):
        self.status = raw.status_code
        self.headers = {k.lower(): v for k, v in raw.headers.items()}
        self.body = raw.body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def json(self) -> Any:
        return _json.loads(self.body)

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.body[:200]!r}>"


class Client:
    """Lcore's TestClient with JSON defaults, query dicts and a current user."""

    def __init__(self, app: Lcore, user: str | None = None,
                 headers: Mapping[str, str] | None = None):
        self.app = app
        self._client = TestClient(app)
        self.user = user
        self.headers = dict(headers or {})

    def as_user(self, user: str | None) -> Client:
        return Client(self.app, user, self.headers)

    def request(self, method: str, path: str, *, json: Any = None, query: Mapping | None = None,
                headers: Mapping[str, str] | None = None, **kw: Any) -> Response:
        merged = {"Accept": "application/json", **self.headers, **(headers or {})}
        if self.user:
            merged["X-Test-User"] = self.user
        if "?" in path:
            path, qs = path.split("?", 1)
            kw["query_string"] = qs
        if query:
            kw["query_string"] = urlencode(query)
        raw = self._client.request(method, path, json=json, headers=merged, **kw)
        return Response(raw)

    def get(self, path: str, **kw: Any) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Response:
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> Response:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> Response:
        return self.request("DELETE", path, **kw)

    def options(self, path: str, **kw: Any) -> Response:
        return self.request("OPTIONS", path, **kw)


def multipart(field: str, filename: str, content: bytes,
              content_type: str = "application/octet-stream") -> tuple[bytes, str]:
    """A ``multipart/form-data`` body with one file; returns ``(body, content_type)``."""
    boundary = "taskflowtestboundary7d93"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n').encode()
    body = head + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"
