"""``database_url`` values: which engine, where, and how to show them safely."""

from __future__ import annotations

import re

URL_FORMS = ("sqlite:///relative/path.db, sqlite:////absolute/path.db or "
             "postgresql://user@host:port/dbname (postgres:// too)")


def sqlite_url(path: str) -> str:
    """The URL of the SQLite file ``path`` (relative or absolute, or ``:memory:``)."""
    return "sqlite:///" + path


def engine_of(url: str) -> tuple[str, str]:
    """``(engine, target)``: the file path for SQLite, the URL for PostgreSQL."""
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        return "sqlite", url[len("sqlite:///"):]
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql", url
    raise ValueError(f"expected {URL_FORMS}, got {describe_url(url)!r}")


def check_url(url: str) -> str | None:
    """Why ``url`` is not a usable ``database_url``, or ``None`` when it is."""
    try:
        engine_of(url)
    except ValueError as exc:
        return str(exc)
    return None


def describe_url(url: str) -> str:
    """``url`` with its password masked, safe for messages and logs."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/:@]*:)[^@/]*@", r"\1***@", url)
