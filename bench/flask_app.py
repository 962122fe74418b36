"""A minimal Flask app: the benchmark's second peer (issue 25).

The same endpoints, SQL, token check and row dicts as ``handwired_app.py``
(imported from it, so the two never drift apart), written the way a small
Flask service would be: no middleware stack, no route plugins, Flask's own
JSON provider.  It compresses JSON answers of 256 bytes or more with gzip
level 6 when the client accepts it, as the suite and the hand-wired app do:
the harnesses send ``Accept-Encoding: gzip`` like a browser, and a peer that
skipped compression would be measuring a different response.

Flask is installed for the benchmark only (``pip install flask``); no
package of the suite depends on it.

Environment: ``APP_SECRET_KEY``, ``APP_DB_PATH`` (as ``handwired_app``).
Run: ``gunicorn -w 2 -k gthread --threads 4 flask_app:app`` (from ``bench/``).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json

import handwired_app as hw
from flask import Flask, g, request

app = Flask("taskflow_flask_bench")
app.json.sort_keys = False  # the suite keeps the SELECT's column order
app.json.ensure_ascii = True
GZIP_MIN = 256


def fail(status: int, message: str, fields: dict | None = None):
    body = {"error": message, "status": status}
    if fields:
        body["fields"] = fields
    return body, status


@app.before_request
def authenticate():
    """Bearer token on /api/*; the user must still be active (the same SQL)."""
    if not request.path.startswith("/api/"):
        return None
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return fail(401, "Missing or invalid Authorization header")
    payload = hw.verify_token(header[7:])
    if not payload:
        return fail(401, "Invalid or expired token")
    user = hw.db().execute(hw.USER_LOOKUP, (payload.get("jti") or "",
                                            payload.get("sub"))).fetchone()
    if user is None or user["revoked"] or user["token_generation"] != payload.get("gen", 0):
        return fail(401, "Invalid, expired or revoked token")
    g.user = user
    return None


@app.after_request
def compress(response):
    if (response.mimetype == "application/json" and not response.direct_passthrough
            and "gzip" in request.headers.get("Accept-Encoding", "")):
        data = response.get_data()
        if len(data) >= GZIP_MIN:
            response.set_data(gzip.compress(data, 6))
            response.headers["Content-Encoding"] = "gzip"
            response.headers["Vary"] = "Accept-Encoding"
    return response


@app.get("/health")
def health():
    hw.db().execute("SELECT 1").fetchone()
    return {"status": "ok", "database": "ok", "plugins": [], "version": hw.API_VERSION}


def _answer(work, *args):
    try:
        return work(*args)
    except hw.Fail as err:
        return fail(err.status, err.message, err.fields)


@app.get("/api/projects/<int:pid>/tasks")
def list_tasks(pid: int):
    return _answer(hw.task_page, hw.db(), pid, g.user, request.args)


@app.get("/api/projects/<int:pid>/tasks/<int:tid>")
def get_task(pid: int, tid: int):
    return _answer(hw.task_detail, hw.db(), pid, tid, g.user)


@app.post("/api/projects/<int:pid>/tasks")
def create_task(pid: int):
    data = request.get_json(silent=True)
    if data is None:
        return fail(400, "Malformed JSON in request body")
    answer = _answer(hw.new_task, hw.db(), pid, g.user, data)
    return (answer, 201) if isinstance(answer, dict) else answer


@app.get("/api/projects/dashboard/overview")
def dashboard_overview():
    # Flask's sync view runs the three queries in the same executor as the
    # hand-wired app's async one, so both pay the same thread hand-offs.
    async def gather():
        loop = asyncio.get_running_loop()
        return await asyncio.gather(*(loop.run_in_executor(hw.executor, lambda f=f: f(hw.db()))
                                      for f in (hw._projects, hw._overdue, hw._totals)))

    projects, overdue, totals = asyncio.run(gather())
    body = {"projects": projects, "overdue_tasks": overdue, "totals": totals}
    tag = '"' + hashlib.sha1(json.dumps(body, sort_keys=True).encode(),
                             usedforsecurity=False).hexdigest() + '"'
    return body, 200, {"ETag": tag}

