"""Sending files: Lcore's ``static_file`` with RFC 9110 validators and safe attachments.

Lcore's ``static_file`` sends an unquoted ``ETag`` and compares
``If-None-Match`` byte for byte, so a client that quotes the tag (as RFC 9110
says) or sends a weak or listed one never gets 304; an unsatisfiable
``Range`` is an error without ``Content-Range: bytes */size``.  ``send_file``
keeps Lcore's path checks, ranges and headers and fixes those three.

``attachment=True`` is for files users uploaded: served as a download, and
as ``application/octet-stream`` unless the type is one a browser only
displays (an image that is not SVG, audio, video, PDF, plain text), with a
CSP that sandboxes whatever a browser still opens.  A file named
``x.html`` or ``x.svg`` never runs script on TaskFlow's origin.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
from collections.abc import Mapping

from lcore import HTTPError, HTTPResponse, request, static_file

from ._errors import ApiError

#: Types a browser displays but never executes; everything else is sent as octet-stream.
INERT_TYPES = frozenset({"application/pdf", "text/plain", "text/csv", "application/json",
                         "application/zip", "application/gzip"})
INERT_PREFIXES = ("image/", "audio/", "video/")
ATTACHMENT_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def entity_tag(path: str) -> str:
    """A strong, quoted entity tag of a file's identity, size and modification time."""
    stats = os.stat(path)
    raw = f"{stats.st_dev}:{stats.st_ino}:{stats.st_mtime_ns}:{stats.st_size}"
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def none_match(header: str | None, tag: str) -> bool:
    """Whether ``If-None-Match: header`` matches ``tag`` (weak comparison, RFC 9110 §13.1.2).

    ``*``, a list, ``W/`` prefixes and, leniently, an unquoted tag all count.
    """
    if not header:
        return False
    opaque = tag.removeprefix("W/").strip('"')
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/").strip('"') == opaque:
            return True
    return False


def safe_type(filename: str) -> str:
    """The content type an uploaded file is sent with: its own when inert, else octet-stream."""
    guessed, encoding = mimetypes.guess_type(filename)
    if guessed and not encoding and (guessed in INERT_TYPES or (
            guessed.startswith(INERT_PREFIXES) and guessed != "image/svg+xml")):
        return guessed
    return "application/octet-stream"


def send_file(filename: str, root: str, *, attachment: bool = False,
              headers: Mapping[str, str] | None = None) -> HTTPResponse:
    """``root/filename`` as an answer (200, 206 or 304); 404, 416 or 503 as an :class:`ApiError`.

    The ``ETag`` is quoted and a matching ``If-None-Match`` (strong, weak,
    listed or ``*``) answers 304, taking precedence over ``If-Modified-Since``;
    an unsatisfiable ``Range`` answers 416 with ``Content-Range: bytes */size``.
    """
    extra = dict(headers or {})
    options = {}
    if attachment:
        options["mimetype"] = safe_type(filename)
        options["download"] = True
        extra.update({"Content-Security-Policy": ATTACHMENT_CSP,
                      "X-Content-Type-Options": "nosniff"})
    environ = request.environ
    conditional = environ.get("HTTP_IF_NONE_MATCH")
    since = environ.pop("HTTP_IF_MODIFIED_SINCE", None) if conditional else None
    try:
        result = static_file(filename, root=root, etag=False, headers=extra, **options)
    finally:
        if since is not None:
            environ["HTTP_IF_MODIFIED_SINCE"] = since
    if isinstance(result, HTTPError):
        if result.status_code == 416:
            size = os.path.getsize(os.path.join(root, filename.strip("/\\")))
            raise ApiError(416, "Range not satisfiable: the file has {size} bytes",
                           params={"size": size},
                           headers={"Content-Range": "bytes */" + str(size)})
        if result.body == "Permission denied.":  # the file exists but cannot be opened
            raise ApiError(503, "File storage problem: the file cannot be read")
        raise ApiError(404, "File not found: {filename}",
                       params={"filename": filename})  # missing, or outside ``root``
    tag = entity_tag(os.path.realpath(os.path.join(root, filename.strip("/\\"))))
    result.set_header("ETag", tag)
    if result.status_code in (200, 206) and none_match(conditional, tag):
        body = result.body
        if hasattr(body, "close"):
            body.close()
        answer = HTTPResponse(status=304)
        for key in ("ETag", "Cache-Control", "Last-Modified", "Date"):
            if result.get_header(key):
                answer.set_header(key, result.get_header(key))
        return answer
    return result
