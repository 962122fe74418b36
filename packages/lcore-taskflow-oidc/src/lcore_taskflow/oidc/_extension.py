"""``TaskFlowOIDC``: the oidc package as an ordinary Lcore plugin.

For an existing Lcore app that does not use the discovery host::

    app.install(TaskFlowAuth(config))           # sessions: the sign-in needs them
    app.install(TaskFlowOIDC({"oidc_issuer": "https://id.example.com",
                              "oidc_client_id": "taskflow", ...}))

``setup`` finds the app's TaskFlow kernel (installing one with ``options``
when there is none yet) and registers an :class:`OIDCPlugin` in it, which
mounts ``/auth/oidc/``.
"""

from __future__ import annotations

from lcore_taskflow.core import Extension

from ._plugin import OIDCPlugin


class TaskFlowOIDC(Extension):
    """Install with ``app.install(TaskFlowOIDC(config, **kernel_options))``."""

    name = "taskflow_oidc"
    plugin_class = OIDCPlugin
