"""A JavaScript tokenizer for the translation check (:mod:`._spa_i18n`).

Enough of JavaScript to find string and template literals and the names,
calls and keys around them: comments are skipped, regular expression
literals kept whole (a quote inside one is no string), ``${...}`` parts of
template literals stepped over.  No browser, no Node.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

PUNCT = set("(){}[],;:?=+-*/%!&|<>~^.")
OPERATORS = ("==", "!=", "=>", "&&", "||", "??", "?.", "===", "!==", "...", "<=", ">=")
REGEX_BEFORE = set("(,=:[!&|?{};+-*%<>~^") | {"return", "typeof", "case", "in", "of", "=>"}


@dataclass
class Token:
    kind: str          # "str" (quoted), "tpl" (template literal), "name", "punct", "num"
    text: str          # the string's value (a template's static parts joined with ${})
    line: int
    raw: str = ""      # a template literal's source, for its ${...} parts
    start: int = 0     # offsets in the source
    end: int = 0


def _read_string(src: str, i: int, quote: str) -> tuple[str, int]:
    out, i = [], i + 1
    while i < len(src) and src[i] != quote:
        if src[i] == "\\" and i + 1 < len(src):
            nxt = src[i + 1]
            out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
            i += 2
            continue
        out.append(src[i])
        i += 1
    return "".join(out), i + 1


def _read_template(src: str, i: int) -> tuple[str, str, int]:
    """A template literal from its backquote: (static text with ``${}`` marks, source, end)."""
    start, out, i = i, [], i + 1
    while i < len(src) and src[i] != "`":
        if src[i] == "\\" and i + 1 < len(src):
            out.append(src[i + 1])
            i += 2
        elif src.startswith("${", i):
            depth, i = 1, i + 2
            while i < len(src) and depth:
                c = src[i]
                if c in "'\"":
                    _, i = _read_string(src, i, c)
                    continue
                if c == "`":
                    _, _, i = _read_template(src, i)
                    continue
                depth += {"{": 1, "}": -1}.get(c, 0)
                i += 1
            out.append("${}")
        else:
            out.append(src[i])
            i += 1
    return "".join(out), src[start:i + 1], i + 1


def _regex_end(src: str, i: int) -> int:
    """The end of the regular expression literal whose ``/`` is at ``i`` (flags included)."""
    n = len(src)
    j, in_class = i + 1, False
    while j < n and src[j] != "\n":
        if src[j] == "\\":
            j += 2
            continue
        if src[j] == "[":
            in_class = True
        elif src[j] == "]":
            in_class = False
        elif src[j] == "/" and not in_class:
            break
        j += 1
    j += 1
    while j < n and src[j].isalpha():
        j += 1
    return j


def _word_end(src: str, i: int, also: str) -> int:
    """The end of the run of letters, digits and ``also`` characters from ``i``."""
    j, n = i, len(src)
    while j < n and (src[j].isalnum() or src[j] in also):
        j += 1
    return j


def tokenize(src: str) -> Iterator[Token]:
    """JavaScript tokens, enough to find literals and the calls and keys around them."""
    i, line, prev = 0, 1, None
    n = len(src)
    while i < n:
        c = src[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif src.startswith("//", i):
            i = src.find("\n", i) if "\n" in src[i:] else n
        elif src.startswith("/*", i):
            end = src.find("*/", i + 2)
            end = n if end < 0 else end + 2
            line += src.count("\n", i, end)
            i = end
        elif c in "'\"":
            text, end = _read_string(src, i, c)
            prev = Token("str", text, line, src[i:end], i, end)
            yield prev
            i = end
        elif c == "`":
            text, raw, end = _read_template(src, i)
            prev = Token("tpl", text, line, raw, i, end)
            yield prev
            line += raw.count("\n")
            i = end
        elif c == "/" and (prev is None or (prev.text in REGEX_BEFORE
                                             and prev.kind in ("punct", "name"))):
            j = _regex_end(src, i)
            prev = Token("regex", src[i:j], line)
            yield prev
            i = j
        elif c.isalpha() or c in "_$":
            j = _word_end(src, i, "_$")
            prev = Token("name", src[i:j], line)
            yield prev
            i = j
        elif c.isdigit():
            j = _word_end(src, i, "._")
            prev = Token("num", src[i:j], line)
            yield prev
            i = j
        else:
            op = src[i:i + 3] if src[i:i + 3] in ("===", "!==", "...") else src[i:i + 2]
            if op not in OPERATORS:
                op = c
            prev = Token("punct", op, line)
            yield prev
            i += len(op)
