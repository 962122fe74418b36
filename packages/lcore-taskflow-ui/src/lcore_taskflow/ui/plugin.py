"""The ui plugin of TaskFlow (registered under the lcore_taskflow.plugins entry point)."""

from __future__ import annotations

from . import __version__


class UIPlugin:
    name = "ui"
    version = __version__
