"""``taskflow export FILE`` / ``taskflow import FILE``: a whole instance, engine to engine.

The file is JSON lines (gzip when its name ends in ``.gz``)::

    {"format": "taskflow.instance", "version": 1, "engine": "sqlite", "migrations": {...},
     "sequences": {...}, "tables": [{"name", "columns", "rows"}, ...]}
    {"table": "users", "columns": ["id", "username", ...]}
    [1, "admin", ...]                       <- one line per row
    {"table": "projects", ...}
    ...
    {"end": true, "rows": 1234}

Which tables: every table of the database — what the migrations of core and of every
installed plugin created — so a plugin author has nothing to declare.  Left out: the
migration ledger (the target's own migrations create the same schema, and ``import`` checks
that both list the same versions), SQLite's internals, core's full-text index (``DERIVED``:
``import`` rebuilds it afterwards, plugins' text included) and generated columns.  Tables
are written parents first (foreign keys), rows in key order and in batches, so memory stays
flat.

``import`` needs an empty instance (no account yet: start it with ``APP_SEED_DEMO=false``),
loads every table in one transaction with the tables' triggers off (the rows already hold
what the triggers would compute), moves PostgreSQL's identity sequences past the highest
ids (and past SQLite's ``AUTOINCREMENT`` counters, so ids are never reused) and rebuilds the
search index.  Any problem rolls everything back.
"""

from __future__ import annotations

import base64
import gzip
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from lcore_taskflow.core import progress_bar

from .schema import (
    columns_of,
    migrations_of,
    sequences_of,
    tables_of,
)

if TYPE_CHECKING:
    from lcore_taskflow.core import TaskFlow

FORMAT, VERSION = "taskflow.instance", 1
BATCH = 1000
class InstanceError(Exception):
    """The file or the target cannot be used (the message says why; nothing was written)."""


# ------------------------------------------------------------------ values
def encode(value: Any) -> Any:
    """A database value as JSON (bytes as ``{"$bytes": base64}``)."""
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    if isinstance(value, (dict, list)):  # a PostgreSQL json column: stored as its text
        return json.dumps(value, sort_keys=True)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if type(value).__name__ == "Decimal":
        return float(value)
    return value


def decode(value: Any, kind: str) -> Any:
    """A JSON value for a target column of type ``kind``."""
    if isinstance(value, dict) and "$bytes" in value:
        return base64.b64decode(value["$bytes"])
    if kind == "boolean" and isinstance(value, int):
        return bool(value)
    if isinstance(value, bool) and kind != "boolean":
        return int(value)
    return value


