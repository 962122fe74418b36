"""The hooks notify adds to TaskFlow (``taskflow_notify_*``).

Notify registers them through core's ``taskflow_addhooks``; a plugin
implements them with :data:`lcore_taskflow.core.hookimpl`, by name, without
importing notify.  Mark the implementation ``optionalhook=True`` so that the
plugin still loads where notify is not installed::

    from lcore_taskflow.core import hookimpl

    class ChatPlugin:
        name, version, core_api = "chat", "1.0", "1.0"

        def __init__(self):
            self.channel = ChatChannel()     # build channels once

        @hookimpl(optionalhook=True)
        def taskflow_notify_channels(self, kernel):
            return [self.channel]
"""

# A specification's body is its docstring; pluggy calls the implementations.
# mypy: disable-error-code="empty-body"

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lcore_taskflow.core import hookspec

if TYPE_CHECKING:
    from lcore_taskflow.core import TaskFlow


@hookspec
def taskflow_notify_channels(kernel: TaskFlow) -> list[Any]:
    """Contribute delivery channels.

    Return a list of channel objects (return the same objects on every call).
    A channel has:

    ``name``
        a unique short name (``"chat"``); it is stored in each outbox row's
        ``type`` column.  Notify's own channel is ``"email"``.
    ``address(user) -> str | None``
        where this channel reaches ``user`` (a dict with ``id``, ``username``,
        ``email``); ``None`` skips the user.  Stored as the row's ``recipient``.
    ``deliver(notification) -> None | "sent" | "simulated"``
        deliver one outbox row (a dict: ``id``, ``type``, ``user_id``,
        ``recipient``, ``subject``, ``body``, ``html``, ``message_id``,
        ``attempts``, ``lease_until``, ...).  Return normally when delivered;
        raise on failure: the row is marked ``failed`` with the exception's
        text and tried again with exponential backoff, unless the exception
        has a true ``permanent`` attribute (retrying cannot help).  Finish
        well before ``notification["lease_until"]`` (a Unix time): after it,
        another worker may take the row over and deliver it a second time.
        ``message_id`` is stable across attempts: send it along as an
        idempotency key so that the receiver can recognise a resend.

    Each notification that goes to a user (a task assignment) is written as
    one outbox row per channel, so each channel has its own status and
    retries.  Emails sent explicitly (``/api/notifications/email``, batch)
    use the ``email`` channel only.
    """
