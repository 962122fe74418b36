"""``Client``: Lcore's TestClient with JSON defaults, a current user and a token."""

from __future__ import annotations

import json as _json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from lcore import Lcore, TestClient

# The seed's demo users and their well-known passwords (APP_SEED_DEMO).
DEMO_PASSWORDS = {"admin": "admin123", "alice": "alice123", "bob": "bob123"}


class Response:
    """A TestClient answer with ``status``, lower-cased ``headers``, ``json`` and ``text``."""

    def __init__(self, raw: Any):
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
    """Requests to an app in-process, as a user.

    ``as_user("alice")`` signs in through :class:`HeaderIdentity` (the
    ``X-Test-User`` header); ``with_token(token)`` sends a real bearer token
    (see :func:`login`).  Paths are the app's (``kernel.url()`` adds a mount
    prefix); ``query`` takes a dict.
    """

    def __init__(self, app: Lcore, user: str | None = None,
                 headers: Mapping[str, str] | None = None):
        self.app = app
        self._client = TestClient(app)
        self.user = user
        self.headers = dict(headers or {})

    @property
    def token(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        return auth[7:] if auth.startswith("Bearer ") else None

    def as_user(self, user: str | None) -> Client:
        return Client(self.app, user, self.headers)

    def with_token(self, token: str | None) -> Client:
        headers = {k: v for k, v in self.headers.items() if k != "Authorization"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return Client(self.app, None, headers)

    def request(self, method: str, path: str, *, json: Any = None,
                query: Mapping[str, Any] | None = None,
                headers: Mapping[str, str] | None = None, **kw: Any) -> Response:
        merged = {"Accept": "application/json", **self.headers, **(headers or {})}
        if self.user:
            merged["X-Test-User"] = self.user
        if "?" in path:
            path, kw["query_string"] = path.split("?", 1)
        if query:
            kw["query_string"] = urlencode(query)
        return Response(self._client.request(method, path, json=json, headers=merged, **kw))

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


def login(app: Lcore, username: str, password: str | None = None) -> Client:
    """A client with a real bearer token of ``username`` (needs the auth plugin in ``app``).

    ``password`` defaults to the demo user's seeded one.  Fails, showing the
    answer, when the login is refused or ``/auth/login`` does not exist.
    """
    kernel = app.taskflow
    answer = Client(app).post(kernel.url("/auth/login"), json={
        "username": username, "password": password or DEMO_PASSWORDS.get(username, "")})
    if answer.status != 200:
        hint = (" (is the auth plugin in this app? taskflow_app(auth=True))"
                if answer.status == 404 else "")
        raise AssertionError(f"login of {username!r} failed{hint}: {answer!r}")
    return Client(app).with_token(answer.json["token"])


def assert_error(resp: Response, status: int, *, fields: tuple[str, ...] = ()) -> dict:
    """Check TaskFlow's error shape ``{"error": str, "status": int[, "fields"]}``; return it."""
    assert resp.status == status, resp
    assert resp.headers["content-type"].startswith("application/json"), resp.headers
    body = resp.json
    assert body["status"] == status, body
    assert isinstance(body["error"], str) and body["error"], body
    assert "Traceback" not in resp.text
    for name in fields:
        assert name in body.get("fields", {}), body
    return body


def multipart(field: str, filename: str, content: bytes,
              content_type: str = "application/octet-stream") -> tuple[bytes, str]:
    """A ``multipart/form-data`` body with one file; returns ``(body, content_type)``."""
    boundary = "taskflowtestboundary7d93"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n').encode()
    body = head + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"
