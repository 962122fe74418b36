"""A host app that is not TaskFlow's: for testing TaskFlow (or a plugin) as a guest.

``inventory_app(db_path)`` is a small Lcore app of its own — an inventory
with its own SQLite database, routes (some under ``/api/`` and ``/admin/``),
error handlers with their own JSON shape, a middleware and a route plugin.
Tests build it with and without TaskFlow installed and compare the answers
of its routes byte for byte: installing TaskFlow must change nothing the
host did not ask for.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

from lcore import HTTPError, Lcore, Middleware, TestClient, request, response

#: The host's requests whose answers must not change when TaskFlow is installed.
HOST_REQUESTS: list[tuple[str, str, bytes]] = [
    ("GET", "/items", b""),
    ("GET", "/items/1", b""),
    ("GET", "/items/999", b""),
    ("POST", "/items", b'{"name": "bolt", "count": 7}'),
    ("POST", "/items", b"not json"),
    ("DELETE", "/items", b""),
    ("GET", "/api/stock", b""),
    ("GET", "/admin/report", b""),
    ("GET", "/boom", b""),
    ("GET", "/no/such/page", b""),
    ("OPTIONS", "/items", b""),
]


class Stamp(Middleware):
    """The host's own middleware: a header on every answer."""

    name = "inventory_stamp"
    order = 5

    def __call__(self, ctx, next_handler):
        result = next_handler(ctx)
        ctx.response.set_header("X-Inventory", "1")
        return result


class Envelope:
    """The host's own route plugin: wraps dict answers in ``{"data": ...}``."""

    name = "inventory_envelope"
    api = 2

    def apply(self, callback, route):
        def wrapped(*args, **kwargs):
            result = callback(*args, **kwargs)
            return {"data": result} if isinstance(result, dict) else result
        return wrapped


def _error(err) -> str:
    response.content_type = "application/json"
    return json.dumps({"problem": err.status_code, "detail": str(err.body)})


def inventory_app(db_path: str, *, routes_first: bool = True,
                  install: Any = None) -> Lcore:
    """The host app; ``install`` (a plugin or list) goes in before or after its routes."""
    app = Lcore()
    extras = install if isinstance(install, (list, tuple)) else [install] if install else []
    if not routes_first:
        for plugin in extras:
            app.install(plugin)
    for code in (400, 404, 405, 500):
        app.error(code, _error)
    app.use(Stamp())
    app.install(Envelope())
    _routes(app, db_path)
    if routes_first:
        for plugin in extras:
            app.install(plugin)
    return app


def _connect(db_path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    conn.execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT,"
                 " count INTEGER)")
    if not conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]:
        conn.execute("INSERT INTO items (name, count) VALUES ('nut', 3)")
        conn.commit()
    return conn


def _routes(app: Lcore, db_path: str) -> None:
    @app.get("/items")
    def items():
        with _connect(db_path) as conn:
            return {"items": [dict(r) for r in conn.execute("SELECT * FROM items ORDER BY id")]}

    @app.get("/items/<id:int>")
    def item(id):
        with _connect(db_path) as conn:
            row = conn.execute("SELECT * FROM items WHERE id = ?", (id,)).fetchone()
        if row is None:
            raise HTTPError(404, f"no item {id}")
        return dict(row)

    @app.post("/items")
    def add_item():
        try:
            data = json.loads(request.body.read() or b"{}")
        except ValueError:
            raise HTTPError(400, "bad json") from None
        with _connect(db_path) as conn:
            conn.execute("INSERT INTO items (name, count) VALUES (?, ?)",
                         (data.get("name"), data.get("count")))
        response.status = 201
        return {"added": data.get("name")}

    @app.get("/api/stock")
    def stock():
        return {"stock": "plenty"}

    @app.get("/admin/report")
    def report():
        return {"report": "host's own, unprotected by design"}

    @app.get("/boom")
    def boom():
        raise RuntimeError("host failure")


def answers(app: Lcore, requests: list[tuple[str, str, bytes]] | None = None,
            headers: dict[str, str] | None = None) -> Iterator[tuple[str, str, bytes]]:
    """``(status, sorted headers, body)`` of each request, for byte-for-byte comparison."""
    client = TestClient(app)
    for method, path, body in requests or HOST_REQUESTS:
        res = client.request(method, path, body=body, headers=dict(headers or {}),
                             content_type="application/json" if body else None)
        yield res.status, repr(sorted(res.headers.items())), res.body
