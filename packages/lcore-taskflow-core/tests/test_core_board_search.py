"""The board's ``q=`` on the full-text index (issue 25): words of the title, each
matching the start of a word, case and accents folded; on both engines, each
through both of its ways (the index for rare words, the walk of the project for
common ones)."""

from __future__ import annotations

import pytest
from lcore_taskflow.core import _board_search
from lcore_taskflow.core._words import starts_words, words_of


@pytest.fixture(autouse=True, params=["index", "walk"])
def way(request, monkeypatch):
    """Each engine walks the project when a word is in INDEX_HITS documents or more:
    0 makes every word common."""
    if request.param == "walk":
        monkeypatch.setattr(_board_search, "INDEX_HITS", 0)
        monkeypatch.setattr(_board_search, "HIT_PER_ROW", 0)
    return request.param


def titles(client, pid=1, **query):
    body = client.get(f"/api/projects/{pid}/tasks", query={"limit": 100, **query}).json
    return sorted(t["title"] for t in body["tasks"]), body["total"]


def make(client, *titles, pid=1, **fields):
    return [client.post(f"/api/projects/{pid}/tasks", json={"title": t, **fields}).json["id"]
            for t in titles]


@pytest.mark.parametrize("q, expected", [
    ("deploy", ["Deploy the café", "Deployment notes"]),       # a prefix of a word
    ("DEPLOY CAFE", ["Deploy the café"]),                      # every word, folded
    ("ployment", []),                                          # not the middle of a word
    ("notes deploy", ["Deployment notes"]),                    # in any order
    ("%_", []),                                                # no word at all: nothing
    ("zebra", []),
])
def test_q_matches_words_of_the_title(alice, q, expected):
    make(alice, "Deploy the café", "Deployment notes", "Redeploy later", "Unrelated")
    assert titles(alice, q=q) == (expected, len(expected))


def test_q_looks_at_the_title_only(alice):
    make(alice, "Plain title", description="deploy is only in the description")
    assert titles(alice, q="deploy") == ([], 0)


def test_q_follows_edits_and_deletes(admin):
    first, _ = make(admin, "Rename me", "Leave me")
    assert admin.patch(f"/api/projects/1/tasks/{first}",
                       json={"title": "Renamed zanzibar"}).status == 200
    assert titles(admin, q="zanzibar") == (["Renamed zanzibar"], 1)
    assert titles(admin, q="rename me") == ([], 0)
    assert admin.delete(f"/api/projects/1/tasks/{first}").status == 200
    assert titles(admin, q="zanzibar") == ([], 0)
    assert titles(admin, q="leave") == (["Leave me"], 1)


def test_q_stays_in_its_project(admin):
    make(admin, "Kiwi in one", pid=1)
    make(admin, "Kiwi in two", pid=2)
    assert titles(admin, pid=1, q="kiwi") == (["Kiwi in one"], 1)
    assert titles(admin, pid=2, q="kiwi") == (["Kiwi in two"], 1)


def test_q_combines_with_the_other_filters(alice):
    make(alice, "Ship fast", "Ship slow", priority="high")
    make(alice, "Ship later", priority="low")
    assert titles(alice, q="ship", priority="high") == (["Ship fast", "Ship slow"], 2)
    assert titles(alice, q="ship", status="done") == ([], 0)


def test_the_word_rule():
    assert words_of("  Café, CAFE; über-naïve x_y 42 ") == ["cafe", "uber", "naive", "x", "y", "42"]
    assert starts_words("Deploy the Café", "dep cafe")
    assert not starts_words("Deployment", "ployment")
    assert not starts_words(None, "x") and not starts_words("", "x")


def test_postgresql_knows_a_common_word_from_the_statistics(kernel, admin):
    with kernel.database() as db:
        if db.engine != "postgresql":
            pytest.skip("PostgreSQL's lexeme statistics (SQLite counts its index's hits)")
        db.bulk_insert("tasks", ("title", "project_id", "creator_id", "status", "priority",
                                 "position", "created_at"),
                       [(f"Common word {i}", 1, 1, "todo", "low", 1000 + i, 0.0)
                        for i in range(3000)])
        db.execute("ANALYZE search_index")
        _board_search._stats.clear()
        assert _board_search.estimated_hits(db, ["common"]) >= 2000
        assert _board_search.estimated_hits(db, ["comm", "zanzibar"]) == 0  # the rarest
    assert titles(admin, q="common word 2999") == (["Common word 2999"], 1)  # by the walk


def test_a_rare_word_is_looked_up_and_a_common_one_checked(alice, monkeypatch, kernel):
    """With a common and a rare word the index finds the rare word's titles and each
    is checked for the common one (on PostgreSQL "common" needs its statistics, so
    there both words are rare here and the index alone answers)."""
    monkeypatch.setattr(_board_search, "INDEX_HITS", 3)  # ship: 3 titles, fast: 2
    monkeypatch.setattr(_board_search, "HIT_PER_ROW", 0)  # whatever the project holds
    make(alice, "Ship fast", "Ship slow", "Ship later", "Fast lane")
    assert titles(alice, q="ship fast") == (["Ship fast"], 1)
    assert titles(alice, q="fast ship") == (["Ship fast"], 1)
    assert titles(alice, q="ship") == (["Ship fast", "Ship later", "Ship slow"], 3)
    with kernel.database() as db:
        if db.engine == "sqlite":
            condition, _ = _board_search.title_filter(db, 1, "ship fast", 1000)
            assert "MATCH" in condition and "GLOB" in condition  # both ways in one
            monkeypatch.setattr(_board_search, "HIT_PER_ROW", 1.0)
            condition, _ = _board_search.title_filter(db, 1, "ship fast", 10)
            assert "GLOB" not in condition  # 3 hits are few for a walk of 10 rows


def test_sqlite_keeps_its_hit_counts_for_a_while(alice, kernel, monkeypatch):
    """A board's live filter and its polling ask the same words again: a count of
    the last STATS_TTL seconds answers if it went as far as the cap (or was exact)."""
    make(alice, "Ship one", "Ship two", "Ship three")
    with kernel.database() as db:
        if db.engine != "sqlite":
            pytest.skip("SQLite's hit counts (PostgreSQL reads its lexeme statistics)")
        counted = []
        scalar = db.scalar
        monkeypatch.setattr(db, "scalar",
                            lambda sql, params=(): counted.append(params) or scalar(sql, params))
        hits = _board_search._hits
        assert hits(db, 'title : "ship"', 2) == 2      # stopped at the cap
        assert hits(db, 'title : "ship"', 2) == 2 and len(counted) == 1
        assert hits(db, 'title : "ship"', 10) == 3     # went further than the kept count
        assert len(counted) == 2
        assert hits(db, 'title : "ship"', 100) == 3    # an exact count answers any cap
        assert hits(db, 'title : "ship"', 1) == 1
        assert len(counted) == 2
        monkeypatch.setattr(_board_search, "STATS_TTL", 0.0)
        assert hits(db, 'title : "ship"', 100) == 3 and len(counted) == 3
