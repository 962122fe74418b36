"""What an instance's database holds, engine by engine: its data tables parents first,
their stored columns, the migrations applied and SQLite's ``AUTOINCREMENT`` counters —
read from the database itself, so a plugin's tables travel without declaring anything."""

from __future__ import annotations

from typing import Any

LEDGER = "taskflow_migrations"
#: Core's full-text index (on SQLite an FTS5 virtual table PostgreSQL cannot hold): derived
#: from the other tables, so it is rebuilt after an import (``kernel.search.reindex()``, which
#: asks plugins for their text too), never copied.
DERIVED = ("search_index", "search_extra")
FTS_SHADOWS = ("_data", "_idx", "_content", "_docsize", "_config")


def tables_of(db) -> list[str]:
    """The data tables of the database, parents before children (foreign keys)."""
    if db.engine == "sqlite":
        rows = db.fetchall("SELECT name, sql FROM sqlite_master WHERE type = 'table'"
                           " ORDER BY name")
        virtual = {r["name"] for r in rows if (r["sql"] or "").upper().startswith(
            "CREATE VIRTUAL")}
        names = [r["name"] for r in rows if r["name"] not in virtual
                 and not r["name"].startswith("sqlite_")
                 and not any(r["name"] == f"{v}{s}" for v in virtual for s in FTS_SHADOWS)]
        parents = {n: {r["table"] for r in db.fetchall(f'PRAGMA foreign_key_list("{n}")')}
                   for n in names}
    else:
        names = [r["table_name"] for r in db.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema ="
            " current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name")]
        parents = {n: set() for n in names}
        for r in db.fetchall(
                "SELECT tc.table_name AS child, ccu.table_name AS parent"
                " FROM information_schema.table_constraints tc"
                " JOIN information_schema.constraint_column_usage ccu"
                " ON ccu.constraint_name = tc.constraint_name"
                " AND ccu.constraint_schema = tc.constraint_schema"
                " WHERE tc.constraint_type = 'FOREIGN KEY'"
                " AND tc.table_schema = current_schema()"):
            parents.setdefault(r["child"], set()).add(r["parent"])
    names = [n for n in names if n != LEDGER and n not in DERIVED]
    return _parents_first(names, parents)


def _parents_first(names: list[str], parents: dict[str, set[str]]) -> list[str]:
    ordered: list[str] = []
    seen: set[str] = set()

    def visit(name: str, path: tuple[str, ...] = ()) -> None:
        if name in seen or name not in names or name in path:
            return
        for parent in sorted(parents.get(name, ())):
            if parent != name:
                visit(parent, (*path, name))
        seen.add(name)
        ordered.append(name)

    for name in names:
        visit(name)
    return ordered


def columns_of(db, table: str) -> list[dict[str, Any]]:
    """``[{name, type, pk}]`` of the table's stored columns (generated ones left out)."""
    if db.engine == "sqlite":
        return [{"name": r["name"], "type": (r["type"] or "").lower(), "pk": r["pk"]}
                for r in db.fetchall(f'PRAGMA table_xinfo("{table}")') if not r["hidden"]]
    keys = [r["column_name"] for r in db.fetchall(
        "SELECT kcu.column_name FROM information_schema.table_constraints tc"
        " JOIN information_schema.key_column_usage kcu"
        " ON kcu.constraint_name = tc.constraint_name"
        " AND kcu.constraint_schema = tc.constraint_schema"
        " WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema()"
        " AND tc.table_name = ? ORDER BY kcu.ordinal_position", (table,))]
    return [{"name": r["column_name"], "type": r["data_type"].lower(),
             "pk": keys.index(r["column_name"]) + 1 if r["column_name"] in keys else 0,
             "identity": r["is_identity"] == "YES" or
             str(r["column_default"] or "").startswith("nextval(")}
            for r in db.fetchall(
                "SELECT column_name, data_type, is_identity, column_default"
                " FROM information_schema.columns WHERE table_schema = current_schema()"
                " AND table_name = ? AND is_generated = 'NEVER'"
                " ORDER BY ordinal_position", (table,))]


def migrations_of(db) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for r in db.fetchall(f"SELECT namespace, version FROM {LEDGER} ORDER BY namespace,"
                         " version"):
        found.setdefault(r["namespace"], []).append(int(r["version"]))
    return found


def sequences_of(db) -> dict[str, int]:
    """SQLite's ``AUTOINCREMENT`` counters (ids handed out, deleted rows included)."""
    if db.engine != "sqlite" or not db.fetchone(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'"):
        return {}
    return {r["name"]: int(r["seq"]) for r in db.fetchall("SELECT name, seq FROM sqlite_sequence")}
