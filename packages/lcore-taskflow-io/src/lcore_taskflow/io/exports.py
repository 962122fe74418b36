"""Streamed project exports: ``GET /api/projects/<pid>/export?format=json|csv``."""

from __future__ import annotations

from lcore import Lcore


def add_routes(app: Lcore, kernel) -> None:
    """Register the export routes on the io sub-app."""
