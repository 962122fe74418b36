"""lcore-taskflow-core: the TaskFlow kernel and its core APIs for Lcore apps.

Nothing happens at import time; build an app with :func:`create_app` or
install :class:`TaskFlow` into an existing Lcore app.
"""

from __future__ import annotations

__version__ = "0.1.0"

from ._errors import ApiError
from ._kernel import TaskFlow, create_app
from ._plugins import ENTRY_POINT_GROUP, hookimpl
from .events import Event

__all__ = [
           "ENTRY_POINT_GROUP",
           "ApiError",
           "Event",
           "TaskFlow",
           "__version__",
           "create_app",
           "hookimpl",
]
