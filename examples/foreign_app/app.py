"""A foreign Lcore app that adds TaskFlow auth to its own routes.

Only core and auth are used, installed the Lcore way (``app.install``), with
no entry-point discovery.  The app keeps everything of its own: its error
handlers answer its routes in its own JSON shape, its ``/api/status`` stays
public although it lives under ``/api/``, and its JSON bodies are exactly
what its handlers return.  TaskFlow adds ``/auth/*``, ``/api/users/``,
``/api/projects/`` and ``/health`` (answered TaskFlow's way) and protects
the routes that ask for it with ``auth=``:

* ``GET /hello`` and ``GET /api/status``: public;
* ``GET /me``: any signed-in user (bearer token or the session cookie);
* ``GET /reports``: admins only.

Sign in with ``POST /auth/login``; send the token as
``Authorization: Bearer <token>``.

Run: ``APP_SECRET_KEY=... python examples/foreign_app/app.py`` (waitress on
``APP_HOST``:``APP_PORT``, default 127.0.0.1:8081), or serve the module-level
WSGI ``app`` with gunicorn/waitress.
"""

from __future__ import annotations

import json
import logging
import os
import secrets

from lcore import Lcore, ctx, response
from lcore_taskflow.auth import TaskFlowAuth
from lcore_taskflow.core import TaskFlow

log = logging.getLogger("foreign_app")


def _settings() -> dict:
    """Defaults of this example; ``.env`` and ``APP_*`` variables override them."""
    # A demo: its empty database gets the demo users (admin/admin123, ...).
    settings = {"port": 8081, "db_path": "./foreign_app.db", "seed_demo": True}
    if not os.environ.get("APP_SECRET_KEY"):
        # Fine for a demo; tokens die with the process and differ between workers.
        log.warning("APP_SECRET_KEY is not set: using a random secret for this process")
        settings["secret_key"] = secrets.token_hex(32)
    return settings


def host_error(err) -> str:
    """The host's own error shape; TaskFlow leaves it in charge of the host's routes."""
    response.content_type = "application/json"
    return json.dumps({"ok": False, "code": err.status_code, "reason": err.body})


def build_app() -> Lcore:
    """The app: its own routes and error handlers, protected by route options."""
    app = Lcore()
    for code in (401, 403, 404, 405, 500):
        app.error(code, host_error)

    app.install(TaskFlow(_settings()))  # core: config, database, users
    app.install(TaskFlowAuth())  # auth: tokens, cookie, /auth/*, identity for auth=

    @app.get("/hello")
    def hello():
        """Public."""
        return {"message": "Hello from a foreign Lcore app"}

    @app.get("/api/status", auth=False)
    def status():
        """Public, although under /api/ (TaskFlow protects only what asks for it)."""
        return {"ok": True}

    @app.get("/me", auth=True, auth_via=("bearer", "cookie"))
    def me():
        """Any signed-in user."""
        user = ctx.user
        return {"id": user["id"], "username": user["username"], "role": user["role"]}

    @app.get("/reports", auth="admin")
    def reports():
        """Admins only."""
        with app.taskflow.database() as db:
            return {"report": {"users": db.count("users"),
                               "active_users": db.count("users", "is_active = 1"),
                               "projects": db.count("projects")}}

    return app


app = build_app()


def main() -> None:
    from waitress import serve

    config = app.taskflow.config
    host, port = config.host, int(config.port)  # APP_HOST / APP_PORT
    print(f"foreign app on http://{host}:{port}/hello", flush=True)
    serve(app, host=host, port=port, threads=config.threads)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()
