"""lcore-taskflow-notify: a notification outbox delivered by email and plugin channels.

Nothing happens at import time.  The TaskFlow host loads :class:`NotifyPlugin`
through the ``lcore_taskflow.plugins`` entry point; any other Lcore app
installs :class:`TaskFlowNotify`.  Plugins add delivery channels through the
hook in :mod:`lcore_taskflow.notify.hookspecs` and listen for
:class:`NotificationSent` / :class:`NotificationFailed`.
"""

from __future__ import annotations

__version__ = "0.3.0"

from ._config import NotifyConfig
from ._events import NotificationFailed, NotificationSent
from ._extension import TaskFlowNotify
from ._mailer import EmailService, InvalidEmail, SmtpSettings
from ._outbox import Email, Outbox
from ._plugin import NotifyPlugin

__all__ = ["Email", "EmailService", "InvalidEmail", "NotificationFailed", "NotificationSent",
           "NotifyConfig", "NotifyPlugin", "Outbox", "SmtpSettings", "TaskFlowNotify",
           "__version__"]
