"""lcore-taskflow-notify: SMTP email with an outbox, assignment emails, batch notify.

Nothing happens at import time.  The TaskFlow host loads :class:`NotifyPlugin`
through the ``lcore_taskflow.plugins`` entry point; any other Lcore app
installs :class:`TaskFlowNotify`.
"""

from __future__ import annotations

__version__ = "0.2.0"

from ._extension import TaskFlowNotify
from ._mailer import EmailService, InvalidEmail, SmtpSettings
from ._outbox import Email, Outbox
from ._plugin import NotifyConfig, NotifyPlugin

__all__ = ["Email", "EmailService", "InvalidEmail", "NotifyConfig", "NotifyPlugin", "Outbox",
           "SmtpSettings", "TaskFlowNotify", "__version__"]
