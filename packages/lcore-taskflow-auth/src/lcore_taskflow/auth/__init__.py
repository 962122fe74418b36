"""lcore-taskflow-auth."""

__version__ = "0.1.0"
