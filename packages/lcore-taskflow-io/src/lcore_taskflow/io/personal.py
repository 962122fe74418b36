"""Personal data: export and account deletion (part B of issue 22; see ``add_routes``)."""

from __future__ import annotations

from lcore import Lcore


def add_routes(app: Lcore, kernel) -> None:
    """Register the personal-data routes on the io sub-app (none yet)."""
