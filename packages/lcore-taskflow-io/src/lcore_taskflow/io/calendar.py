"""The calendar feed (part B of issue 22; routes added by ``add_routes``)."""

from __future__ import annotations

from lcore import Lcore


def add_routes(app: Lcore, kernel) -> None:
    """Register the calendar routes on the io sub-app (none yet)."""
