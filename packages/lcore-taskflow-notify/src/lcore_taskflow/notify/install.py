"""``TaskFlowNotify``: the notify package as an ordinary Lcore plugin.

For an existing Lcore app that does not use the discovery host::

    app.install(TaskFlowNotify(config={"db_path": "app.db", "smtp_host": "mail.example.com"}))

``setup`` finds the app's TaskFlow kernel (installing one with ``options``
when there is none yet) and registers a :class:`NotifyPlugin` in it, which
mounts ``/api/notifications/`` and starts the background sender.
"""

from __future__ import annotations

from typing import Any

from lcore_taskflow.core import TaskFlow

from .plugin import NotifyPlugin


class TaskFlowNotify:
    """Install with ``app.install(TaskFlowNotify(**kernel_options))``."""

    name = "taskflow_notify"
    api = 2

    def __init__(self, config: dict[str, Any] | None = None, **options: Any):
        self.options = {**options, **({"config": config} if config is not None else {})}
        self.plugin = NotifyPlugin()
        self.kernel: TaskFlow | None = None

    def setup(self, app: Any) -> None:
        self.kernel = TaskFlow.of(app, **self.options)
        self.kernel.add(self.plugin)

    def apply(self, callback: Any, route: Any) -> Any:
        return callback

    def close(self) -> None:
        """Drain the background sender (Lcore calls this on ``app.uninstall``)."""
        if self.kernel is not None:
            self.plugin.taskflow_shutdown(self.kernel)
