"""Full-text search (SPEC §11): one index, two engines, only what the caller may see.

The index (migration 0008) holds a document per task (title + description),
comment (body) and project (name + description), written by triggers in the
transaction of the change, so a search sees a change as soon as it commits.
Plugins add text of their own to a task or a project with :meth:`Search.index`
(the labels example indexes label names), in their event listeners, and
rebuild it in ``taskflow_search_reindex``.

A query is split into words; each word matches as a prefix ("dep" finds
"deploy"), case and accents folded ("cafe" finds "Café"); every word must
match.  SQLite ranks with FTS5's bm25, PostgreSQL with ``ts_rank_cd``; the
title weighs more than the body.  Results are filtered in the query by
``kernel.access().where()``, so ``total`` counts only what the caller may see
(up to :data:`COUNT_CAP`: a bounded count stays cheap for common words).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._words import fold, words_of

if TYPE_CHECKING:
    from . import TaskFlow

COUNT_CAP = 1000
#: How many matches a query ranks: the newest ones.  Ranking costs per match,
#: so a word found in half a million tasks would cost seconds; past this many,
#: the best of the newest matches are shown (a rarer word finds older ones).
RANK_CAP = 2000
SNIPPET = 160
KIND_OFFSET = {"task": 1, "comment": 2, "project": 3}


def snippet(text: str, terms: list[str]) -> tuple[str, list[list[int]]]:
    """A window of ``text`` around the first match, and the matched word starts in it.

    Highlights are ``[start, end]`` offsets into the snippet: the part of each
    word that a query term matched as its prefix.
    """
    text = " ".join(text.split())
    folded = fold(text)
    first = min((m.start() for t in terms for m in re.finditer(rf"\b{re.escape(t)}", folded)),
                default=0)
    start = max(0, min(first - SNIPPET // 3, len(text) - SNIPPET))
    end = min(len(text), start + SNIPPET)
    prefix, suffix = ("…" if start > 0 else ""), ("…" if end < len(text) else "")
    window, low = text[start:end], folded[start:end]
    marks = sorted({(m.start() + len(prefix), m.start() + len(prefix) + len(t))
                    for t in terms for m in re.finditer(rf"\b{re.escape(t)}", low)})
    return prefix + window + suffix, [list(span) for span in marks]


@dataclass(frozen=True)
class Hit:
    kind: str
    ref_id: int
    project_id: int | None
    task_id: int | None


class Search:
    """``kernel.search``: query the index; plugins add and remove their own text."""

    def __init__(self, kernel: TaskFlow):
        self.kernel = kernel

    # ------------------------------------------------------------ plugins
    def index(self, source: str, kind: str, ref_id: int, text: str, *,
              project_id: int | None, task_id: int | None = None) -> None:
        """Make ``text`` findable as part of a task or project (``kind``), for ``source``.

        Call it in the transaction of the change (an event listener); the
        same ``(source, kind, ref_id)`` replaces its earlier text.  Results
        name the task or project, so the caller's access decides who finds it.
        """
        if kind not in ("task", "project"):
            raise ValueError(f"search documents of plugins are about a task or a project, "
                             f"not {kind!r}")
        db = self.kernel.db
        self.remove(source, kind, ref_id)
        if not text.strip():
            return
        extra = db.insert("search_extra", {"source": source, "kind": kind, "ref_id": ref_id,
                                           "created_at": time.time()})
        self._write(db, -extra, kind, ref_id, project_id, task_id, "", text)

    def remove(self, source: str, kind: str, ref_id: int) -> None:
        """Forget what ``source`` indexed about that task or project."""
        db = self.kernel.db
        row = db.fetchone("SELECT id FROM search_extra WHERE source = ? AND kind = ?"
                          " AND ref_id = ?", (source, kind, ref_id))
        if row is not None:
            db.execute(f"DELETE FROM search_index WHERE {self._key(db)} = ?", (-row["id"],))
            db.execute("DELETE FROM search_extra WHERE id = ?", (row["id"],))

    @staticmethod
    def _key(db) -> str:
        return "rowid" if db.engine == "sqlite" else "doc_id"

    def _write(self, db, doc_id: int, kind: str, ref_id: int, project_id: int | None,
               task_id: int | None, title: str, body: str) -> None:
        db.execute(f"INSERT INTO search_index ({self._key(db)}, kind, ref_id, project_id,"
                   " task_id, title, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (doc_id, kind, ref_id, project_id, task_id, title, body))

    # ------------------------------------------------------------ rebuild
    def reindex(self) -> int:
        """Rebuild core's documents and ask plugins to re-add theirs; the documents indexed."""
        with self.kernel.database() as db, db.transaction():
            db.execute("DELETE FROM search_index")
            db.execute("DELETE FROM search_extra")
            for sql in REBUILD:
                db.execute(sql.format(key=self._key(db)))
            self.kernel.hook.taskflow_search_reindex(kernel=self.kernel)
            return db.scalar("SELECT COUNT(*) FROM search_index")

    # -------------------------------------------------------------- query
    def query(self, text: str, *, project_id: int | None = None, limit: int = 20,
              offset: int = 0) -> dict[str, Any]:
        """``{"results": [...], "total": n}`` for the current caller."""
        terms = words_of(text)  # the board's words too: one rule for both searches
        if not terms:
            return {"results": [], "total": 0, "more": False}
        db = self.kernel.db
        conditions, params = [], []
        if project_id is not None:
            conditions.append("project_id = ?")
            params.append(project_id)
        self.kernel.access().and_where(conditions, params, "project_id")
        if db.engine == "sqlite":
            match = "search_index MATCH ?"
            expression = " ".join(f'"{t}"*' for t in terms)
            score = "bm25(search_index, 10.0, 1.0)"
            best, direction = "MIN", "ASC"
        else:
            match = "tsv @@ to_tsquery('simple', ?)"
            expression = " & ".join(f"{t}:*" for t in terms)
            score = "ts_rank_cd('{0.1, 0.2, 0.4, 1.0}'::float4[], tsv, to_tsquery('simple', ?))"
            best, direction = "MAX", "DESC"
        where = " AND ".join([match, *conditions])
        rank_params = [expression] if db.engine == "postgresql" else []
        # MATERIALIZED: SQLite may not move bm25() into the grouping query.
        newest = "rowid" if db.engine == "sqlite" else "doc_id"
        rows = db.fetchall(
            f"WITH m AS MATERIALIZED (SELECT kind, ref_id, project_id, task_id, {score} AS score"
            f" FROM search_index WHERE {where} ORDER BY {newest} DESC LIMIT {RANK_CAP})"
            f" SELECT kind, ref_id, project_id, task_id, {best}(score) AS score FROM m"
            f" GROUP BY kind, ref_id, project_id, task_id"
            f" ORDER BY score {direction}, kind, ref_id LIMIT ? OFFSET ?",
            (*rank_params, expression, *params, limit, offset))
        total = db.scalar(
            f"SELECT COUNT(*) FROM (SELECT DISTINCT kind, ref_id FROM search_index"
            f" WHERE {where} LIMIT {COUNT_CAP + 1}) c", (expression, *params))
        hits = [Hit(r["kind"], r["ref_id"], r["project_id"], r["task_id"]) for r in rows]
        return {"results": self._present(db, hits, terms), "total": min(total, COUNT_CAP),
                "more": total > COUNT_CAP}

    def _present(self, db, hits: list[Hit], terms: list[str]) -> list[dict[str, Any]]:
        """Titles and snippets from the live rows (the index keeps no copy to show)."""
        texts = {kind: _texts(db, kind, [h.ref_id for h in hits if h.kind == kind])
                 for kind in KIND_OFFSET}
        out = []
        for hit in hits:
            found = texts[hit.kind].get(hit.ref_id)
            if found is None:
                continue
            title, body = found
            shown, marks = snippet(body or title, terms)
            item = {"kind": hit.kind, "id": hit.ref_id, "project_id": hit.project_id,
                    "title": title, "snippet": shown, "highlights": marks}
            if hit.kind != "project":
                item["task_id"] = hit.task_id
            out.append(item)
        return out


