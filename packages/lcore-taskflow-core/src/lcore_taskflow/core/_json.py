"""The bytes of a JSON answer: orjson's speed, the standard encoder's text.

Every answer TaskFlow encodes (a handler's dict, an error body) is exactly
``json.dumps(value, separators=(",", ":")).encode()``: keys in the order the
handler built them, no whitespace, every non-ASCII character escaped as
``\\uXXXX`` (surrogate pairs above U+FFFF), DEL as ``\\u007f``, ``/`` and ``<``
left alone, floats as Python's ``repr``.  ``test_core_json_bytes.py`` pins it
through the whole pipeline.

orjson (the field's fast encoder, ~20x the standard one on a task list) writes
those same bytes for almost every answer; where its text differs it falls
back to the standard encoder, so the contract does not depend on which one ran:

* non-ASCII text (orjson writes raw UTF-8) and DEL (orjson leaves it raw);
* floats under 1e-4 (orjson writes ``0.00001`` or ``1e-7``, Python ``1e-05``,
  ``1e-07``), found by their ``e-`` or ``0.0000``; a string holding those
  characters only costs the slower path;
* what orjson refuses: integers beyond 64 bits, keys that are not strings,
  lone surrogates, types it would encode but the standard encoder refuses
  (``datetime``, dataclasses: passed through so that both refuse them).

The one difference left is NaN and infinity, which orjson writes as ``null``
and the standard encoder as ``NaN`` (not JSON at all): no answer carries one.
Without orjson installed (it is a dependency; a platform without a wheel
may lack it) the standard encoder writes every answer.
"""

from __future__ import annotations

import json
from typing import Any

_standard = json.JSONEncoder(separators=(",", ":")).encode

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency
    orjson = None  # type: ignore[assignment]


def _standard_bytes(value: Any) -> bytes:
    return _standard(value).encode("ascii")


if orjson is not None:
    _fast = orjson.dumps
    _OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
    _Refused = orjson.JSONEncodeError

    def dumps(value: Any) -> bytes:
        """``value`` as the bytes of ``json.dumps(value, separators=(",", ":"))``."""
        try:
            text = _fast(value, option=_OPTIONS)
        except _Refused:
            return _standard_bytes(value)
        if (not text.isascii() or b"\x7f" in text or b"e-" in text
                or b"0.0000" in text):
            return _standard_bytes(value)
        return text
else:  # pragma: no cover
    dumps = _standard_bytes
