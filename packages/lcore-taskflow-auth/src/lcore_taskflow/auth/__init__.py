"""lcore-taskflow-auth: signed tokens, session cookies, HTTP Basic and RBAC for Lcore apps.

``AuthPlugin`` is the TaskFlow plugin (entry point ``auth``); ``TaskFlowAuth``
installs it into any Lcore app with ``app.install(TaskFlowAuth(config))``.
"""

__version__ = "0.3.0"

from ._extension import TaskFlowAuth
from ._plugin import AuthPlugin

__all__ = ["AuthPlugin", "TaskFlowAuth", "__version__"]
