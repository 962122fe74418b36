"""Versioned schema migrations, per plugin namespace and database engine.

A plugin ships a directory of migration files and names it in
``taskflow_migrations``.  Each version is either one file that both engines
run, ``NNNN_description.sql``, or one file per engine,
``NNNN_description.sqlite.sql`` and ``NNNN_description.postgresql.sql``
(Kanboard's per-driver schemas are the model).  A version present for one
engine only is refused: the two schemas would drift apart.

:func:`upgrade` applies, for each namespace, the versions not yet recorded in
``taskflow_migrations`` — in version order, each file and its record in one
transaction, so a failing file leaves neither half of its changes nor a record
behind.

SQLite cannot alter a column's constraints: a migration rebuilds the table
instead (create the new one, copy, drop, rename).  A SQLite file whose first
line is ``-- taskflow: rebuilds-tables`` runs with foreign-key enforcement
off (the procedure of SQLite's ALTER TABLE documentation; the pragma is a
no-op inside a transaction, so it is set around it) and is refused unless
``PRAGMA foreign_key_check`` finds every reference intact before it commits.

The database-wide migration lock is taken before looking at what is applied,
so two processes starting at once never apply the same file twice.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from ._db import Database

ENGINES = ("sqlite", "postgresql")
FILE_RE = re.compile(r"^(\d{4})_([A-Za-z0-9_]+?)(?:\.(sqlite|postgresql))?\.sql$")
DIRECTORY = Path(__file__).parent / "migrations"
# pg_advisory_xact_lock key: any constant, the same in every TaskFlow process
# ("TFMG" in ASCII).
PG_LOCK_KEY = 0x54464D47

# DOUBLE PRECISION: a REAL on SQLite, and 8 bytes (not REAL's 4) on PostgreSQL.
LEDGER = """
CREATE TABLE IF NOT EXISTS taskflow_migrations (
    namespace  TEXT NOT NULL,
    version    INTEGER NOT NULL,
    name       TEXT NOT NULL,
    applied_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (namespace, version)
)"""


class MigrationError(RuntimeError):
    """A migration file is malformed or failed to apply."""


REBUILDS = "-- taskflow: rebuilds-tables"


@dataclass(frozen=True)
class Migration:
    namespace: str
    version: int
    name: str
    files: Mapping[str, Path]  # engine -> file (a shared file under every engine)

    @property
    def path(self) -> Path:
        """The file that names this version in messages (shared, else SQLite's)."""
        return self.files["sqlite"]

    def script(self, engine: str) -> str:
        return self.files[engine].read_text(encoding="utf-8")

    def rebuilds(self, engine: str) -> bool:
        """Whether this file rebuilds tables (SQLite: foreign keys off around it)."""
        return engine == "sqlite" and self.script(engine).startswith(REBUILDS)


def discover(namespace: str, directory: str | os.PathLike) -> list[Migration]:
    """The migration files of one namespace, in version order, checked complete."""
    found: dict[int, dict[str | None, Path]] = {}
    names: dict[int, str] = {}
    for entry in sorted(Path(directory).iterdir()):
        match = FILE_RE.match(entry.name)
        if not match:
            continue
        version, name, engine = int(match.group(1)), match.group(2), match.group(3)
        files = found.setdefault(version, {})
        if engine in files or names.setdefault(version, name) != name:
            raise MigrationError(f"{namespace}: two migrations with version {version:04d}")
        files[engine] = entry
    return [_migration(namespace, version, names[version], found[version])
            for version in sorted(found)]


def _migration(namespace: str, version: int, name: str,
               files: dict[str | None, Path]) -> Migration:
    label = f"{namespace}/{version:04d}_{name}"
    if None in files:
        if len(files) > 1:
            raise MigrationError(f"{label}: a shared .sql file and per-engine files; "
                                 "keep one or the other")
        return Migration(namespace, version, name, {e: files[None] for e in ENGINES})
    missing = [e for e in ENGINES if e not in files]
    if missing:
        raise MigrationError(
            f"{label}: exists for {', '.join(e for e in ENGINES if e in files)} only; add "
            + " and ".join(f"{version:04d}_{name}.{e}.sql" for e in missing)
            + f" (or one shared {version:04d}_{name}.sql)")
    return Migration(namespace, version, name, cast("dict[str, Path]", dict(files)))  # no None


@contextlib.contextmanager
def _locked(db: Database) -> Iterator[None]:
    """A transaction holding the database-wide migration lock.

    SQLite's ``BEGIN IMMEDIATE`` is that lock.  PostgreSQL's ``BEGIN`` locks
    nothing, so an advisory lock, released at commit, serialises migrators.
    """
    with db.transaction():
        if db.engine == "postgresql":
            db.execute("SELECT pg_advisory_xact_lock(?)", (PG_LOCK_KEY,))
        yield


def applied(db: Database) -> set[tuple[str, int]]:
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
        for table in CREATE_TABLE.findall(migration.script(db.engine)):
            if db.table_exists(table):
                found.setdefault(migration.namespace, []).append(table)
    return found


def upgrade(db: Database, sources: list[tuple[str, str | os.PathLike]]) -> list[Migration]:
    """Apply every pending migration of ``sources``; return what was applied.

    Refuses, before changing anything, a database that already holds tables
    of TaskFlow's names that TaskFlow did not create.
    """
    pending = [m for ns, directory in sources for m in discover(ns, directory)]
    with _locked(db):  # one view of the ledger and the tables, while no one migrates
        collisions = foreign_tables(db, pending)
    if collisions:
        listing = "; ".join(f"{', '.join(tables)} (plugin {ns})"
                            for ns, tables in sorted(collisions.items()))
        raise MigrationError(
            f"the database already has tables TaskFlow did not create: {listing}. "
            "TaskFlow needs its own database: point APP_DB_PATH (or APP_DATABASE_URL) at a "
            "new file or database, or remove those tables if they are left from elsewhere")
    done: list[Migration] = []
    with _locked(db):  # concurrent CREATE TABLE IF NOT EXISTS can collide on PostgreSQL
        db.execute(LEDGER)
    for migration in pending:
        with _foreign_keys_off(db, migration.rebuilds(db.engine)), _locked(db):
            # Re-read under the lock: another process may have won.
            if (migration.namespace, migration.version) in applied(db):
                continue
            _apply(db, migration)
        done.append(migration)
    return done


def _apply(db: Database, migration: Migration) -> None:
    label = f"migration {migration.namespace}/{migration.files[db.engine].name}"
    try:
        db.run_script(migration.script(db.engine))
    except Exception as exc:
        raise MigrationError(f"{label} failed: {exc}") from exc
    if migration.rebuilds(db.engine):
        broken = db.fetchall("PRAGMA foreign_key_check")
        if broken:
            raise MigrationError(f"{label} left {len(broken)} broken references, e.g. "
                                 f"{dict(broken[0])}")
    db.execute(
        "INSERT INTO taskflow_migrations (namespace, version, name, applied_at)"
        " VALUES (?, ?, ?, ?)",
        (migration.namespace, migration.version, migration.name, time.time()),
    )


@contextlib.contextmanager
def _foreign_keys_off(db: Database, off: bool) -> Iterator[None]:
    if not off:
        yield
        return
    db.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        db.execute("PRAGMA foreign_keys=ON")
