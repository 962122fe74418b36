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


CREATE_TABLE = re.compile(r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?\"?([A-Za-z_]\w*)",
                          re.IGNORECASE)


def foreign_tables(db: Database, pending: list[Migration]) -> dict[str, list[str]]:
    """Tables a namespace's first migrations would create that already exist.

    Only namespaces with nothing recorded yet are checked: their tables, if
    present, belong to someone else (another application sharing the file).
    """
    started = ({ns for ns, _ in applied(db)} if db.table_exists("taskflow_migrations")
               else set())
    found: dict[str, list[str]] = {}
    for migration in pending:
        if migration.namespace in started:
            continue
        text = migration.path.read_text(encoding="utf-8")
        for table in CREATE_TABLE.findall(text):
            if db.table_exists(table):
                found.setdefault(migration.namespace, []).append(table)
    return found


def upgrade(db: Database, sources: list[tuple[str, str | os.PathLike]]) -> list[Migration]:
    """Apply every pending migration of ``sources``; return what was applied.

    Refuses, before changing anything, a database that already holds tables
    of TaskFlow's names that TaskFlow did not create.
    """
    pending = [m for ns, directory in sources for m in discover(ns, directory)]
    collisions = foreign_tables(db, pending)
    if collisions:
        listing = "; ".join(f"{', '.join(tables)} (plugin {ns})"
                            for ns, tables in sorted(collisions.items()))
        raise MigrationError(
            f"the database already has tables TaskFlow did not create: {listing}. "
            "TaskFlow needs its own database: point APP_DB_PATH (or APP_DATABASE_URL) at a "
            "new file or database, or remove those tables if they are left from elsewhere")
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
