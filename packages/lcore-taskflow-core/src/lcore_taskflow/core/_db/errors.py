"""Engine-neutral exceptions: feature code catches these, never sqlite3's or psycopg's.

:class:`~lcore_taskflow.core._db.Database` re-raises every engine error as
one of these, the original chained as ``__cause__``.
"""

from __future__ import annotations


class DatabaseError(Exception):
    """Any failure reported by the database engine."""


class IntegrityError(DatabaseError):
    """A constraint refused the change: unique, foreign key, check or not null."""


class OperationalError(DatabaseError):
    """The database cannot serve: unreachable, locked, timed out, or gone."""


def translated(exc: Exception, integrity: type, operational: type) -> DatabaseError:
    """``exc`` (an engine's error) as the matching neutral error."""
    if isinstance(exc, integrity):
        return IntegrityError(str(exc))
    if isinstance(exc, operational):
        return OperationalError(str(exc))
    return DatabaseError(str(exc))