# ------------------------------------------------------------------ export
def rows_of(db, table: str, columns: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """The table's rows in key order, ``BATCH`` at a time (keyset on the primary key)."""
    names = ", ".join(f'"{c["name"]}"' for c in columns)
    keys = [c["name"] for c in sorted((c for c in columns if c["pk"]), key=lambda c: c["pk"])]
    if not keys:  # no primary key: pages by position
        offset = 0
        while True:
            rows = db.fetchall(f'SELECT {names} FROM "{table}" ORDER BY {names}'
                               f" LIMIT ? OFFSET ?", (BATCH, offset))
            if not rows:
                return
            yield rows
            offset += len(rows)
    order = ", ".join(f'"{k}"' for k in keys)
    last: tuple | None = None
    while True:
        if last is None:
            rows = db.fetchall(f'SELECT {names} FROM "{table}" ORDER BY {order} LIMIT ?',
                               (BATCH,))
        else:
            after = f"({order}) > ({', '.join('?' for _ in keys)})"
            rows = db.fetchall(f'SELECT {names} FROM "{table}" WHERE {after} ORDER BY {order}'
                               f" LIMIT ?", (*last, BATCH))
        if not rows:
            return
        yield rows
        last = tuple(rows[-1][k] for k in keys)


@contextmanager
def opened(path: str, mode: str) -> Iterator[IO[str]]:
    target = sys.stdout if path == "-" and mode == "w" else None
    if target is not None:
        yield target
        return
    opener: Callable[..., IO[str]] = gzip.open if path.endswith(".gz") else open
    with opener(path, mode + "t", encoding="utf-8", newline="\n") as handle:
        yield handle


def export_instance(kernel: TaskFlow, path: str, *, show_progress: bool = True) -> dict[str, int]:
    """Write every table of ``kernel``'s database to ``path``; ``{table: rows}``."""
    written: dict[str, int] = {}
    with kernel.database() as db, opened(path, "w") as out:
        tables = tables_of(db)
        shapes = {t: columns_of(db, t) for t in tables}
        counts = {t: db.scalar(f'SELECT COUNT(*) FROM "{t}"') for t in tables}
        header = {"format": FORMAT, "version": VERSION, "created_at": time.time(),
                  "engine": db.engine, "migrations": migrations_of(db),
                  "sequences": sequences_of(db),
                  "plugins": {p["name"]: p.get("version") for p in kernel.plugin_list()},
                  "tables": [{"name": t, "columns": [c["name"] for c in shapes[t]],
                              "rows": counts[t]} for t in tables]}
        out.write(json.dumps(header) + "\n")
        for table in tables:
            names = [c["name"] for c in shapes[table]]
            out.write(json.dumps({"table": table, "columns": names}) + "\n")
            progress = progress_bar(f"export {table}") if show_progress and counts[table] \
                else None
            done = 0
            for rows in rows_of(db, table, shapes[table]):
                out.write("".join(json.dumps([encode(r[n]) for n in names]) + "\n"
                                  for r in rows))
                done += len(rows)
                if progress:
                    progress(min(done, counts[table]), counts[table])
            written[table] = done
        out.write(json.dumps({"end": True, "rows": sum(written.values())}) + "\n")
    return written


# ------------------------------------------------------------------ import
def _header(handle: IO[str]) -> dict[str, Any]:
    first = handle.readline()
    try:
        header = json.loads(first)
    except ValueError:
        raise InstanceError("not a TaskFlow instance export (the first line is not JSON)") \
            from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise InstanceError("not a TaskFlow instance export (no \"format\": "
                            f"\"{FORMAT}\" header)")
    if header.get("version") != VERSION:
        raise InstanceError(f"export format version {header.get('version')!r}: this TaskFlow "
                            f"reads version {VERSION}")
    return header


def _check_target(db, header: dict[str, Any], tables: list[str]) -> None:
    if db.scalar("SELECT COUNT(*) FROM users"):
        raise InstanceError("the target instance is not empty (it has accounts): import "
                            "into a new database, started with APP_SEED_DEMO=false")
    mine = migrations_of(db)
    theirs = {k: [int(v) for v in vs] for k, vs in (header.get("migrations") or {}).items()}
    missing = sorted(set(theirs) - set(mine))
    if missing:
        raise InstanceError(f"the export has data of {', '.join(missing)}, which this "
                            "instance lacks: install the same plugins first")
    behind = sorted(ns for ns in theirs if max(theirs[ns], default=0) >
                    max(mine.get(ns, []), default=0))
    if behind:
        raise InstanceError(f"the export's schema is newer for {', '.join(behind)}: upgrade "
                            "the packages of this instance first")
    unknown = [t["name"] for t in header.get("tables", []) if t["name"] not in tables]
    if unknown:
        raise InstanceError(f"the export has tables this instance lacks: {', '.join(unknown)}")


@contextmanager
def triggers_off(db, tables: list[str]) -> Iterator[None]:
    """The tables' own triggers off while their rows are loaded as they were."""
    if db.engine == "postgresql":
        for table in tables:
            db.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
        yield
        for table in tables:
            db.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
        return
    saved = db.fetchall("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                        " AND sql IS NOT NULL")
    for trigger in saved:
        db.execute(f'DROP TRIGGER "{trigger["name"]}"')
    yield
    for trigger in saved:
        db.execute(trigger["sql"])


def _reset_sequences(db, shapes: dict[str, list[dict[str, Any]]],
                     counters: dict[str, int]) -> None:
    """Identity sequences past the highest id (and SQLite's counters), ids never reused."""
    for table, columns in shapes.items():
        for column in columns:
            if db.engine == "postgresql" and column.get("identity"):
                top = max(db.scalar(f'SELECT COALESCE(MAX("{column["name"]}"), 0) FROM '
                                    f'"{table}"') or 0, counters.get(table, 0))
                db.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', ?),"
                           " CAST(? AS BIGINT), CAST(? AS BOOLEAN))",
                           (column["name"], max(top, 1), "true" if top > 0 else "false"))
    if db.engine == "sqlite" and counters and db.fetchone(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'"):
        for table, seq in counters.items():
            if table in shapes:
                db.execute("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?",
                           (seq, table))


def import_instance(kernel: TaskFlow, path: str, *, show_progress: bool = True) -> dict[str, int]:
    """Load an export into ``kernel``'s empty database, all or nothing; ``{table: rows}``."""
    if not Path(path).is_file():
        raise InstanceError(f"{path}: no such file")
    loaded: dict[str, int] = {}
    with opened(path, "r") as handle, kernel.database() as db:
        header = _header(handle)
        tables = tables_of(db)
        _check_target(db, header, tables)
        expected = {t["name"]: t for t in header["tables"]}
        shapes = {t: columns_of(db, t) for t in tables}
        with db.transaction(), triggers_off(db, tables):
            for stale in reversed(tables):  # what start-up wrote (state, derived rows) goes
                db.execute(f'DELETE FROM "{stale}"')
            table: str | None = None
            columns: list[str] = []
            kinds: list[str] = []
            batch: list[list[Any]] = []
            progress = None
            for number, line in enumerate(handle, start=2):
                try:
                    item = json.loads(line)
                except ValueError:
                    raise InstanceError(f"line {number}: not JSON (a cut file?)") from None
                if isinstance(item, list):
                    if table is None or len(item) != len(columns):
                        raise InstanceError(f"line {number}: a row outside a table, or with "
                                            f"{len(item)} values for {len(columns)} columns")
                    batch.append([decode(v, k) for v, k in zip(item, kinds)])
                    if len(batch) >= BATCH:
                        _flush(db, table, columns, batch, loaded, progress, expected)
                    continue
                if table is not None:
                    _flush(db, table, columns, batch, loaded, progress, expected)
                if item.get("end"):
                    table = None
                    break
                table, columns = item["table"], item["columns"]
                types = {c["name"]: c["type"] for c in shapes.get(table, [])}
                unknown = [c for c in columns if c not in types]
                if unknown:
                    raise InstanceError(f"table {table}: columns this instance lacks: "
                                        f"{', '.join(unknown)}")
                kinds = [types[c] for c in columns]
                loaded[table] = 0
                total = expected.get(table, {}).get("rows", 0)
                progress = progress_bar(f"import {table}") if show_progress and total else None
            else:
                raise InstanceError("the file ends before its last line (a cut file?)")
            for name, meta in expected.items():
                if loaded.get(name, 0) != meta["rows"]:
                    raise InstanceError(f"table {name}: {loaded.get(name, 0)} rows in the "
                                        f"file, the header says {meta['rows']}")
            _reset_sequences(db, {t: shapes[t] for t in loaded}, header.get("sequences") or {})
        kernel.search.reindex()
    return loaded


def _flush(db, table: str, columns: list[str], batch: list[list[Any]],
           loaded: dict[str, int], progress, expected: dict[str, Any]) -> None:
    if batch:
        db.bulk_insert(table, columns, batch)
        loaded[table] += len(batch)
        batch.clear()
    if progress:
        total = expected.get(table, {}).get("rows", 0)
        progress(min(loaded[table], total), total)


# ------------------------------------------------------------------ the commands
def add_commands(subparsers) -> None:
    """``taskflow export FILE`` and ``taskflow import FILE``."""
    export = subparsers.add_parser(
        "export", help="write every table of this instance (core's and every plugin's) to a "
                       "file, to import elsewhere (e.g. SQLite -> PostgreSQL)")
    export.add_argument("file", help="where to write (.jsonl, or .jsonl.gz compressed; - for "
                                     "standard output)")
    export.add_argument("--quiet", action="store_true", help="no progress lines")
    export.set_defaults(handler=cmd_export)
    load = subparsers.add_parser(
        "import", help="load a `taskflow export` file into this instance's empty database "
                       "(its schema is created first), all or nothing")
    load.add_argument("file", help="a file written by `taskflow export`")
    load.add_argument("--quiet", action="store_true", help="no progress lines")
    load.set_defaults(handler=cmd_import)


def cmd_export(kernel: TaskFlow, args) -> int:
    counts = export_instance(kernel, args.file, show_progress=not args.quiet)
    print(f"exported {sum(counts.values())} rows of {len(counts)} tables to {args.file}",
          file=sys.stderr if args.file == "-" else sys.stdout)
    return 0


def cmd_import(kernel: TaskFlow, args) -> int:
    try:
        counts = import_instance(kernel, args.file, show_progress=not args.quiet)
    except InstanceError as exc:
        print(f"taskflow import: {exc}; nothing was imported", file=sys.stderr)
        return 1
    print(f"imported {sum(counts.values())} rows of {len(counts)} tables from {args.file}")
    return 0