TEXT_SQL = {
    "task": "SELECT id, title, description AS body FROM tasks WHERE id IN ({})",
    "comment": ("SELECT c.id, t.title, c.body FROM comments c JOIN tasks t ON t.id = c.task_id"
                " WHERE c.id IN ({})"),
    "project": "SELECT id, name AS title, description AS body FROM projects WHERE id IN ({})",
}


def _texts(db, kind: str, ids: list[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    rows = db.fetchall(TEXT_SQL[kind].format(", ".join("?" for _ in ids)), ids)
    return {r["id"]: (r["title"], r["body"]) for r in rows}


REBUILD = (
    "INSERT INTO search_index ({key}, kind, ref_id, project_id, task_id, title, body)"
    " SELECT id * 4 + 1, 'task', id, project_id, id, title, description FROM tasks",
    "INSERT INTO search_index ({key}, kind, ref_id, project_id, task_id, title, body)"
    " SELECT c.id * 4 + 2, 'comment', c.id, t.project_id, t.id, '', c.body"
    " FROM comments c JOIN tasks t ON t.id = c.task_id",
    "INSERT INTO search_index ({key}, kind, ref_id, project_id, task_id, title, body)"
    " SELECT id * 4 + 3, 'project', id, id, NULL, name, description FROM projects",
)
