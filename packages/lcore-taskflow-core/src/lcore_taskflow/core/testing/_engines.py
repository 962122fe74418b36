"""Both database engines in tests: SQLite files and a PostgreSQL server.

``ENGINES`` is ``("sqlite", "postgresql")``, or what ``TASKFLOW_TEST_ENGINES``
lists.  A PostgreSQL test without a server (see :mod:`.services`) is skipped
with the reason, or fails under CI (``CI`` or ``TASKFLOW_REQUIRE_SERVICES``
set to a true value).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import NoReturn

from .._db import sqlite_url
from . import services

ENGINES = tuple(e.strip() for e in os.environ.get(
    "TASKFLOW_TEST_ENGINES", "sqlite,postgresql").split(",") if e.strip())
_TRUE = ("1", "true", "yes", "on")


def services_required() -> bool:
    """Whether a missing test service fails the run instead of skipping (CI)."""
    return any(os.environ.get(k, "").strip().lower() in _TRUE
               for k in ("CI", "TASKFLOW_REQUIRE_SERVICES"))


def skip_or_fail(reason: str) -> NoReturn:
    """``pytest.skip(reason)``, or ``pytest.fail`` when services are required."""
    import pytest

    if services_required():
        pytest.fail(f"{reason} (required: CI or TASKFLOW_REQUIRE_SERVICES is set)")
    pytest.skip(reason)


def require_postgres() -> str:
    """The URL of the PostgreSQL server for tests; skips (or fails) without one,
    and skips when ``TASKFLOW_TEST_ENGINES`` leaves PostgreSQL out."""
    if "postgresql" not in ENGINES:
        import pytest

        pytest.skip("PostgreSQL is not in TASKFLOW_TEST_ENGINES")
    found = services.find_postgres()
    if found.url is None:
        skip_or_fail(found.note)
    return found.url


@contextlib.contextmanager
def engine_database(engine: str, tmp_path: str | os.PathLike) -> Iterator[str]:
    """The ``database_url`` of a new, empty database of ``engine`` for one test."""
    if engine == "sqlite":
        yield sqlite_url(os.path.join(tmp_path, "taskflow.db"))
    elif engine == "postgresql":
        with services.empty_database(require_postgres()) as url:
            yield url
    else:
        raise ValueError(f"unknown engine {engine!r} (TASKFLOW_TEST_ENGINES)")
