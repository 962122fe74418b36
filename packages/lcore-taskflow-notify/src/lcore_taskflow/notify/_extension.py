"""``TaskFlowNotify``: the notify package as an ordinary Lcore plugin.

For an existing Lcore app that does not use the discovery host::

    app.install(TaskFlowNotify(config={"db_path": "app.db", "smtp_host": "mail.example.com"}))

``setup`` finds the app's TaskFlow kernel (installing one with ``options``
when there is none yet) and registers a :class:`NotifyPlugin` in it, which
mounts ``/api/notifications/`` and starts the background sender.
"""

from __future__ import annotations

from lcore_taskflow.core import Extension

from ._plugin import NotifyPlugin


class TaskFlowNotify(Extension):
    """Install with ``app.install(TaskFlowNotify(config, **kernel_options))``;
    uninstalling drains the background sender."""

    name = "taskflow_notify"
    plugin_class = NotifyPlugin
