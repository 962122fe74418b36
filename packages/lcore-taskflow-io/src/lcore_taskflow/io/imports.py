"""Imports as jobs: ``POST /api/imports``, ``GET /api/imports/<id>`` and their worker.

The request stores the file in ``io_imports`` and answers 202; a worker thread claims the
job under a lease (core's ``db.claim``: one claimer per job, across processes), reads the
file into a plan (``sources.py``) and writes it in **one transaction** together with the
job's outcome, through core's public ``kernel.content`` service (the same checks and events
as the HTTP API).  A worker that dies mid-import leaves its lease to run out; the next
claim takes the job again (at most ``MAX_ATTEMPTS`` times).  Because the outcome is written
only if the claim is still the writer's (``attempts`` unchanged), two workers can never
both commit the same import.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lcore import Lcore, request, response
from lcore_taskflow.core import (
    SQL,
    ApiError,
    Choice,
    File,
    Integer,
    ListOf,
    MapOf,
    Message,
    Schema,
    String,
)

from . import sources
from .config import IOConfig
from .sources import Malformed
from .writer import Importer

if TYPE_CHECKING:
    from lcore_taskflow.core import TaskFlow

log = logging.getLogger("lcore_taskflow.io")
SOURCES = ("trello", "csv", "taskflow")
JOB_STATUSES = ("queued", "running", "done", "failed")
MAX_ATTEMPTS = 3
MAX_NOTES = 1000  # per-row notes kept in a job's report
#: Bytes of a multipart body beyond the file: its envelope and the form's other fields
#: (`mapping` and `columns` are at most 10,000 characters each).
FORM_ROOM = 64 * 1024
JOB_COLUMNS = ("id, user_id, source, status, filename, project_id, counts, errors, attempts,"
               " created_at, started_at, finished_at")


# ------------------------------------------------------------------ schemas
class ImportUpload(Schema):
    """An import file (multipart field ``file``) and what it is.

    ``source``: ``trello`` (a board export, JSON), ``csv`` (needs ``project_id``) or
    ``taskflow`` (a project export, JSON).  With ``project_id`` the tasks go into that
    project (you need the editor role there); without it a new project is made (you must be
    allowed to create projects).  ``mapping`` (JSON): ``{"list or status name": "todo" |
    "in_progress" | "done"}``; ``columns`` (JSON, CSV only): ``{"title": "<header>",
    "description", "status", "priority", "due_date", "assignee": ...}``.
    """

    file = File(required=True)
    source = Choice(SOURCES, required=True)
    project_id = Integer(minimum=1)
    mapping = String(max_len=10_000, description="JSON object: list name -> status")
    columns = String(max_len=10_000, description="JSON object: field -> CSV header")


class ImportQueued(Schema):
    id = Integer(required=True, minimum=1)
    status = Choice(JOB_STATUSES, required=True)


class ImportNote(Schema):
    row = String(required=True, description="The row, card or line it is about")
    message = String(required=True, description="What was skipped or changed, and why")


class ImportStatus(Schema):
    """An import job: its state, what it created and a note per row it skipped or changed."""

    id = Integer(required=True, minimum=1)
    source = Choice(SOURCES, required=True)
    status = Choice(JOB_STATUSES, required=True)
    filename = String(required=True)
    project_id = Integer(required=True, nullable=True)
    counts = MapOf(Integer(minimum=0), required=True)
    errors = ListOf(ImportNote, required=True)
    error = String(required=True, nullable=True, description="Why a failed job failed")
    attempts = Integer(required=True, minimum=0)
    created_at = Integer(required=True, minimum=0)
    finished_at = Integer(required=True, nullable=True, minimum=0)


# ------------------------------------------------------------------ the routes
def add_routes(app: Lcore, kernel: TaskFlow, plugin) -> None:
    """Register ``POST /api/imports`` and ``GET /api/imports/<iid>`` on the io sub-app."""

    def body_limit() -> int:  # the file, plus room for the form's other fields
        return IOConfig.from_config(kernel.config).import_max_bytes + FORM_ROOM

    @app.post("/api/imports", name="io_import_create", auth=True, body=ImportUpload,
              body_limit=body_limit, body_limit_setting="APP_IMPORT_MAX_BYTES",
              status=202, returns=ImportQueued, responses=(
                  (403, "You may not import into that project or create projects"),
                  (404, "No such project (or you cannot see it)"),
                  (413, "The file is over APP_IMPORT_MAX_BYTES"),
                  (422, "A field is missing or invalid (the message names it)")))
    def create_import():
        """Queue an import (202); poll ``GET /api/imports/<id>`` for its outcome."""
        return queue_import(kernel, plugin)

    @app.get("/api/imports/<iid:int>", name="io_import_status", auth=True,
             returns=ImportStatus, responses=((403, "A share link (it opens one project only)"),
                                              (404, "No such import of yours")))
    def import_status(iid):
        """An import job you started (admins: any job)."""
        actor = kernel.current_user()
        row = kernel.db.fetchone(f"SELECT {JOB_COLUMNS} FROM io_imports WHERE id = ?", (iid,))
        if row is None or (row["user_id"] != actor["id"] and actor.get("role") != "admin"):
            raise ApiError(404, "Import {iid} not found", params={"iid": iid})
        return job_out(row)


def job_out(row: dict[str, Any]) -> dict[str, Any]:
    errors = json.loads(row["errors"] or "[]")
    failure = errors[0]["message"] if row["status"] == "failed" and errors else None
    return {"id": row["id"], "source": row["source"], "status": row["status"],
            "filename": row["filename"], "project_id": row["project_id"],
            "counts": json.loads(row["counts"] or "{}"), "errors": errors, "error": failure,
            "attempts": row["attempts"], "created_at": int(row["created_at"]),
            "finished_at": None if row["finished_at"] is None else int(row["finished_at"])}


def _form_json(name: str) -> dict[str, str] | None:
    """The form field ``name``: a JSON object of strings (``mapping`` values are statuses,
    ``columns`` keys are task fields); 422 naming the field otherwise."""
    raw = request.forms.get(name)
    if raw is None or not raw.strip():
        return None
    if len(raw) > 10_000:
        raise ApiError(422, "Validation failed", fields={name: "at most 10000 characters"})
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiError(422, "Validation failed", fields={name: "must be a JSON object"}) \
            from None
    try:
        if name == "mapping":
            return sources.check_mapping(value, sources.STATUSES, name)
        checked = sources.check_mapping(value, tuple(str(v) for v in value.values())
                                        if isinstance(value, dict) else (), name)
        unknown = sorted(set(checked) - set(sources.CSV_FIELDS))
        if unknown:
            raise ValueError(f"{name}: {unknown[0]!r} is not a task field (fields: "
                             f"{', '.join(sources.CSV_FIELDS)})")
        return checked
    except ValueError as exc:
        raise ApiError(422, "Validation failed", fields={name: str(exc)}) from None


def _read_file(limit: int):
    if request.content_length > limit + FORM_ROOM:
        raise ApiError(413, "The import file is over APP_IMPORT_MAX_BYTES ({limit} bytes)",
                       params={"limit": limit})
    try:
        upload = request.files.get("file")
    except Exception as exc:  # Lcore's multipart parser: a broken body, or over its limit
        if getattr(exc, "status_code", None) == 413:
            raise ApiError(413, "The import file is over the size limit ({limit} bytes)",
                           params={"limit": limit}) \
                from None
        raise ApiError(400, "Malformed multipart body") from None
    if upload is None:
        raise ApiError(422, "Validation failed",
                       fields={"file": 'No file provided (multipart field name: "file")'})
    content = upload.file.read(limit + 1)
    if len(content) > limit:
        raise ApiError(413, "The import file is over APP_IMPORT_MAX_BYTES ({limit} bytes)",
                       params={"limit": limit})
    return upload, content


def queue_import(kernel: TaskFlow, plugin) -> dict[str, Any]:
    """Check the request, store the file as a queued job, wake the worker; 202."""
    actor = kernel.current_user()
    settings = IOConfig.from_config(kernel.config)
    upload, content = _read_file(settings.import_max_bytes)
    source = request.forms.get("source")
    if source not in SOURCES:
        raise ApiError(422, "Validation failed",
                       fields={"source": Message("must be one of {choices}",
                                                 choices=", ".join(SOURCES))})
    raw_pid = (request.forms.get("project_id") or "").strip()
    project_id = None
    if raw_pid:
        if not raw_pid.isdigit() or not 1 <= int(raw_pid) <= 2**31 - 1:
            raise ApiError(422, "Validation failed",
                           fields={"project_id":
                               Message("must be a project id (a positive integer)")})
        project_id = int(raw_pid)
        kernel.access().project(project_id, "editor")  # 404 hidden, 403 too low
    elif source == "csv":
        raise ApiError(422, "Validation failed",
                       fields={"project_id":
                           Message("a CSV import needs the project to import into")})
    else:
        kernel.require("projects:create")
    options = {"mapping": _form_json("mapping"), "columns": _form_json("columns"),
               "project_id": project_id}
    filename = sources.text_of(upload.raw_filename or upload.filename or "")[:200]
    db = kernel.db
    with db.transaction():
        job_id = db.insert("io_imports", {
            "user_id": actor["id"], "source": source, "status": "queued",
            "filename": filename, "options": json.dumps(options), "content": content,
            "size": len(content), "project_id": project_id})
        kernel.audit("io.import_queued", target=f"import:{job_id}",
                     details={"source": source, "size": len(content),
                              "project_id": project_id})
    if plugin.worker is not None:
        db.after_commit(plugin.worker.wake)
    response.status = 202
    return {"id": job_id, "status": "queued"}


def forget_user(kernel, user_id: int) -> None:
    """A deleted account's import jobs go (their files and reports); a job its worker is
    running then finds its claim gone and writes nothing."""
    kernel.db.execute("DELETE FROM io_imports WHERE user_id = ?", (user_id,))


# ------------------------------------------------------------------ running a job
def run_job(kernel: TaskFlow, job: dict[str, Any]) -> str:
    """Import one claimed job and record its outcome; its final status."""
    options = json.loads(job["options"] or "{}")
    now = time.time()
    outcome: dict[str, Any]
    try:
        with kernel.database() as db, db.transaction():
            actor = kernel.users.get(job["user_id"])
            if actor is None or not actor.get("is_active"):
                raise ApiError(403, "The account that started this import is gone")
            content = bytes(db.scalar("SELECT content FROM io_imports WHERE id = ?",
                                      (job["id"],)) or b"")
            plan = sources.read(job["source"], content, options)
            importer = Importer(kernel, actor, plan)
            project_id = importer.run(options.get("project_id"))
            finished = _finish(db, job, "done", project_id=project_id,
                               counts=importer.counts, notes=plan.notes[:MAX_NOTES])
            if not finished:  # another worker took the job over: undo ours
                raise _LostClaim
            kernel.audit("io.import_done", target=f"import:{job['id']}", actor=actor,
                         details={"project_id": project_id, **importer.counts})
        return "done"
    except _LostClaim:
        log.warning("io: import %s was taken over by another worker", job["id"])
        return "lost"
    except Malformed as exc:
        outcome = {"row": "file", "message": str(exc)}
    except ApiError as exc:
        fields = "; ".join(f"{k}: {v}" for k, v in (exc.fields or {}).items())
        outcome = {"row": "import", "message": fields or exc.message}
    except Exception:
        log.exception("io: import %s failed", job["id"])
        outcome = {"row": "import", "message": "The import stopped on an unexpected error "
                                               "(logged on the server); nothing was written"}
    with kernel.database() as db, db.transaction():
        _finish(db, job, "failed", notes=[outcome], now=now)
    return "failed"


class _LostClaim(Exception):
    pass


def _finish(db, job: dict[str, Any], status: str, *, project_id: int | None = None,
            counts: dict[str, int] | None = None, notes: Sequence[dict[str, str]] = (),
            now: float | None = None) -> bool:
    """Record the outcome if the claim is still ours; the file is dropped either way."""
    cur = db.execute(
        "UPDATE io_imports SET status = ?, project_id = COALESCE(?, project_id), counts = ?,"
        " errors = ?, content = NULL, lease_until = NULL, finished_at = ?"
        " WHERE id = ? AND attempts = ? AND status = 'running'",
        (status, project_id, json.dumps(counts or {}), json.dumps(list(notes)),
         time.time(), job["id"], job["attempts"]))
    return cur.rowcount == 1


# ------------------------------------------------------------------ the worker
class ImportWorker:
    """The background thread that runs queued imports, one at a time, under a lease."""

    def __init__(self, kernel: TaskFlow, settings: IOConfig):
        self.kernel = kernel
        self.lease = settings.import_lease
        self.poll = settings.import_poll
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        """Look for queued jobs now (called after the commit that queued one)."""
        self._wake.set()

    def claim(self) -> dict[str, Any] | None:
        """Take the oldest queued job, or a running one whose lease ran out."""
        now = time.time()
        with self.kernel.database() as db:
            rows = db.claim(
                "io_imports",
                "(status = 'queued' OR (status = 'running' AND lease_until < ?))", (now,),
                set={"status": "running", "lease_until": now + self.lease,
                     "attempts": SQL("attempts + 1"), "started_at": now}, limit=1)
        return rows[0] if rows else None

    def run_once(self) -> str | None:
        """Claim and run one job; its outcome (``None``: nothing to do)."""
        job = self.claim()
        if job is None:
            return None
        if job["attempts"] > MAX_ATTEMPTS:
            with self.kernel.database() as db, db.transaction():
                _finish(db, job, "failed", notes=[{
                    "row": "import", "message": f"gave up after {MAX_ATTEMPTS} attempts (the "
                                                "worker stopped during each one)"}])
            return "failed"
        return run_job(self.kernel, job)

    def run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                outcome = self.run_once()
            except Exception:  # the database went away: try again after the poll interval
                log.exception("io: the import worker could not claim a job")
                outcome = None
            if outcome is None:
                self._wake.wait(self.poll)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="taskflow-io-imports",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop claiming; a running import finishes first (or its lease lets another take it)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.lease)
            self._thread = None


def start_worker(kernel: TaskFlow) -> ImportWorker | None:
    """The import worker of ``kernel``, started (``None`` when ``APP_IMPORT_WORKER`` is off)."""
    settings = IOConfig.from_config(kernel.config)
    if not settings.import_worker:
        return None
    worker = ImportWorker(kernel, settings)
    worker.start()
    return worker
