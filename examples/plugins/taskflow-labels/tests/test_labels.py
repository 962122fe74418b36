"""taskflow-labels through HTTP, in-process, with the testing kit's fixtures."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from lcore_taskflow.core.testing import Client, assert_error, installed_plugin, private_imports
from taskflow_labels import LabelsPlugin, TaskLabelsChanged

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "taskflow_labels"
GUIDE = Path(__file__).resolve().parents[4] / "docs" / "testing.md"


def new_label(admin, pid=1, name="bug", color="#d33"):
    answer = admin.post(f"/api/labels/projects/{pid}", json={"name": name, "color": color})
    assert answer.status == 201, answer
    return answer.json


def new_task(client, pid=1, title="A task", **fields):
    answer = client.post(f"/api/projects/{pid}/tasks", json={"title": title, **fields})
    assert answer.status == 201, answer
    return answer.json["id"]


def labels_on_in(admin, pid):
    """Labels is project-scoped: on only where an owner turned it on."""
    answer = admin.put(f"/api/projects/{pid}/plugins/labels", json={"enabled": True})
    assert answer.status == 200 and answer.json["enabled"] is True, answer


def task(client, tid, pid=1):
    return client.get(f"/api/projects/{pid}/tasks/{tid}").json


# ------------------------------------------------------------------ labels
def test_admin_manages_labels(taskflow_admin):
    bug = new_label(taskflow_admin, name="bug", color="#d33")
    assert {k: bug[k] for k in ("project_id", "name", "color")} == {
        "project_id": 1, "name": "bug", "color": "#d33"}
    new_label(taskflow_admin, name="Docs", color="#3366cc")
    listed = taskflow_admin.get("/api/labels/projects/1").json["labels"]
    assert [(lb["name"], lb["task_count"]) for lb in listed] == [("bug", 0), ("Docs", 0)]
    renamed = taskflow_admin.patch(f"/api/labels/{bug['id']}", json={"name": "defect"})
    assert renamed.json["name"] == "defect" and renamed.json["color"] == "#d33"
    assert taskflow_admin.delete(f"/api/labels/{bug['id']}").json["deleted"] is True
    assert [lb["name"] for lb in taskflow_admin.get("/api/labels/projects/1").json["labels"]] \
        == ["Docs"]


def test_label_input_is_checked(taskflow_admin):
    new_label(taskflow_admin, name="bug")
    assert_error(taskflow_admin.post("/api/labels/projects/1", json={"name": "BUG",
                                                                     "color": "#fff"}),
                 409, fields=("name",))
    assert_error(taskflow_admin.post("/api/labels/projects/1", json={"name": "x",
                                                                     "color": "red"}),
                 422, fields=("color",))
    assert_error(taskflow_admin.post("/api/labels/projects/1", json={"color": "#fff"}),
                 422, fields=("name",))
    assert_error(taskflow_admin.post("/api/labels/projects/999", json={"name": "x",
                                                                       "color": "#fff"}), 404)
    assert_error(taskflow_admin.patch("/api/labels/999", json={"name": "x"}), 404)
    assert_error(taskflow_admin.get("/api/labels/projects/999"), 404)


def test_members_use_labels_but_only_admins_manage_them(taskflow_admin, taskflow_member,
                                                        taskflow_client):
    bug = new_label(taskflow_admin)
    assert_error(taskflow_member.post("/api/labels/projects/1", json={"name": "x",
                                                                      "color": "#fff"}), 403)
    assert_error(taskflow_member.patch(f"/api/labels/{bug['id']}", json={"name": "x"}), 403)
    assert_error(taskflow_member.delete(f"/api/labels/{bug['id']}"), 403)
    assert taskflow_member.get("/api/labels/projects/1").status == 200
    tid = new_task(taskflow_member)
    assert taskflow_member.post(f"/api/labels/tasks/{tid}/{bug['id']}").status == 200
    assert_error(taskflow_client.get("/api/labels/projects/1"), 401)
    assert_error(taskflow_client.put(f"/api/labels/tasks/{tid}", json={"label_ids": []}), 401)


# ------------------------------------------------------------ task labels
def test_attach_detach_and_set(taskflow_admin, taskflow_member, taskflow_events):
    bug, docs = new_label(taskflow_admin, name="bug"), new_label(taskflow_admin, name="docs")
    tid = new_task(taskflow_member)
    taskflow_member.post(f"/api/labels/tasks/{tid}/{docs['id']}")
    answer = taskflow_member.post(f"/api/labels/tasks/{tid}/{bug['id']}").json
    assert [lb["name"] for lb in answer["labels"]] == ["bug", "docs"]
    assert [lb["name"] for lb in task(taskflow_member, tid)["labels"]] == ["bug", "docs"]
    taskflow_member.delete(f"/api/labels/tasks/{tid}/{docs['id']}")
    assert [lb["id"] for lb in task(taskflow_member, tid)["labels"]] == [bug["id"]]
    assert taskflow_member.put(f"/api/labels/tasks/{tid}",
                               json={"label_ids": [docs["id"]]}).json["labels"][0]["name"] == "docs"
    changes = [(e.added, e.removed) for e in taskflow_events.of(TaskLabelsChanged)]
    assert changes == [([docs["id"]], []), ([bug["id"]], []), ([], [docs["id"]]),
                       ([docs["id"]], [bug["id"]])]
    assert all(e.actor["username"] == "alice" and e.task_id == tid
               for e in taskflow_events.of("labels.changed"))


def test_labels_of_another_project_are_refused(taskflow_admin):
    other = taskflow_admin.post("/api/projects/", json={"name": "Other"}).json["id"]
    labels_on_in(taskflow_admin, other)
    foreign = new_label(taskflow_admin, pid=other, name="elsewhere")
    tid = new_task(taskflow_admin)
    assert_error(taskflow_admin.put(f"/api/labels/tasks/{tid}",
                                    json={"label_ids": [foreign["id"]]}), 422,
                 fields=("label_ids",))
    assert_error(taskflow_admin.put(f"/api/labels/tasks/{tid}", json={"label_ids": "1"}), 422)
    assert_error(taskflow_admin.put("/api/labels/tasks/999", json={"label_ids": []}), 404)
    assert task(taskflow_admin, tid)["labels"] == []


def test_labels_travel_with_the_task_form(taskflow_admin):
    """The picker's value is a field of core's own task body (taskflow_task_fields)."""
    bug = new_label(taskflow_admin)
    docs = new_label(taskflow_admin, name="docs")
    other = taskflow_admin.post("/api/projects/", json={"name": "Other"}).json["id"]
    labels_on_in(taskflow_admin, other)
    foreign = new_label(taskflow_admin, pid=other, name="elsewhere")
    tid = new_task(taskflow_admin, labels=[bug["id"]])
    assert [lb["id"] for lb in task(taskflow_admin, tid)["labels"]] == [bug["id"]]
    # an edit carrying only the plugin's field is a valid update of the task
    res = taskflow_admin.patch(f"/api/projects/1/tasks/{tid}", json={"labels": [docs["id"]]})
    assert res.status == 200 and res.json["fields"] == ["labels"]
    assert [lb["id"] for lb in task(taskflow_admin, tid)["labels"]] == [docs["id"]]
    # a bad value refuses the whole change, named beside its field
    before = taskflow_admin.get("/api/projects/1/tasks").json["total"]
    for bad in ([bug["id"], foreign["id"]], ["junk"], "1"):
        assert_error(taskflow_admin.post("/api/projects/1/tasks",
                                         json={"title": "Refused", "labels": bad}),
                     422, fields=("labels",))
    assert taskflow_admin.get("/api/projects/1/tasks").json["total"] == before
    assert_error(taskflow_admin.patch(f"/api/projects/1/tasks/{tid}",
                                      json={"title": "Renamed", "labels": [foreign["id"]]}),
                 422, fields=("labels",))
    assert task(taskflow_admin, tid)["title"] != "Renamed"


def test_activity_feed_shows_label_changes(taskflow_admin):
    bug = new_label(taskflow_admin)
    tid = new_task(taskflow_admin, title="Feed me")
    taskflow_admin.post(f"/api/labels/tasks/{tid}/{bug['id']}")
    feed = taskflow_admin.get("/api/projects/dashboard/activity?limit=5").json["activity"]
    assert feed[0]["summary"] == "admin changed the labels of 'Feed me'"


# ------------------------------------------------- filter and representation
def test_label_filter_on_the_task_list(taskflow_admin):
    bug = new_label(taskflow_admin)
    tagged = [new_task(taskflow_admin, title=f"tagged {i}", labels=[bug["id"]]) for i in range(3)]
    plain = [new_task(taskflow_admin, title=f"plain {i}") for i in range(2)]
    listing = taskflow_admin.get(f"/api/projects/1/tasks?label={bug['id']}").json
    assert sorted(t["id"] for t in listing["tasks"]) == tagged and listing["total"] == 3
    mixed = taskflow_admin.get(f"/api/projects/1/tasks?label={bug['id']}&q=tagged 1").json
    assert [t["id"] for t in mixed["tasks"]] == [tagged[1]]
    everything = taskflow_admin.get("/api/projects/1/tasks?limit=100").json["tasks"]
    assert set(plain) <= {t["id"] for t in everything}
    assert_error(taskflow_admin.get("/api/projects/1/tasks?label=bug"), 400, fields=("label",))


def test_labels_in_task_json_cost_one_query_per_response(taskflow_admin, taskflow_queries):
    bug, docs = new_label(taskflow_admin, name="bug"), new_label(taskflow_admin, name="docs")
    ids = [new_task(taskflow_admin, title=f"t{i}", labels=[bug["id"], docs["id"]][: i % 3])
           for i in range(25)]
    for path in ("/api/projects/1/tasks?limit=100", "/api/projects/1/tasks?limit=5",
                 "/api/projects/1/tasks/changes?since=0"):
        with taskflow_queries:
            answer = taskflow_admin.get(path)
        assert answer.status == 200, answer
        tasks = answer.json["tasks"]
        assert len(tasks) >= 5 and all("labels" in t for t in tasks)
        assert len(taskflow_queries.matching("task_labels")) == 1, taskflow_queries.statements
        # labels is project-scoped: whether it is on costs one lookup per request, shared by
        # the route check, the representation and the filter
        assert len(taskflow_queries.matching("project_plugins")) == 1, \
            taskflow_queries.statements
    with taskflow_queries:
        one = taskflow_admin.get(f"/api/projects/1/tasks/{ids[2]}").json
    assert len(taskflow_queries.matching("task_labels")) == 1
    assert [lb["name"] for lb in one["labels"]] == ["bug", "docs"]


# ----------------------------------------------------------------- cleanup
def test_deleting_a_task_or_project_removes_its_labels(taskflow_app, taskflow_admin):
    app = taskflow_app.default()
    bug = new_label(taskflow_admin)
    keep, drop = new_task(taskflow_admin, labels=[bug["id"]]), \
        new_task(taskflow_admin, labels=[bug["id"]])
    assert taskflow_admin.delete(f"/api/projects/1/tasks/{drop}").status == 200
    assert rows(app, "SELECT task_id FROM task_labels") == [{"task_id": keep}]
    assert taskflow_admin.delete("/api/projects/1").status == 200
    assert rows(app, "SELECT * FROM task_labels") == []
    assert rows(app, "SELECT * FROM labels") == []


def test_disabling_the_plugin_leaves_core_clean(taskflow_app, tmp_path):
    settings = {"db_path": str(tmp_path / "shared.db")}
    with_labels = taskflow_app(**settings)
    admin = Client(with_labels).as_user("admin")
    bug = new_label(admin)
    tid = new_task(admin, labels=[bug["id"]])
    with_labels.taskflow.close()
    without = Client(taskflow_app(plugins=[], **settings)).as_user("admin")
    assert "labels" not in task(without, tid)
    assert without.get("/api/labels/projects/1").status == 404
    # The filter went with the plugin: the parameter is no longer known, so it filters nothing.
    unfiltered = without.get(f"/api/projects/1/tasks?label={bug['id']}").json
    assert tid in [t["id"] for t in unfiltered["tasks"]]


def rows(app, sql):
    with app.taskflow.database() as db:
        return db.fetchall(sql)


# ---------------------------------------------------------------- frontend
def test_the_ui_module_ships_its_files():
    [module] = LabelsPlugin().taskflow_ui_modules(kernel=None)
    assert module.name == "labels"
    for name in (*module.scripts, *module.styles):
        assert (Path(module.directory) / name).is_file(), name


def test_the_frontend_page_loads_the_labels_module(taskflow_app):
    ui = installed_plugin("ui")
    if ui is None:
        pytest.skip("lcore-taskflow-ui is not installed: the page check needs it")
    app = taskflow_app(plugins=[LabelsPlugin(), ui])
    client = Client(app)
    page = client.get("/frontend", headers={"Accept": "text/html"}).text
    # under the content hash of the module's folder (SPEC §13), cached for a year
    url = re.search(r'href="(/static/plugins/labels/v/[0-9a-f]{16}/labels\.js)"', page).group(1)
    assert url.replace("labels.js", "labels.css") in page
    script = client.get(url)
    assert script.status == 200 and "javascript" in script.headers["content-type"]
    assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "innerHTML" not in script.text


# ---------------------------------------------------------------- packaging
def test_only_the_public_api_is_imported():
    assert private_imports(PACKAGE) == []


def test_the_testing_guides_example_passes(tmp_path):
    """docs/testing.md's example is about this plugin: written out, it passes."""
    if not GUIDE.is_file():
        reason = f"{GUIDE} not found: the guide is checked in a repository checkout only"
        print(reason)
        pytest.skip(reason)
    [block] = [code for code in re.findall(r"```python\n(.*?)```", GUIDE.read_text("utf-8"),
                                           re.S) if "# conftest.py" in code]
    conftest, tests = block.split("# test_labels.py")
    (tmp_path / "conftest.py").write_text(conftest, "utf-8")
    (tmp_path / "test_guide.py").write_text(tests, "utf-8")
    # The second example signs in with real tokens: it needs lcore-taskflow-auth, which this
    # plugin's own environment (tox -e labels) does not install.
    only = [] if installed_plugin("auth") is not None else ["-k", "not real_tokens"]
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           *only, str(tmp_path)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{2 if not only else 1} passed" in done.stdout, done.stdout


