"""``TaskFlowUI``: the ui package as an ordinary Lcore plugin.

For an existing Lcore app that does not use the discovery host::

    app.install(TaskFlowUI(config={"db_path": "app.db"}))

``setup`` finds the app's TaskFlow kernel (installing one with ``options``
when there is none yet) and registers a :class:`UIPlugin` in it, which adds
``/``, ``/frontend``, ``/static/...`` and the HTML error pages.
"""

from __future__ import annotations

from lcore_taskflow.core import Extension

from ._plugin import UIPlugin


class TaskFlowUI(Extension):
    """Install with ``app.install(TaskFlowUI(config, **kernel_options))``."""

    name = "taskflow_ui"
    plugin_class = UIPlugin
