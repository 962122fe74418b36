"""What one JavaScript file says, for the translation check (:mod:`._spa_i18n`).

:func:`scan_js` finds the msgids of ``t``/``tn`` calls and the literals that
read as text for people but are left bare; where a literal stands (a code
attribute, a code call, a comparison, a text call, ...) tells code from text
(see :data:`CODE_KEYS`, :data:`CODE_CALLS`, :data:`TEXT_CALLS`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ._js_tokens import Token, tokenize

#: Object keys and attributes whose string values are code, never shown as text.
CODE_KEYS = frozenset({
    "class", "type", "id", "name", "href", "src", "role", "autocomplete", "inputmode", "for",
    "rel", "target", "kind", "method", "accept", "pattern", "mode", "status", "priority",
    "key", "field", "route", "data-testid", "aria-keyshortcuts", "aria-controls",
    "aria-describedby", "aria-labelledby", "aria-live", "aria-current", "aria-expanded",
    "aria-pressed", "aria-hidden", "aria-sort", "aria-autocomplete", "spellcheck",
    "enterkeyhint", "dir", "lang", "scope", "format", "sort", "order", "view", "color",
    "icon", "tabindex", "value", "wrap", "loading", "download", "capture", "min", "max",
    "step", "testid", "header", "event", "cache", "credentials", "Authorization",
})

#: Calls whose string arguments are code (selectors, storage keys, log lines, errors).
CODE_CALLS = frozenset({
    "log", "warn", "error", "debug", "info", "assert", "querySelector", "querySelectorAll",
    "closest", "matches", "getElementById", "byId", "getItem", "setItem", "removeItem",
    "Error", "TypeError", "RangeError", "addEventListener", "removeEventListener",
    "dispatchEvent", "CustomEvent", "Event", "setAttribute", "getAttribute", "removeAttribute",
    "hasAttribute", "toggleAttribute", "createElement", "get", "set", "has", "delete",
    "append", "fetch", "request", "post", "put", "patch", "del", "upload", "blob", "json",
    "startsWith", "endsWith", "includes", "split", "join", "replace", "indexOf", "add",
    "remove", "contains", "RegExp", "URL", "URLSearchParams", "emit", "on",
    "route", "require", "import", "mark", "measure", "toLocaleString", "DateTimeFormat",
    "NumberFormat", "DisplayNames", "PluralRules", "setProperty", "getPropertyValue",
    "postMessage", "open", "replaceState", "pushState", "focus", "required",
})

#: Calls whose arguments are shown as text, whatever they look like (``h``: its children).
#: ``name: n`` — the first n arguments are text.
TEXT_CALLS = {"toast": 1, "toastError": 1, "announce": 1, "setTitle": 1, "srOnly": 1, "confirm": 1,
              "alert": 1, "prompt": 2, "field": 1, "setLiveStatus": 1, "badge": 1}

#: Attributes and option keys whose values are read or shown as text.
TEXT_KEYS = frozenset({"aria-label", "title", "placeholder", "alt", "label", "aria-description",
                       "aria-roledescription", "aria-valuetext", "data-label"})

#: ``data-*`` attributes that the stylesheet shows (``content: attr(data-label)``).
TEXT_DATA = frozenset({"data-label"})

WORD = re.compile(r"[A-Za-zÀ-ÿ]{2,}")
CAPITALISED = re.compile(r"(?<![\w$.#-])[A-Z][a-z]+(?![\w-])")
PLAIN_WORD = re.compile(r"^\(?[A-Za-zÀ-ÿ\u2019']+[.,:;!?…)]*$")
SENTENCE_END = re.compile(r"[a-z)][.…:!?]\s*$")
CODE_LOOK = re.compile(r"^(?:[#./\[>*@]|https?:|\w+://|[\w-]+=|[\w.-]+/[\w.-])")
IGNORE_MARK = "i18n-ignore"


def looks_like_text(value: str) -> bool:
    """Whether a literal reads as words for people (see :mod:`._spa_i18n`)."""
    text = value.replace("${}", " ").strip()
    if not WORD.search(text) or CODE_LOOK.match(text) or ("\n" in value and "{" in value):
        return False
    if CAPITALISED.search(text) or SENTENCE_END.search(text):
        return True
    words = text.split()
    return sum(1 for w in words if PLAIN_WORD.match(w)) >= 2 and all(
        PLAIN_WORD.match(w) or not WORD.search(w) for w in words)


@dataclass
class JsScan:
    """What one file says: msgids (with their plural partner) and literals left bare."""

    msgids: dict[str, list[str]] = field(default_factory=dict)   # msgid -> ["file:line"]
    plurals: dict[str, str] = field(default_factory=dict)        # singular -> plural
    bare: list[str] = field(default_factory=list)                # "file:line: text"
    problems: list[str] = field(default_factory=list)


def _call_name(tokens: list[Token], open_index: int) -> str:
    """The name of the function called by the ``(`` at ``open_index`` ("" if none)."""
    j = open_index - 1
    return tokens[j].text if j >= 0 and tokens[j].kind == "name" else ""


def _enclosing(tokens: list[Token], k: int) -> tuple[str, int]:
    """The innermost call around token ``k``: (its name, the argument's index)."""
    depth, arg = 0, 0
    for j in range(k - 1, -1, -1):
        tok = tokens[j]
        if tok.kind != "punct":
            continue
        if tok.text in ")]}":
            depth += 1
        elif tok.text in "([{":
            if depth == 0:
                return (_call_name(tokens, j) if tok.text == "(" else tok.text), arg
            depth -= 1
        elif tok.text == "," and depth == 0:
            arg += 1
    return "", 0


def _is_text_place(tokens: list[Token], k: int) -> bool:
    """Shown for certain: a child of ``h(tag, attrs, ...)``, an argument of a text call
    (:data:`TEXT_CALLS`), or assigned to ``textContent``."""
    name, arg = _enclosing(tokens, k)
    if (name == "h" and arg >= 2) or arg < TEXT_CALLS.get(name, 0):
        return True
    if k >= 2 and tokens[k - 1].text == ":" and tokens[k - 2].text in TEXT_KEYS:
        return True
    return k >= 2 and tokens[k - 1].text == "=" and tokens[k - 2].text in (
        "textContent", "title", "placeholder")


def _is_code_place(tokens: list[Token], k: int) -> bool:
    prev = tokens[k - 1] if k else None
    nxt = tokens[k + 1] if k + 1 < len(tokens) else None
    before = tokens[k - 2] if k >= 2 else None
    if prev is not None and prev.kind == "punct" and prev.text in ("===", "!==", "==", "!="):
        return True
    if prev is not None and prev.text == "[" and before is not None and (
            before.kind == "name" or before.text in (")", "]")):
        return True  # an index: x['key']
    if nxt is not None and nxt.kind == "punct" and nxt.text in ("===", "!==", "==", "!="):
        return True  # a comparison
    if nxt is not None and nxt.text == ":" and prev is not None and prev.text in ("{", ","):
        return True  # an object's key
    if prev is not None and prev.kind == "name" and prev.text in ("from", "import", "in", "case"):
        return True
    if prev is not None and prev.text == ":" and k >= 2:
        key = tokens[k - 2]
        if key.kind in ("name", "str") and (key.text in CODE_KEYS or (
                key.text.startswith("data-") and key.text not in TEXT_DATA)):
            return True
    if prev is not None and prev.text == "=" and k >= 2 and tokens[k - 2].text in CODE_KEYS | {
            "className", "cssText", "hash", "href", "key"}:
        return True
    name, _ = _enclosing(tokens, k)
    return name in CODE_CALLS


def scan_js(source: str, where: str = "<js>") -> JsScan:
    """The msgids of ``t``/``tn`` calls in ``source`` and its text literals outside them."""
    scan = JsScan()
    tokens = list(tokenize(source))
    lines = source.splitlines()
    used: set[int] = set()
    for k, tok in enumerate(tokens):
        if (tok.kind != "name" or tok.text not in ("t", "tn") or k + 1 >= len(tokens)
                or tokens[k + 1].text != "("):
            continue
        if k and tokens[k - 1].text == "." and tokens[k - 2].text not in ("taskflow", "tf"):
            continue  # someone else's .t(...)
        if k and tokens[k - 1].kind == "name" and tokens[k - 1].text == "function":
            continue  # the definition itself
        args = _call_args(tokens, k + 1)
        literals = args[:1] if tok.text == "t" else args[1:3]
        wanted = 1 if tok.text == "t" else 2
        if len(literals) < wanted or any(a is None for a in literals[:wanted]):
            if IGNORE_MARK in lines[tok.line - 1]:
                continue
            scan.problems.append(f"{where}:{tok.line}: {tok.text}() needs literal msgids "
                                 "(a string, "
                                 "or a template literal without ${...})")
            continue
        found = [a for a in literals[:wanted] if a is not None]  # all literal: checked above
        for index, _arg in found:
            used.add(index)
        msgid = found[0][1]
        if msgid != msgid.strip() or not msgid.strip():
            scan.problems.append(f"{where}:{tok.line}: {msgid!r} is a fragment "
                                 "(leading or trailing "
                                 "space): translate the whole sentence, with {placeholders}")
        scan.msgids.setdefault(msgid, []).append(f"{where}:{tok.line}")
        if tok.text == "tn":
            scan.plurals[msgid] = found[1][1]
    for k, tok in enumerate(tokens):
        if tok.kind not in ("str", "tpl") or k in used:
            continue
        if not looks_like_text(tok.text) and not (
                WORD.search(tok.text) and _is_text_place(tokens, k)):
            continue
        line = lines[tok.line - 1] if tok.line - 1 < len(lines) else ""
        if IGNORE_MARK in line or _is_code_place(tokens, k):
            continue
        scan.bare.append(f"{where}:{tok.line}: {tok.text!r}")
    return scan


def _call_args(tokens: list[Token], open_index: int) -> list[tuple[int, str] | None]:
    """The arguments of the call opened at ``open_index``: (token index, text) of each that
    is a single literal (a template literal only without ``${...}``), else None."""
    args: list[list[int]] = [[]]
    depth = 0
    for j in range(open_index + 1, len(tokens)):
        tok = tokens[j]
        if tok.kind == "punct" and tok.text in "([{":
            depth += 1
        elif tok.kind == "punct" and tok.text in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif tok.kind == "punct" and tok.text == "," and depth == 0:
            args.append([])
            continue
        args[-1].append(j)
    out: list[tuple[int, str] | None] = []
    for arg in args:
        only = tokens[arg[0]] if len(arg) == 1 else None
        if only is not None and only.kind in ("str", "tpl") and "${}" not in only.text:
            out.append((arg[0], tokens[arg[0]].text))
        else:
            out.append(None)
    return out
