"""Imports as jobs: ``POST /api/imports``, ``GET /api/imports/<id>`` and their worker."""

from __future__ import annotations

from lcore import Lcore


class ImportWorker:
    """The background thread that runs queued imports (under a lease)."""

    def stop(self) -> None:
        """Stop the thread (a running import finishes first)."""


def start_worker(kernel) -> ImportWorker | None:
    """The import worker of ``kernel`` (``None`` while there is none)."""
    return None


def add_routes(app: Lcore, kernel, plugin) -> None:
    """Register the import routes on the io sub-app."""
