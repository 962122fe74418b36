"""Versioned schema migrations, per plugin namespace.

A plugin ships a directory of ``NNNN_description.sql`` files and names it in
``taskflow_migrations``.  :func:`upgrade` applies, for each namespace, the
files whose version is not yet recorded in ``taskflow_migrations`` — in
version order, each file and its record in one transaction, so a failing file
leaves neither half of its changes nor a record behind.  The write lock is
taken before looking at what is applied, so two processes starting at once
never apply the same file twice.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from ._db import Database, split_statements

FILE_RE = re.compile(r"^(\d{4})_([A-Za-z0-9_]+)\.sql$")
DIRECTORY = Path(__file__).parent / "migrations"

LEDGER = """
CREATE TABLE IF NOT EXISTS taskflow_migrations (
    namespace  TEXT NOT NULL,
    version    INTEGER NOT NULL,
    name       TEXT NOT NULL,
    applied_at REAL NOT NULL,
    PRIMARY KEY (namespace, version)
)"""


class MigrationError(RuntimeError):
    """A migration file is malformed or failed to apply."""


@dataclass(frozen=True)
class Migration:
    namespace: str
    version: int
    name: str
    path: Path

    def statements(self) -> list[str]:
        return split_statements(self.path.read_text(encoding="utf-8"))


def discover(namespace: str, directory: str | os.PathLike) -> list[Migration]:
    """The migration files of one namespace, in version order."""
    found: dict[int, Migration] = {}
    for entry in sorted(Path(directory).iterdir()):
        match = FILE_RE.match(entry.name)
        if not match:
            continue
        version = int(match.group(1))
        if version in found:
            raise MigrationError(f"{namespace}: two migrations with version {version:04d}")
        found[version] = Migration(namespace, version, match.group(2), entry)
    return [found[v] for v in sorted(found)]


def applied(db: Database) -> set[tuple[str, int]]:
    db.execute(LEDGER)
    return {(r["namespace"], r["version"]) for r in
            db.fetchall("SELECT namespace, version FROM taskflow_migrations")}


def upgrade(db: Database, sources: list[tuple[str, str | os.PathLike]]) -> list[Migration]:
    """Apply every pending migration of ``sources``; return what was applied."""
    pending = [m for ns, directory in sources for m in discover(ns, directory)]
    done: list[Migration] = []
    db.execute(LEDGER)
    for migration in pending:
        with db.transaction():
            # Re-read under the write lock: another process may have won.
            if (migration.namespace, migration.version) in applied(db):
                continue
            try:
                for statement in migration.statements():
                    db.execute(statement)
            except Exception as exc:
                raise MigrationError(
                    f"migration {migration.namespace}/{migration.path.name} failed: {exc}"
                ) from exc
            db.execute(
                "INSERT INTO taskflow_migrations (namespace, version, name, applied_at)"
                " VALUES (?, ?, ?, ?)",
                (migration.namespace, migration.version, migration.name, time.time()),
            )
        done.append(migration)
    return done
