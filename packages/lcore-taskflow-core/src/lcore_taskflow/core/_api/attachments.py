"""Task attachments: multipart upload and download, confined to ``upload_dir``."""

from __future__ import annotations

import logging
import os
import re
import uuid

from lcore import HTTPError, ctx, request, static_file

from .._errors import ApiError
from .._ratelimit import rate_limited

log = logging.getLogger("lcore_taskflow")
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")


def upload_dir(kernel) -> str:
    path = os.path.realpath(kernel.config.upload_dir)
    os.makedirs(path, exist_ok=True)
    return path


def remove_files(kernel, names) -> None:
    """Delete attachment files (after their rows are gone); never outside upload_dir."""
    root = upload_dir(kernel)
    for name in names:
        if not name or not SAFE_NAME.match(name):
            continue
        path = os.path.join(root, name)
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("could not remove attachment %s: %s", path, exc)


def stored_name(task_id: int, filename: str) -> str:
    """A unique name for an upload, short enough for any filesystem.

    ``filename`` is Lcore's sanitised one; it is shortened (keeping its
    extension) so that the name plus the ``.part`` of the temporary file stays
    well under the usual 255-byte limit instead of failing with a 500.
    """
    base, ext = os.path.splitext(filename)
    if len(ext) > 16:
        base, ext = base + ext, ""
    return f"task_{task_id}_{uuid.uuid4().hex[:8]}_{base[:150]}{ext}"


def _read_upload():
    try:
        return request.files.get("file")
    except HTTPError as err:
        if err.status_code == 413:
            raise ApiError(413, "Upload exceeds the size limit") from None
        raise ApiError(400, "Malformed multipart body") from None
    except Exception:  # Lcore's multipart parser raises on broken bodies
        raise ApiError(400, "Malformed multipart body") from None


def add_attachment_routes(app, kernel) -> None:
    limit = kernel.config.max_upload_size

    @app.post("/<pid:int>/tasks/<tid:int>/attachment", name="upload_attachment")
    @rate_limited(10, per=60)
    def upload_attachment(pid, tid):
        """Attach a file to a task (multipart field ``file``); replaces the previous one."""
        kernel.current_user()
        db = ctx.db
        task = db.fetchone("SELECT id, attachment FROM tasks WHERE id = ? AND project_id = ?",
                           (tid, pid))
        if task is None:
            raise ApiError(404, f"Task {tid} not found in project {pid}")
        if request.content_length > limit:
            raise ApiError(413, f"Upload exceeds max_upload_size ({limit} bytes)")
        upload = _read_upload()
        if upload is None:
            raise ApiError(400, 'No file provided (multipart field name: "file")')
        root = upload_dir(kernel)
        name = stored_name(tid, upload.filename)
        final = os.path.join(root, name)
        partial = final + ".part"
        upload.save(partial, overwrite=True)
        if os.path.getsize(partial) > limit:
            os.remove(partial)
            raise ApiError(413, f"Upload exceeds max_upload_size ({limit} bytes)")
        os.replace(partial, final)
        try:
            with db.transaction():
                db.update("tasks", tid, {"attachment": name})
        except Exception:
            os.remove(final)
            raise
        if task["attachment"] and task["attachment"] != name:
            remove_files(kernel, [task["attachment"]])
        return {"task_id": tid, "filename": name, "content_type": upload.content_type,
                "uploaded": True}

    @app.get("/attachments/<filename:path>", name="serve_attachment")
    def serve_attachment(filename):
        """Download an attachment (served as a download, never rendered inline)."""
        kernel.current_user()
        if not SAFE_NAME.match(filename) or filename.endswith(".part"):
            raise ApiError(404, "Attachment not found")
        result = static_file(filename, root=upload_dir(kernel), download=True,
                             headers={"Cache-Control": "private, max-age=3600"})
        if isinstance(result, HTTPError):
            raise ApiError(404, "Attachment not found")
        return result
