"""Words as the full-text index sees them, and the rule of the board's ``q=``.

Text is folded (lower case, accents dropped: "Café" is "cafe") and split on
everything but letters and digits, as SQLite's FTS5 ``unicode61`` tokenizer
with ``remove_diacritics`` and PostgreSQL's ``taskflow_fold`` + ``simple``
parser do (migration 0008).  :func:`starts_words` is the board's rule in
Python: the SQLite engine registers it as the SQL function
``taskflow_starts_words`` for the one case the index cannot serve cheaply
(``_board_search.py``).  The frontend has the same rule (``words.js``).
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+")
#: At most this many words of a query count.
MAX_WORDS = 8


def fold(text: str) -> str:
    """Lower case without accents, one character for one (offsets stay the same)."""
    if text.isascii():
        return text.lower()
    out = []
    for char in text:
        base = unicodedata.normalize("NFKD", char)[:1] or char
        out.append(base.lower() if len(base.lower()) == 1 else char.lower()[:1] or char)
    return "".join(out)


def words_of(text: str) -> list[str]:
    """The distinct folded words of ``text``, in order, at most :data:`MAX_WORDS`."""
    seen: list[str] = []
    for word in _WORD.findall(fold(text)):
        if word not in seen:
            seen.append(word)
    return seen[:MAX_WORDS]


def starts_words(text: str | None, wanted: str) -> bool:
    """Whether every word of ``wanted`` (folded, space-separated) starts a word of ``text``."""
    if not text:
        return False
    words = _WORD.findall(fold(text))
    return all(any(word.startswith(w) for word in words) for w in wanted.split())
