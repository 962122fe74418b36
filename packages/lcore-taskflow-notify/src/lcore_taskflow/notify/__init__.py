"""lcore-taskflow-notify."""

__version__ = "0.1.0"
