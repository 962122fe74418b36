"""The notify plugin of TaskFlow (registered under the lcore_taskflow.plugins entry point)."""

from __future__ import annotations

from . import __version__


class NotifyPlugin:
    name = "notify"
    version = __version__