def test_its_catalog_speaks_german(taskflow_admin):
    """The plugin's own catalog (locale/de/LC_MESSAGES/labels.mo, taskflow_translations)."""
    german = {"Accept-Language": "de"}
    body = assert_error(taskflow_admin.patch("/api/labels/999", json={"name": "x"},
                                             headers=german), 404)
    assert body["error"] == "Label 999 nicht gefunden"
    new_label(taskflow_admin, name="bug")
    body = assert_error(taskflow_admin.post("/api/labels/projects/1", headers=german,
                                            json={"name": "bug", "color": "#aa0000"}), 409)
    assert body["error"] == "Projekt 1 hat bereits ein Label namens 'bug'"
    assert body["fields"]["name"] == "existiert bereits"
    # core's texts come from core's catalog in the same answer's language
    body = assert_error(taskflow_admin.post("/api/labels/projects/1", headers=german,
                                            json={"name": "x" * 300, "color": "#aa0000"}), 422)
    assert body["error"] == "Validierung fehlgeschlagen"
    assert {"code": "de", "name": "Deutsch"} in taskflow_admin.get("/api/i18n").json["languages"]


def test_openapi_describes_the_bodies_the_handlers_validate(taskflow_admin):
    """The bodies are Schemas: /openapi.json shows the same rules the handlers apply."""
    doc = taskflow_admin.get("/openapi.json").json
    create = doc["paths"]["/api/labels/projects/{pid}"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/LabelCreate"}
    assert "201" in create["responses"] and "422" in create["responses"]
    label = doc["components"]["schemas"]["LabelCreate"]
    assert label["required"] == ["name", "color"]
    assert label["properties"]["color"]["pattern"] == r"^#(?:[0-9a-fA-F]{3}){1,2}$"
    assert doc["components"]["schemas"]["TaskLabels"]["required"] == ["label_ids"]
