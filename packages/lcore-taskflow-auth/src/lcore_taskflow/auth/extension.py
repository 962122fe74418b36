"""``TaskFlowAuth``: token auth, cookie sessions and RBAC for any Lcore app.

::

    app = Lcore()
    app.install(TaskFlowAuth({"secret_key": "...", "db_path": "app.db"}))

    @app.get("/reports", auth="admin")
    def reports(): ...
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from lcore_taskflow.core import TaskFlow

from .plugin import AuthPlugin

log = logging.getLogger("lcore_taskflow.auth")


class TaskFlowAuth:
    """An Lcore plugin that adds the TaskFlow kernel (if missing) and the auth plugin.

    :param config: kernel settings (``secret_key``, ``db_path``, ``token_ttl``,
        ...) used when this installs the kernel; ``.env`` and ``APP_*``
        variables still override them.  When the app already has a kernel, its
        configuration stays as it is.
    :param kernel_options: other :class:`~lcore_taskflow.core.TaskFlow` options
        (``environ=``, ``dotenv=``).
    """

    name = "taskflow_auth"
    api = 2

    def __init__(self, config: Mapping[str, Any] | None = None, **kernel_options: Any):
        self.config = dict(config or {})
        self.kernel_options = kernel_options
        self.kernel: TaskFlow | None = None
        self.plugin = AuthPlugin()

    def setup(self, app) -> None:
        if getattr(app, "taskflow", None) is not None and (self.config or self.kernel_options):
            log.warning("TaskFlowAuth: the app already has a TaskFlow kernel; "
                        "the configuration passed to TaskFlowAuth is ignored")
        self.kernel = TaskFlow.of(app, config=self.config, **self.kernel_options)
        self.kernel.add(self.plugin)

    def apply(self, callback, route):
        return callback
