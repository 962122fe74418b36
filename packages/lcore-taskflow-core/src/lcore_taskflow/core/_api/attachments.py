"""Task attachments: multipart upload, download and removal, through ``kernel.storage``:
the declared bodies and replies, and the handlers, registered from :data:`ROUTES`.

The stored names, files and rows are handled in ``_domain/attachments.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from lcore import HTTPError, request

from .._domain import attachments
from .._domain.attachments import remove_files, stored_name
from .._domain.tasks import get_task_or_404
from .._errors import ApiError
from .._files import send_file
from .._routetable import Route, add_routes
from .._schema import Boolean, File, Integer, Schema, String
from .replies import ident

if TYPE_CHECKING:
    from .. import TaskFlow
    from .._storage import LocalStorage


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
#: Uploads a client may make: ``(bucket, limit, per seconds)`` of ``kernel.limits``.
UPLOAD_RATE = ("attachments:upload", 10, 60)


def _read_upload():
    try:
        return request.files.get("file")
    except HTTPError as err:
        if err.status_code == 413:
            raise ApiError(413, "Upload exceeds the size limit") from None
        raise ApiError(400, "Malformed multipart body") from None
    except Exception:  # Lcore's multipart parser raises on broken bodies
        raise ApiError(400, "Malformed multipart body") from None


# ------------------------------------------------------------- handlers
# Each takes the kernel first (bound by add_attachment_routes), then the URL's values.
def upload_attachment(kernel: TaskFlow, pid: int, tid: int) -> dict:
    """Attach a file to a task (multipart field ``file``); replaces the previous one."""
    actor = kernel.current_user()
    limit = kernel.config.max_upload_size
    get_task_or_404(kernel.db, pid, tid)
    if request.content_length > limit:
        raise attachments.too_large(limit)
    upload = _read_upload()
    if upload is None:
        raise ApiError(400, 'No file provided (multipart field name: "file")')
    name, size = attachments.save_file(kernel, tid, upload.filename, upload.file, limit)
    attachments.attach(kernel, actor, pid, tid, name, upload.content_type, size)
    return {"task_id": tid, "filename": name, "content_type": upload.content_type,
            "size": size, "uploaded": True}


def delete_attachment(kernel: TaskFlow, pid: int, tid: int) -> dict:
    """Remove a task's attachment."""
    attachments.detach(kernel, kernel.current_user(), pid, tid)
    return {"task_id": tid, "deleted": True}


def serve_attachment(kernel: TaskFlow, filename: str) -> Any:
    """Download an attachment of a task you can see (as a download, never inline).

    Types a browser could run (HTML, SVG, scripts) come as
    ``application/octet-stream``, every file with a sandboxing CSP.
    """
    owner = attachments.attached_to(kernel, filename)
    if owner is None or kernel.access().role(owner) is None:
        raise ApiError(404, "Attachment not found")
    storage = cast("LocalStorage", kernel.storage)
    if storage.path(filename) is None:
        raise ApiError(404, "Attachment not found")
    try:
        return send_file(filename, storage.root, attachment=True,
                         headers={"Cache-Control": "private, max-age=3600"})
    except ApiError as err:
        if err.status_code == 404:
            raise ApiError(404, "Attachment not found") from None
        raise


# ---------------------------------------------------------------- routes
ATTACHMENT = "/<pid:int>/tasks/<tid:int>/attachment"
#: ``(method, rule, handler, options)`` in registration order (the OpenAPI document's).
ROUTES: tuple[Route, ...] = (
    ("POST", ATTACHMENT, upload_attachment, dict(
        name="upload_attachment", auth=True, role="editor", body=AttachmentUpload,
        returns=Uploaded, responses=STORAGE_FAULTS, limit=UPLOAD_RATE)),
    ("DELETE", ATTACHMENT, delete_attachment, dict(
        name="delete_attachment", auth=True, role="editor", returns=AttachmentDeleted)),
    ("GET", "/attachments/<filename:path>", serve_attachment, dict(
        name="serve_attachment", auth=True, share=True, returns="*/*", responses=(
            (206, "The byte range asked for (Range)"),
            (304, "Unchanged since the ETag of If-None-Match"), 404,
            (416, "The Range asked for lies beyond the file (Content-Range: bytes */size)"),
            STORAGE_FAULTS[0]))),
)


def add_attachment_routes(app: Any, kernel: TaskFlow) -> None:
    """Register :data:`ROUTES` on ``app`` (the projects sub-app)."""
    add_routes(app, ROUTES, kernel)


__all__ = ["ROUTES", "add_attachment_routes", "remove_files", "stored_name"]
