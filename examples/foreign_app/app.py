"""A foreign Lcore app that adds TaskFlow auth to its own routes.

Only core and auth are used, installed the Lcore way (``app.install``), with
no entry-point discovery.  ``GET /hello`` is public, ``GET /me`` needs any
signed-in user, ``GET /reports`` needs an admin.  Sign in with
``POST /auth/login`` and send the token as ``Authorization: Bearer <token>``
(or let the ``session_user`` cookie do it).

Run: ``APP_SECRET_KEY=... python examples/foreign_app/app.py`` (waitress on
``APP_HOST``:``APP_PORT``, default 127.0.0.1:8081), or serve the module-level
WSGI ``app`` with gunicorn/waitress.
"""

from __future__ import annotations

import logging
import os
import secrets

from lcore import Lcore, ctx
from lcore_taskflow.auth import TaskFlowAuth
from lcore_taskflow.core import TaskFlow

log = logging.getLogger("foreign_app")


def _settings() -> dict:
    """Defaults of this example; ``.env`` and ``APP_*`` variables override them."""
    settings = {"port": 8081, "db_path": "./foreign_app.db"}
    if not os.environ.get("APP_SECRET_KEY"):
        # Fine for a demo; tokens die with the process and differ between workers.
        log.warning("APP_SECRET_KEY is not set: using a random secret for this process")
        settings["secret_key"] = secrets.token_hex(32)
    return settings


def build_app() -> Lcore:
    """The app: its own routes, protected by route options."""
    app = Lcore()
    app.install(TaskFlow(_settings()))  # core: config, database, users
    app.install(TaskFlowAuth())  # auth: tokens, cookie, /auth/*, auth= rules

    @app.get("/hello")
    def hello():
        """Public."""
        return {"message": "Hello from a foreign Lcore app"}

    @app.get("/me", auth=True)
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
