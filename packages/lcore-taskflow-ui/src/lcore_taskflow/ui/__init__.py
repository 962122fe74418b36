"""lcore-taskflow-ui."""

__version__ = "0.1.0"
