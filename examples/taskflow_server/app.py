"""The full TaskFlow server: every installed TaskFlow plugin, assembled by discovery.

Importing this module builds the WSGI application ``app`` (what gunicorn,
waitress-serve or any WSGI server loads as ``examples.taskflow_server.app:app``
or ``app:app``); running it as a script serves ``app`` with waitress, the
multi-threaded production server, on ``APP_HOST``:``APP_PORT``.  Without a
checkout, the packaged factory ``lcore_taskflow.core:create_app`` builds the
same app (``gunicorn 'lcore_taskflow.core:create_app()'``).

Configuration: defaults < ``.env`` < ``APP_*`` environment variables.  The
``.env`` file is ``$TASKFLOW_ENV_FILE`` when set, else ``./.env`` in the working
directory when it exists, else the ``.env`` next to this file.  Every key is
documented in ``.env.example`` beside this file.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from lcore_taskflow.core import ConfigError, OperationalError, create_app, serve, server_missing

HERE = Path(__file__).resolve().parent


def env_file() -> str:
    """The ``.env`` to read: explicit, then the working directory's, then ours."""
    explicit = os.environ.get("TASKFLOW_ENV_FILE")
    if explicit:
        return explicit
    local = Path.cwd() / ".env"
    return str(local if local.is_file() else HERE / ".env")


def build() -> object:
    """The assembled app; a bad configuration, or a database that cannot serve the
    start-up, ends the process with its message."""
    try:
        return create_app(dotenv=env_file())
    except (ConfigError, OperationalError) as exc:
        # A WSGI server importing this module shows the message and stops;
        # a traceback would only bury the key that needs fixing.
        sys.exit(f"taskflow: {exc}")


if __name__ == "__main__" and (missing := server_missing()):
    sys.exit(missing)  # say so before build() creates the database

app = build()


def main(argv: list[str] | None = None) -> int:
    """Serve ``app`` with waitress exactly as ``taskflow serve`` does (same flags,
    same connection handling and trusted proxies)."""
    return serve(app, argv, description="Serve the full TaskFlow server (waitress)")


if __name__ == "__main__":
    sys.exit(main())
