"""Fixtures of the access suite (SPEC §9): the database engines, quiet warnings.

Run with ``tox -e access`` (or ``pytest tests/access`` in an environment with
core, auth, notify, ui and both example plugins).  This directory is not part
of the end-to-end suite (``tests/e2e``, whose runner has no TaskFlow
installed): ``tox -e e2e`` leaves it out.  Its modules have names of their
own (``access_kit``, ``matrix_world``) so nothing clashes with ``tests/e2e``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from lcore_taskflow.core.testing import ENGINES, engine_database, quiet_test_warnings


@dataclass(frozen=True)
class Engine:
    name: str
    url: str
    directory: Path


@pytest.fixture(scope="module", params=ENGINES)
def engine(request, tmp_path_factory):
    """A new database of each engine (SQLite; PostgreSQL when a server is found), per module.

    The suite's worlds are built once per engine and module: every case of a
    module runs against the same app, so the table stays fast.
    """
    directory = tmp_path_factory.mktemp(f"access-{request.param}")
    with engine_database(request.param, directory) as url:
        yield Engine(request.param, url, directory)


@pytest.fixture(autouse=True)
def _quiet_warnings():
    """The two warnings every in-process TaskFlow test triggers (see the testing kit)."""
    quiet_test_warnings()
