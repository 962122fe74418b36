"""Task attachments: multipart upload, download and removal, through ``kernel.storage``."""

from __future__ import annotations

import logging
import os
import re
import uuid
from typing import TYPE_CHECKING

from lcore import HTTPError, request

from .. import events
from .._domain.tasks import get_task_or_404, lock_project
from .._errors import ApiError
from .._files import send_file
from .._schema import Boolean, File, Integer, Schema, String
from .._storage import StorageError, TooLarge
from .replies import ident

if TYPE_CHECKING:
    from .. import TaskFlow

log = logging.getLogger("lcore_taskflow")


def remove_files(kernel: TaskFlow, names) -> None:
    """Delete attachment files after their rows are gone (a failure only logs an orphan)."""
    assert kernel.storage is not None  # opened with the database
    for name in names:
        if name:
            kernel.storage.delete(name)


STORED_NAME = re.compile(r"task_(\d{1,18})_")


def stored_name(task_id: int, filename: str) -> str:
    """A unique name for an upload, short enough for any filesystem.

    ``filename`` is Lcore's sanitised one; it is shortened (keeping its
    extension) so the name stays well under the usual 255-byte limit.
    """
    base, ext = os.path.splitext(filename)
    if len(ext) > 16:
        base, ext = base + ext, ""
    return f"task_{task_id}_{uuid.uuid4().hex[:8]}_{base[:150] or 'file'}{ext}"


class AttachmentUpload(Schema):
    """A file for the task (multipart field ``file``); it replaces the previous one."""

    file = File(required=True)


class Uploaded(Schema):
    task_id = ident()
    filename = String(required=True, description="The stored name, for downloading it")
    content_type = String(required=True, nullable=True)
    size = Integer(required=True, minimum=0)
    uploaded = Boolean(required=True)


class AttachmentDeleted(Schema):
    task_id = ident()
    deleted = Boolean(required=True)


STORAGE_FAULTS = ((503, "The upload directory cannot be used (the message says why)"),
                  (507, "The storage is full; nothing was kept"))


def _read_upload():
    try:
        return request.files.get("file")
    except HTTPError as err:
        if err.status_code == 413:
            raise ApiError(413, "Upload exceeds the size limit") from None
        raise ApiError(400, "Malformed multipart body") from None
    except Exception:  # Lcore's multipart parser raises on broken bodies
        raise ApiError(400, "Malformed multipart body") from None


def _storage_error(exc: StorageError) -> ApiError:
    return ApiError(exc.status, "Attachment storage problem: {problem}",
                    params={"problem": exc.strerror or str(exc)})


def add_attachment_routes(app, kernel: TaskFlow) -> None:
    limit = kernel.config.max_upload_size

    @app.post("/<pid:int>/tasks/<tid:int>/attachment", name="upload_attachment", auth=True,
              role="editor", body=AttachmentUpload, returns=Uploaded, responses=STORAGE_FAULTS)
    @kernel.limits.limit("attachments:upload", 10, 60)
    def upload_attachment(pid, tid):
        """Attach a file to a task (multipart field ``file``); replaces the previous one."""
        actor = kernel.current_user()
        db = kernel.db
        get_task_or_404(db, pid, tid)
        if request.content_length > limit:
            raise ApiError(413, "Upload exceeds max_upload_size ({limit} bytes)",
                           params={"limit": limit})
        upload = _read_upload()
        if upload is None:
            raise ApiError(400, 'No file provided (multipart field name: "file")')
        name = stored_name(tid, upload.filename)
        try:
            size = kernel.storage.save(name, upload.file, limit)
        except TooLarge:
            raise ApiError(413, "Upload exceeds max_upload_size ({limit} bytes)",
                           params={"limit": limit}) from None
        except StorageError as exc:
            raise _storage_error(exc) from None
        try:
            with db.transaction():
                lock_project(db, pid)
                old = get_task_or_404(db, pid, tid)["attachment"]
                db.update("tasks", tid, {"attachment": name})
                task = get_task_or_404(db, pid, tid)
                kernel.emit(events.AttachmentAdded(
                    actor=actor, task=task, filename=name,
                    content_type=upload.content_type or "application/octet-stream", size=size))
        except BaseException:
            kernel.storage.delete(name)
            raise
        if old and old != name:
            remove_files(kernel, [old])
        return {"task_id": tid, "filename": name, "content_type": upload.content_type,
                "size": size, "uploaded": True}

    @app.delete("/<pid:int>/tasks/<tid:int>/attachment", name="delete_attachment", auth=True,
                role="editor", returns=AttachmentDeleted)
    def delete_attachment(pid, tid):
        """Remove a task's attachment."""
        actor = kernel.current_user()
        db = kernel.db
        with db.transaction():
            task = get_task_or_404(db, pid, tid)
            name = task["attachment"]
            if not name:
                raise ApiError(404, "Task {tid} has no attachment", params={"tid": tid})
            db.update("tasks", tid, {"attachment": None})
            kernel.emit(events.AttachmentDeleted(actor=actor, task=task, filename=name))
        remove_files(kernel, [name])
        return {"task_id": tid, "deleted": True}

    @app.get("/attachments/<filename:path>", name="serve_attachment", auth=True, share=True,
             returns="*/*", responses=(
                 (206, "The byte range asked for (Range)"),
                 (304, "Unchanged since the ETag of If-None-Match"), 404,
                 (416, "The Range asked for lies beyond the file (Content-Range: bytes */size)"),
                 STORAGE_FAULTS[0]))
    def serve_attachment(filename):
        """Download an attachment of a task you can see (as a download, never inline).

        Types a browser could run (HTML, SVG, scripts) come as
        ``application/octet-stream``, every file with a sandboxing CSP.
        """
        owner = _attached_to(kernel, filename)
        if owner is None or kernel.access().role(owner) is None:
            raise ApiError(404, "Attachment not found")
        path = kernel.storage.path(filename)
        if path is None:
            raise ApiError(404, "Attachment not found")
        try:
            return send_file(filename, kernel.storage.root, attachment=True,
                             headers={"Cache-Control": "private, max-age=3600"})
        except ApiError as err:
            if err.status_code == 404:
                raise ApiError(404, "Attachment not found") from None
            raise


def _attached_to(kernel: TaskFlow, filename: str) -> int | None:
    """The project of the task whose current attachment is ``filename`` (its id is in the name)."""
    match = STORED_NAME.match(filename)
    if match is None:
        return None
    return kernel.db.scalar("SELECT project_id FROM tasks WHERE id = ? AND attachment = ?",
                            (int(match.group(1)), filename))
