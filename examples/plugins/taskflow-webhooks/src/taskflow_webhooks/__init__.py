"""taskflow-webhooks: signed HTTP callbacks for TaskFlow's events, per project.

A third-party TaskFlow plugin written against the public API only.  Nothing
happens at import time: TaskFlow finds :class:`WebhooksPlugin` through the
entry point ``webhooks``.  Receivers verify deliveries with
:func:`taskflow_webhooks.signing.verify` (the scheme is in that module).
"""

from __future__ import annotations

__version__ = "0.1.0"

from ._plugin import WebhooksConfig, WebhooksPlugin

__all__ = ["WebhooksConfig", "WebhooksPlugin", "__version__"]
