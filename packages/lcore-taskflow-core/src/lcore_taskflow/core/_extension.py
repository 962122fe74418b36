"""``Extension``: a TaskFlow plugin packaged as an ordinary Lcore plugin.

Each feature package exposes one (``TaskFlowAuth``, ``TaskFlowNotify``,
``TaskFlowUI``) so that an existing Lcore app can use it without the
discovery host, the way Lcore users install plugins::

    app.install(TaskFlowAuth({"secret_key": "...", "db_path": "app.db"}))
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar

from lcore import PluginError

from ._kernel import TaskFlow

log = logging.getLogger("lcore_taskflow")


class Extension:
    """Installs the app's TaskFlow kernel (if it has none) and registers one plugin in it.

    :param config: settings for the kernel and the plugin (``.env`` and
        ``APP_*`` variables still override them).  When the app already has
        a kernel, they are merged into its configuration; a value that
        contradicts one the kernel already runs with is refused.
    :param kernel_options: other :class:`TaskFlow` options (``environ=``,
        ``dotenv=``, ``prefix=``) for a kernel this installs.
    """

    name = "taskflow_extension"
    api = 2
    plugin_class: ClassVar[type[Any]]

    def __init__(self, config: Mapping[str, Any] | None = None, **kernel_options: Any):
        self.config = dict(config or {})
        self.kernel_options = kernel_options
        self.plugin = self.plugin_class()
        self.kernel: TaskFlow | None = None

    def setup(self, app) -> None:
        """Lcore calls this on ``app.install(...)``: add the plugin to the app's kernel
        (installing one first when the app has none)."""
        kernel = getattr(app, "taskflow", None)
        if kernel is None:
            # One batch with the kernel: if the plugin fails, nothing stays.
            options = dict(self.kernel_options)
            plugins = [*options.pop("plugins", ()), self.plugin]
            self.kernel = TaskFlow(self.config, plugins=plugins, **options)
            app.install(self.kernel)
            return
        if self.kernel_options:
            raise PluginError(f"{type(self).__name__}: the app already has a TaskFlow kernel; "
                              f"{', '.join(sorted(self.kernel_options))} can only be given "
                              "to the kernel itself")
        self.kernel = kernel
        kernel.add(self.plugin, config=self.config)

    def apply(self, callback, route):
        """Routes are not wrapped here: the kernel wraps its plugins' routes."""
        return callback

    def close(self) -> None:
        """Lcore calls this on ``app.close()``: the kernel stops every plugin once."""
        if self.kernel is not None:
            self.kernel.close()
