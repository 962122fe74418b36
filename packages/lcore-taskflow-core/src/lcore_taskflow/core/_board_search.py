"""The board's ``q=``: tasks whose *title* has every word of the query as a
word's start (``_words.py``), through the full-text index where it is cheap.

Both engines ask the index only for the words that are rare enough, fewer than
:data:`INDEX_HITS` documents in the whole instance (its candidates are then
checked for the query's common words, if any): the index holds every
project's documents, so a word in most titles would cost a probe (SQLite) or a
bitmap (PostgreSQL: 23 ms at 100k tasks) per match everywhere.  A common word
walks the project in the list's order instead and checks each title, stopping
at a page, which a common word fills quickly; the bounded count stops after
1,001 rows (``_domain/task_list.py``).

* SQLite counts the FTS5 hits up to :data:`INDEX_HITS` (a doclist walk, no
  row reads; 0.7 ms for 10,000), each word as a whole word first, and keeps
  the counts for :data:`STATS_TTL` (a board's live filter and its polling ask
  the same words again); below it the tasks are found
  by rowid.  The walk matches an ASCII title (as many bytes as characters) by
  ``GLOB`` in C and any other by ``taskflow_starts_words`` (the rule in
  Python, registered on SQLite connections).
* PostgreSQL estimates the hits from the index's lexeme statistics
  (``pg_stats.most_common_elems`` of ``search_index.tsv``, read once a minute):
  a word not among the most common is rare.  Below :data:`INDEX_HITS` the GIN
  index finds the project's titles (their weight-A lexemes); the walk matches
  a regular expression on the lowered (ASCII) or folded title.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from ._words import words_of

#: Below this many documents with the query's words, the index serves ``q=``
#: (or below the project's size, when that is larger: see :func:`title_filter`).
INDEX_HITS = 1000
#: What one index hit costs against checking one row of the walk (both ~1 µs).
HIT_PER_ROW = 1.0
#: How long the statistics that pick the way are reused (seconds): PostgreSQL's
#: lexeme frequencies, SQLite's hit counts.  Stale ones cost time, never answers:
#: both ways find the same tasks.
STATS_TTL = 60.0
#: How many SQLite hit counts a pool keeps (the oldest go first).
HITS_KEPT = 512

# Per pool (weak keys: a closed kernel's pool takes its entries with it).
_stats: weakref.WeakKeyDictionary[Any, tuple[float, dict[str, float]]] = \
    weakref.WeakKeyDictionary()
_hit_counts: weakref.WeakKeyDictionary[Any, dict[str, tuple[float, int, int]]] = \
    weakref.WeakKeyDictionary()
_stats_lock = threading.Lock()


def title_filter(db: Any, project_id: int, text: str,
                 project_tasks: int = 0) -> tuple[str, list[Any]]:
    """A condition on ``t`` (the tasks) and its parameters; a ``text`` without a
    word matches no task.  A word is rare below :data:`INDEX_HITS` documents or
    below the project's ``project_tasks`` (what a walk of it would check), when
    that is more."""
    words = words_of(text)
    if not words:
        return "1 = 0", []
    cap = int(max(INDEX_HITS, project_tasks * HIT_PER_ROW))
    if db.engine == "sqlite":
        return _sqlite(db, words, cap)
    return _postgresql(db, project_id, words, cap)


def _sqlite(db: Any, words: list[str], cap: int) -> tuple[str, list[Any]]:
    # A word that is a whole title word ``cap`` times is common: FTS5 reads an exact
    # term's doclist lazily, but merges a prefix's whole (4 ms for a word of 100k
    # titles), so the exact count comes first.
    common = [w for w in words if _hits(db, f'title : "{w}"', cap) >= cap]
    rare = [w for w in words if w not in common]
    if rare:
        expression = "title : (" + " ".join(f'"{w}"*' for w in rare) + ")"
        if _hits(db, expression, cap) < cap:
            # core's task documents: rowid = id * 4 + 1 (migration 0008)
            found = ("t.id IN (SELECT (rowid - 1) / 4 FROM search_index WHERE"
                     " search_index MATCH ? AND rowid > 0 AND rowid % 4 = 1)", [expression])
            return _checked(found, _sqlite_walk, common)
    return _sqlite_walk(words)


def _checked(found: tuple[str, list[Any]], walk: Callable[[list[str]], tuple[str, list[Any]]],
             common: list[str]) -> tuple[str, list[Any]]:
    """The index's candidates (the rare words), each checked for the ``common`` words."""
    if not common:
        return found
    checked = walk(common)
    return f"{found[0]} AND {checked[0]}", [*found[1], *checked[1]]


