"""The assembled TaskFlow server, as the benchmark loads it under gunicorn.

It is ``examples/taskflow_server/app.py`` when that file exists (loaded by
path, so its ``__main__`` block does not run), else a fresh
``lcore_taskflow.core.create_app()`` with every installed plugin discovered.
Either way the per-request access logger is set to WARNING so the run does
not measure terminal or file I/O; both benchmarked apps build the log line
anyway (Lcore's ``RequestLoggerMiddleware`` formats it before logging).

Configuration comes from ``APP_*`` variables; ``run.py`` sets
``APP_SECRET_KEY``, ``APP_DB_PATH``, ``APP_LOG_LEVEL=WARNING`` and points
``TASKFLOW_ENV_FILE`` at a file that does not exist (no stray ``.env``).
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "taskflow_server" / "app.py"


def load_app():
    """The example server's ``app`` if present, else ``create_app()``; and which one."""
    if EXAMPLE.is_file():
        spec = importlib.util.spec_from_file_location("taskflow_bench_example_app", EXAMPLE)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.app, str(EXAMPLE)
    from lcore_taskflow.core import create_app

    return create_app(dotenv=None), "lcore_taskflow.core.create_app()"


for _name in ("lcore_taskflow.http", "lcore_taskflow.audit", "lcore_taskflow.lifecycle"):
    logging.getLogger(_name).setLevel(logging.WARNING)

app, SOURCE = load_app()
