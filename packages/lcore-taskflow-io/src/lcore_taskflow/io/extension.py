"""``TaskFlowIO``: the io package as an ordinary Lcore plugin.

For an existing Lcore app that does not use the discovery host::

    app.install(TaskFlowIO({"import_max_bytes": 8 * 1024 * 1024}))

``setup`` finds the app's TaskFlow kernel (installing one with ``options``
when there is none yet) and registers an :class:`IOPlugin` in it.
"""

from __future__ import annotations

from lcore_taskflow.core import Extension

from .plugin import IOPlugin


class TaskFlowIO(Extension):
    """Install with ``app.install(TaskFlowIO(config, **kernel_options))``."""

    name = "taskflow_io"
    plugin_class = IOPlugin
