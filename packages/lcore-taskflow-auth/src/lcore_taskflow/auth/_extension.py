"""``TaskFlowAuth``: token auth, cookie sessions and RBAC for any Lcore app.

::

    app = Lcore()
    app.install(TaskFlowAuth({"secret_key": "...", "db_path": "app.db"}))

    @app.get("/reports", auth="admin")
    def reports(): ...
"""

from __future__ import annotations

from lcore_taskflow.core import Extension

from ._plugin import AuthPlugin


class TaskFlowAuth(Extension):
    """An Lcore plugin that adds the TaskFlow kernel (if missing) and the auth plugin.

    ``config`` (``secret_key``, ``db_path``, ``token_ttl``, ...) is used when
    this installs the kernel; see :class:`lcore_taskflow.core.Extension`.
    """

    name = "taskflow_auth"
    plugin_class = AuthPlugin
