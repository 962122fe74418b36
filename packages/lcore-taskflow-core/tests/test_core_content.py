"""``kernel.content`` (projects, tasks, comments, checklist items made by code), on every
engine: atomic on its own, part of the caller's transaction inside one (no savepoint of its
own), and the batched checklist of an import."""

from __future__ import annotations

import pytest
from lcore_taskflow.core import ApiError
from lcore_taskflow.core.testing import QueryCounter


def _admin(kernel):
    return kernel.users.get(1)


def test_checklist_items_in_one_statement_after_the_existing_ones(kernel, admin):
    with kernel.database() as db, db.transaction():
        task = kernel.content.create_task(1, {"title": "Batched"}, actor=_admin(kernel))
        kernel.content.add_checklist_item(task, {"title": "first"})
        with QueryCounter() as q:
            added = kernel.content.add_checklist_items(task, [
                {"title": "second", "done": True}, {"title": "third"}])
    assert added == 2
    assert len(q.matching("INSERT INTO checklist_items")) == 1
    shown = admin.get(f"/api/projects/1/tasks/{task['id']}/checklist").json
    items = shown["items"] if isinstance(shown, dict) else shown
    assert [(i["title"], i["done"], i["position"]) for i in items] == [
        ("first", False, 1), ("second", True, 2), ("third", False, 3)]
    counts = admin.get(f"/api/projects/1/tasks/{task['id']}").json["checklist"]
    assert counts == {"done": 1, "total": 3}  # the triggers counted the batch
    with kernel.database() as db:
        assert kernel.content.add_checklist_items(task, []) == 0


def test_checklist_batch_refuses_a_bad_item_or_too_many_and_writes_none(kernel):
    with kernel.database() as db, db.transaction():
        task = kernel.content.create_task(1, {"title": "Refused"}, actor=_admin(kernel))
    with kernel.database() as db:
        with pytest.raises(ApiError) as bad:
            kernel.content.add_checklist_items(task, [{"title": "ok"}, {"title": ""}])
        assert bad.value.status_code == 422
        with pytest.raises(ApiError, match="at most 200 items"):
            kernel.content.add_checklist_items(task, [{"title": f"i{n}"} for n in range(201)])
        assert db.scalar("SELECT COUNT(*) FROM checklist_items WHERE task_id = ?",
                         (task["id"],)) == 0


def test_a_call_inside_a_transaction_adds_no_savepoint_and_falls_with_it(kernel):
    """Outside a transaction a call is its own; inside one it opens no savepoint, so the
    caller's block decides (and rolls it back with everything else)."""
    sent: list[str] = []
    with kernel.database() as db:
        pool_execute = db._pool.execute

        def spy(conn, sql, params):
            sent.append(sql)
            return pool_execute(conn, sql, params)

        db._pool.execute = spy
        try:
            with pytest.raises(RuntimeError), db.transaction():
                task = kernel.content.create_task(1, {"title": "Undone"}, actor=_admin(kernel))
                kernel.content.add_comment(task, "gone too", actor=_admin(kernel))
                raise RuntimeError("the caller changes its mind")
            assert not [s for s in sent if s.startswith(("SAVEPOINT", "RELEASE"))], sent
            assert db.scalar("SELECT COUNT(*) FROM tasks WHERE title = 'Undone'") == 0
            alone = kernel.content.create_task(1, {"title": "Alone"}, actor=_admin(kernel))
        finally:
            db._pool.execute = pool_execute
        assert db.scalar("SELECT COUNT(*) FROM tasks WHERE id = ?", (alone["id"],)) == 1
