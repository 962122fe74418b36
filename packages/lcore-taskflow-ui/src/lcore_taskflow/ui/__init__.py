"""lcore-taskflow-ui: welcome page, single-page Kanban frontend, HTML error pages.

Nothing happens at import time.  The TaskFlow host loads :class:`UIPlugin`
through the ``lcore_taskflow.plugins`` entry point; any other Lcore app
installs :class:`TaskFlowUI`.
"""

from __future__ import annotations

__version__ = "0.3.0"

from ._extension import TaskFlowUI
from ._plugin import UIPlugin

__all__ = ["TaskFlowUI", "UIPlugin", "__version__"]
