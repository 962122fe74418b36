"""``Extension``: a TaskFlow plugin packaged as an ordinary Lcore plugin.

Each feature package exposes one (``TaskFlowAuth``, ``TaskFlowNotify``,
``TaskFlowUI``) so that an existing Lcore app can use it without the
discovery host, the way Lcore users install plugins::

    app.install(TaskFlowAuth({"secret_key": "...", "db_path": "app.db"}))
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from ._kernel import TaskFlow

log = logging.getLogger("lcore_taskflow")


class Extension:
    """Installs the app's TaskFlow kernel (if it has none) and registers one plugin in it.

    :param config: kernel settings used when this installs the kernel; ``.env``
        and ``APP_*`` variables still override them.  When the app already has
        a kernel, its configuration stays as it is.
    :param kernel_options: other :class:`TaskFlow` options (``environ=``, ``dotenv=``).
    """

    name = "taskflow_extension"
    api = 2
    plugin_class: ClassVar[Callable[[], Any]]

    def __init__(self, config: Mapping[str, Any] | None = None, **kernel_options: Any):
        self.config = dict(config or {})
        self.kernel_options = kernel_options
        self.plugin = self.plugin_class()
        self.kernel: TaskFlow | None = None

    def setup(self, app) -> None:
        if getattr(app, "taskflow", None) is not None and (self.config or self.kernel_options):
            log.warning("%s: the app already has a TaskFlow kernel; the configuration "
                        "passed here is ignored", type(self).__name__)
        self.kernel = TaskFlow.of(app, config=self.config, **self.kernel_options)
        self.kernel.add(self.plugin)

    def apply(self, callback, route):
        """Routes are not wrapped here; the plugin's own route plugins do that."""
        return callback

    def close(self) -> None:
        """Stop the plugin's background work (Lcore calls this on ``app.uninstall``)."""
        shutdown = getattr(self.plugin, "taskflow_shutdown", None)
        if self.kernel is not None and shutdown is not None:
            shutdown(kernel=self.kernel)
