"""A progress line for long CLI work (bulk seeding, retries): public as ``progress_bar``."""

from __future__ import annotations

import sys


def progress_bar(label: str):
    """A ``progress(done, total)`` callable that redraws one line on stderr."""
    def progress(done: int, total: int) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()
    return progress
