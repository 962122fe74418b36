"""taskflow-labels: labels per project for TaskFlow tasks.

A third-party TaskFlow plugin written against the public API only
(``lcore_taskflow.core``, its ``events`` and ``testing``).  Nothing happens
at import time: TaskFlow finds :class:`LabelsPlugin` through the entry point
``labels`` and assembles it.
"""

from __future__ import annotations

__version__ = "0.1.0"

from ._plugin import LabelsPlugin, TaskLabelsChanged

__all__ = ["LabelsPlugin", "TaskLabelsChanged", "__version__"]
