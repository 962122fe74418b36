"""lcore-taskflow-io: data in and out of TaskFlow.

Imports (Trello board exports, CSV, TaskFlow's own JSON) run as jobs off the
request; projects export as streamed JSON or CSV; ``taskflow export`` /
``taskflow import`` move a whole instance (SQLite to PostgreSQL); a calendar
feed and personal data complete it.

Nothing happens at import time.  The TaskFlow host loads :class:`IOPlugin`
through the ``lcore_taskflow.plugins`` entry point; any other Lcore app
installs :class:`TaskFlowIO`.
"""

from __future__ import annotations

__version__ = "0.3.0"

from .config import IOConfig
from .extension import TaskFlowIO
from .plugin import IOPlugin

__all__ = ["IOConfig", "IOPlugin", "TaskFlowIO", "__version__"]
