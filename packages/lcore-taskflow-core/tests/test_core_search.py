"""Full-text search (SPEC §11): prefixes, case and accents, current, only what you may see."""

from __future__ import annotations

from core_testutil import assert_error
from lcore_taskflow.core.testing import Client, make_private, with_project_role


def search(client, q, **query):
    reply = client.get("/api/search", query={"q": q, **query})
    assert reply.status == 200, reply
    return reply.json


def ids(body):
    return [(r["kind"], r["id"]) for r in body["results"]]


def test_words_match_as_prefixes_without_case_or_accents(admin):
    task = admin.post("/api/projects/1/tasks", json={
        "title": "Crème brûlée for the Café", "description": "Ask the pâtissier"}).json["id"]
    for query in ("creme", "CRÈME", "brul", "café patis", "Cafe"):
        assert ids(search(admin, query)) == [("task", task)], query
    assert search(admin, "creme nothingelse")["total"] == 0  # every word must match
    hit = search(admin, "patiss")["results"][0]
    assert hit["title"] == "Crème brûlée for the Café" and hit["project_id"] == 1
    start, end = hit["highlights"][0]
    assert hit["snippet"][start:end].lower() == "pâtiss"


def test_the_index_follows_every_change_in_its_transaction(admin):
    task = admin.post("/api/projects/1/tasks", json={"title": "Quarterly zeppelin"}).json["id"]
    comment = admin.post(f"/api/projects/1/tasks/{task}/comments",
                         json={"body": "the zeppelin needs helium"}).json["id"]
    assert set(ids(search(admin, "zeppelin"))) == {("task", task), ("comment", comment)}
    admin.patch(f"/api/projects/1/tasks/{task}", json={"title": "Quarterly airship"})
    assert ids(search(admin, "zeppelin")) == [("comment", comment)]
    assert ids(search(admin, "airship")) == [("task", task)]
    admin.delete(f"/api/projects/1/tasks/{task}")  # its comments go with it
    assert search(admin, "zeppelin")["total"] == 0 and search(admin, "airship")["total"] == 0
    admin.put("/api/projects/2", json={"name": "Mobile Xylophone"})
    assert ids(search(admin, "xylo")) == [("project", 2)]


def test_only_what_the_caller_may_see(app, admin, alice):
    pid = make_private(app, "Hidden orchard")
    task = admin.post(f"/api/projects/{pid}/tasks", json={"title": "Orchard pruning"}).json["id"]
    admin.post("/api/projects/1/tasks", json={"title": "Orchard picnic"})
    assert search(admin, "orchard")["total"] == 3
    seen = search(alice, "orchard")
    assert seen["total"] == 1 and all(r["project_id"] == 1 for r in seen["results"])
    assert "Hidden" not in str(seen)
    assert search(alice, "orchard", project_id=pid)["total"] == 0
    viewer = Client(app, with_project_role(app, pid, "viewer"))
    assert ("task", task) in ids(search(viewer, "orchard", project_id=pid))
    link = admin.post(f"/api/projects/{pid}/shares", json={}).json["token"]
    shared = search(Client(app).with_token(link), "orchard")
    assert {r["project_id"] for r in shared["results"]} == {pid} and shared["total"] == 2


def test_paging_limits_and_nonsense(admin):
    for n in range(5):
        admin.post("/api/projects/1/tasks", json={"title": f"Paging walrus {n}"})
    first, second = search(admin, "walrus", limit=3), search(admin, "walrus", limit=3, offset=3)
    assert first["total"] == second["total"] == 5 and first["more"] is False
    assert len(first["results"]) == 3 and len(second["results"]) == 2
    assert not set(ids(first)) & set(ids(second))
    for junk in ('"', "*", "a:b & !c |", "NEAR(", "-", "'; DROP TABLE tasks; --"):
        assert search(admin, junk)["results"] is not None
    assert_error(admin.get("/api/search"), 400)
    assert_error(admin.get("/api/search", query={"q": "x", "limit": 51}), 400)


def test_a_very_common_word_ranks_only_its_newest_matches(admin, monkeypatch):
    """Ranking costs per match: past RANK_CAP matches, the best of the newest are shown
    (a word in every task of a million would otherwise cost seconds)."""
    from lcore_taskflow.core import _search

    monkeypatch.setattr(_search, "RANK_CAP", 3)
    made = [admin.post("/api/projects/1/tasks", json={"title": f"Walrus note {n}"}).json["id"]
            for n in range(5)]
    found = search(admin, "walrus")
    assert {i for kind, i in ids(found)} == set(made[-3:])  # the newest three, ranked
    assert found["total"] == 5  # the count is not capped by the ranking's bound
    monkeypatch.setattr(_search, "RANK_CAP", 100)
    assert {i for kind, i in ids(search(admin, "walrus"))} == set(made)