def _hits(db: Any, expression: str, cap: int) -> int:
    """The documents FTS5 finds for ``expression``, counted up to ``cap``; a count
    of the last :data:`STATS_TTL` seconds answers when it went as far (or was
    exact: below where it stopped)."""
    now = time.monotonic()
    with _stats_lock:
        kept = _hit_counts.setdefault(db._pool, {})
        seen = kept.get(expression)
    if seen is not None and now - seen[0] < STATS_TTL and (seen[1] < seen[2] or seen[2] >= cap):
        return min(seen[1], cap)
    hits = db.scalar("SELECT COUNT(*) FROM (SELECT 1 FROM search_index WHERE search_index"
                     f" MATCH ? LIMIT {cap})", (expression,))
    with _stats_lock:
        kept.pop(expression, None)
        if len(kept) >= HITS_KEPT:
            del kept[next(iter(kept))]
        kept[expression] = (now, hits, cap)
    return hits


def _sqlite_walk(words: list[str]) -> tuple[str, list[Any]]:
    globs = " AND ".join("(' ' || lower(t.title)) GLOB ?" for _ in words)
    return (f"(CASE WHEN length(CAST(t.title AS BLOB)) = length(t.title) THEN ({globs})"
            " ELSE taskflow_starts_words(t.title, ?) END)",
            [*(f"*[^a-z0-9]{w}*" for w in words), " ".join(words)])


def _postgresql(db: Any, project_id: int, words: list[str],
                cap: int) -> tuple[str, list[Any]]:
    common = [w for w in words if estimated_hits(db, [w]) >= cap]
    rare = [w for w in words if w not in common]
    if not rare:
        return _postgresql_walk(words)
    found = ("t.id IN (SELECT ref_id FROM search_index WHERE tsv @@ to_tsquery('simple', ?)"
             " AND kind = 'task' AND project_id = ?)",
             [" & ".join(f"{w}:*A" for w in rare), project_id])
    return _checked(found, _postgresql_walk, common)


def _postgresql_walk(words: list[str]) -> tuple[str, list[Any]]:
    patterns = [f"(^|[^a-z0-9]){w}" for w in words]
    ascii_ = " AND ".join("lower(t.title) ~ ?" for _ in words)
    folded = " AND ".join("taskflow_fold(t.title) ~ ?" for _ in words)
    return (f"(CASE WHEN octet_length(t.title) = length(t.title) THEN ({ascii_})"
            f" ELSE ({folded}) END)", [*patterns, *patterns])


def estimated_hits(db: Any, words: list[str]) -> float:
    """How many documents hold the rarest of ``words`` as a word's start, by the
    statistics of the last ANALYZE (0 for a word not among the most common)."""
    frequencies = _lexeme_frequencies(db)
    total = frequencies.get("", 0.0)
    return min(total * sum(f for lexeme, f in frequencies.items() if lexeme and
                           lexeme.startswith(word)) for word in words)


def _lexeme_frequencies(db: Any) -> dict[str, float]:
    """``{lexeme: share of documents}`` of the index's most common lexemes, and
    ``""``: the documents counted; cached per pool for :data:`STATS_TTL`."""
    key, now = db._pool, time.monotonic()
    cached = _stats.get(key)
    if cached is not None and now - cached[0] < STATS_TTL:
        return cached[1]
    row = db.fetchone(
        "SELECT s.most_common_elems::text::text[] AS lexemes,"
        " s.most_common_elem_freqs AS freqs, c.reltuples AS total"
        " FROM pg_class c LEFT JOIN pg_stats s ON s.schemaname = current_schema()"
        " AND s.tablename = 'search_index' AND s.attname = 'tsv'"
        " WHERE c.oid = 'search_index'::regclass")
    frequencies: dict[str, float] = {}
    if row is not None and row["lexemes"]:
        frequencies = dict(zip(row["lexemes"], map(float, row["freqs"])))
        frequencies[""] = max(float(row["total"] or 0), 0.0)
    with _stats_lock:
        _stats[key] = (now, frequencies)
    return frequencies
