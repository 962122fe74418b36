"""Task attachments: their stored names, files and rows (the handlers: ``_api/attachments.py``).

A task has one attachment at most: its file lives in ``kernel.storage`` under
a name that starts with the task's id (:func:`stored_name`), the task row
keeps that name.  The file is written before the row changes and removed when
the row's change fails; a replaced or deleted file goes after the row, so a
failure there only leaves an orphan file (logged), never a row without one.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from .. import events
from .._errors import ApiError
from .._storage import StorageError, TooLarge
from .tasks import get_task_or_404, lock_project

if TYPE_CHECKING:
    from .. import TaskFlow
    from .._storage import LocalStorage

STORED_NAME = re.compile(r"task_(\d{1,18})_")


def remove_files(kernel: TaskFlow, names: Iterable[str | None]) -> None:
    """Delete attachment files after their rows are gone (a failure only logs an orphan)."""
    assert kernel.storage is not None  # opened with the database
    for name in names:
        if name:
            kernel.storage.delete(name)


def stored_name(task_id: int, filename: str) -> str:
    """A unique name for an upload, short enough for any filesystem.

    ``filename`` is Lcore's sanitised one; it is shortened (keeping its
    extension) so the name stays well under the usual 255-byte limit.
    """
    base, ext = os.path.splitext(filename)
    if len(ext) > 16:
        base, ext = base + ext, ""
    return f"task_{task_id}_{uuid.uuid4().hex[:8]}_{base[:150] or 'file'}{ext}"


def too_large(limit: int) -> ApiError:
    """413: the upload is over ``max_upload_size``."""
    return ApiError(413, "Upload exceeds max_upload_size ({limit} bytes)",
                    params={"limit": limit})


def _storage_error(exc: StorageError) -> ApiError:
    return ApiError(exc.status, "Attachment storage problem: {problem}",
                    params={"problem": exc.strerror or str(exc)})


def save_file(kernel: TaskFlow, tid: int, filename: str, source: BinaryIO,
              limit: int) -> tuple[str, int]:
    """Store an upload for task ``tid`` under a new :func:`stored_name`: ``(name, size)``;
    413 past ``limit`` bytes, the storage's status (503, 507) when it fails."""
    name = stored_name(tid, filename)
    try:
        size = cast("LocalStorage", kernel.storage).save(name, source, limit)
    except TooLarge:
        raise too_large(limit) from None
    except StorageError as exc:
        raise _storage_error(exc) from None
    return name, size


def attach(kernel: TaskFlow, actor: Any, pid: int, tid: int, name: str,
           content_type: str | None, size: int) -> None:
    """Make the stored file ``name`` the task's attachment, emitting ``attachment.added``;
    the file is deleted when that fails, the one it replaces when it succeeds."""
    db = kernel.db
    try:
        with db.transaction():
            lock_project(db, pid)
            old = get_task_or_404(db, pid, tid)["attachment"]
            db.update("tasks", tid, {"attachment": name})
            task = get_task_or_404(db, pid, tid)
            kernel.emit(events.AttachmentAdded(
                actor=actor, task=task, filename=name,
                content_type=content_type or "application/octet-stream", size=size))
    except BaseException:
        cast("LocalStorage", kernel.storage).delete(name)
        raise
    if old and old != name:
        remove_files(kernel, [old])


def detach(kernel: TaskFlow, actor: Any, pid: int, tid: int) -> None:
    """Remove the task's attachment, emitting ``attachment.deleted``; 404 when it has none."""
    db = kernel.db
    with db.transaction():
        task = get_task_or_404(db, pid, tid)
        name = task["attachment"]
        if not name:
            raise ApiError(404, "Task {tid} has no attachment", params={"tid": tid})
        db.update("tasks", tid, {"attachment": None})
        kernel.emit(events.AttachmentDeleted(actor=actor, task=task, filename=name))
    remove_files(kernel, [name])


def attached_to(kernel: TaskFlow, filename: str) -> int | None:
    """The project of the task whose current attachment is ``filename`` (its id is in the name)."""
    match = STORED_NAME.match(filename)
    if match is None:
        return None
    return kernel.db.scalar("SELECT project_id FROM tasks WHERE id = ? AND attachment = ?",
                            (int(match.group(1)), filename))


__all__ = ["STORED_NAME", "attach", "attached_to", "detach", "remove_files", "save_file",
           "stored_name", "too_large"]
