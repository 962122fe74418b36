"""``TaskFlowUI``: the ui package as an ordinary Lcore plugin.

For an existing Lcore app that does not use the discovery host::

    app.install(TaskFlowUI(config={"db_path": "app.db"}))

``setup`` finds the app's TaskFlow kernel (installing one with ``options``
when there is none yet) and registers a :class:`UIPlugin` in it, which adds
``/``, ``/frontend``, ``/static/...`` and the HTML error pages.
"""

from __future__ import annotations

from typing import Any

from lcore_taskflow.core import TaskFlow

from .plugin import UIPlugin


class TaskFlowUI:
    """Install with ``app.install(TaskFlowUI(**kernel_options))``."""

    name = "taskflow_ui"
    api = 2

    def __init__(self, config: dict[str, Any] | None = None, **options: Any):
        self.options = {**options, **({"config": config} if config is not None else {})}
        self.plugin = UIPlugin()
        self.kernel: TaskFlow | None = None

    def setup(self, app: Any) -> None:
        """Register the ui plugin in the app's kernel (creating the kernel if needed)."""
        self.kernel = TaskFlow.of(app, **self.options)
        self.kernel.add(self.plugin)

    def apply(self, callback: Any, route: Any) -> Any:
        """Routes are not wrapped: the ui only contributes routes and an error renderer."""
        return callback
