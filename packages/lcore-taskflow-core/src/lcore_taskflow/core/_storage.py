"""Where attachments live: a small storage interface and its local-directory backend.

Every file is written to a temporary name in the same directory and renamed
into place, so a reader never sees half a file and a crash leaves only a
``.part`` file that ``taskflow attachments sweep`` removes.  Several app
servers share attachments by pointing ``APP_UPLOAD_DIR`` at one shared
directory (NFS, a cloud file share): renames are atomic there too
(``docs/deploy.md``).

Faults become clear answers instead of 500s: a full disk is ``StorageFull``
(507), a directory that cannot be created or written is
``StorageUnavailable`` (503).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import BinaryIO

log = logging.getLogger("lcore_taskflow.storage")
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")
CHUNK = 1 << 16


class StorageError(OSError):
    """A storage operation failed in a way the client should hear about."""

    status = 503


class StorageFull(StorageError):
    status = 507


class StorageUnavailable(StorageError):
    status = 503


class TooLarge(ValueError):
    """The file is larger than the limit; nothing was kept."""


def _fault(exc: OSError, what: str) -> StorageError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFull(exc.errno, f"{what}: the storage is full")
    return StorageUnavailable(exc.errno, f"{what}: {exc.strerror or exc}")


class LocalStorage:
    """Attachments as files in one directory (``APP_UPLOAD_DIR``)."""

    def __init__(self, root: str | os.PathLike):
        self.root = os.path.realpath(root)

    def _dir(self) -> str:
        try:
            os.makedirs(self.root, exist_ok=True)
        except OSError as exc:
            raise _fault(exc, f"upload directory {self.root} cannot be created") from None
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageUnavailable(errno.EACCES,
                                     f"upload directory {self.root} is not writable")
        return self.root

    def path(self, name: str) -> str | None:
        """The file's path, or ``None`` for a name that could escape the directory."""
        if not SAFE_NAME.match(name) or name.endswith(".part"):
            return None
        return os.path.join(self.root, name)

    def save(self, name: str, source: BinaryIO, limit: int) -> int:
        """Copy ``source`` to ``name`` atomically; its size, or ``TooLarge``/``StorageError``."""
        final = self.path(name)
        if final is None:
            raise ValueError(f"unsafe attachment name {name!r}")
        partial = os.path.join(self._dir(), f".{uuid.uuid4().hex}.part")
        size = 0
        try:
            with open(partial, "wb") as out:
                while chunk := source.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge(f"larger than {limit} bytes")
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, final)
        except OSError as exc:
            raise _fault(exc, "upload not stored") from None
        finally:
            if os.path.exists(partial):
                with contextlib.suppress(OSError):
                    os.remove(partial)
        return size

    def delete(self, name: str) -> bool:
        """Remove ``name``; ``False`` (and a log line naming the orphan) when it cannot."""
        path = self.path(name)
        if path is None:
            return True
        try:
            os.remove(path)
        except FileNotFoundError:
            return True
        except OSError as exc:
            log.warning("orphaned attachment %s (%s): `taskflow attachments sweep` removes it",
                        path, exc.strerror or exc)
            return False
        return True

    def remove(self, names: Iterable[str | None]) -> None:
        """Delete files after their rows are gone (empty names skipped; a failure
        only logs an orphan, which ``sweep`` removes later)."""
        for name in names:
            if name:
                self.delete(name)

    def names(self) -> Iterator[tuple[str, float]]:
        """``(name, modified time)`` of every stored or partial file."""
        try:
            entries = list(os.scandir(self.root))
        except FileNotFoundError:
            return
        for entry in entries:
            if entry.is_file(follow_symlinks=False):
                yield entry.name, entry.stat().st_mtime

    def sweep(self, referenced: set[str], older_than: float = 3600,
              dry_run: bool = False) -> list[str]:
        """Remove files no task refers to (and stale ``.part`` files); the names removed.

        Files younger than ``older_than`` seconds stay: an upload whose row is
        not committed yet is not an orphan.
        """
        cutoff = time.time() - older_than
        removed = []
        for name, mtime in self.names():
            if name in referenced or mtime > cutoff:
                continue
            if dry_run:
                removed.append(name)
                continue
            try:
                os.remove(os.path.join(self.root, name))
                removed.append(name)
            except OSError as exc:
                log.warning("cannot remove %s: %s", name, exc)
        return removed
