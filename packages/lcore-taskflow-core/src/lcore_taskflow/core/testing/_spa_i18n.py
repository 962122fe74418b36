"""A static check of a single-page-app module's translations (SPEC §13).

The frontend's JavaScript says every user-visible text through ``t(msgid, params)``
or ``tn(n, singular, plural, params)`` (``taskflow.t``/``taskflow.tn`` in a plugin
module), with the English text as the msgid, and ships ``i18n/<lang>.json`` catalogs
beside it (docs/ui-extensions.md).  :func:`check_spa_catalogs` reads the JavaScript
(no browser, no Node) and reports:

* **unwrapped text** — a string or template literal that reads as words for people
  ("Save", "No tasks here", `` `Moved ${title}` ``) and is not a msgid of ``t``/``tn``.
  A literal reads as text when it holds a capitalised word ("Save") or two plain words
  ("in progress"), or ends a word with ``.``, ``…``, ``:``, ``!`` or ``?``.  Code
  literals are told apart by their place: the value of a code attribute (``class:``,
  ``type:``, ``'data-testid':``, ... see :data:`CODE_KEYS`), an argument of a code
  call (``console.error``, ``querySelector``, ``new Error``, ... see
  :data:`CODE_CALLS`), a comparison (``=== 'In progress'``), an import.  Anything
  else can be waved through with a comment ``i18n-ignore`` on its line, or ``allow``;
* **msgids missing** from a catalog (a ``tn`` msgid needs the array of plural forms);
* **stale entries**: catalog keys no code uses any more;
* **broken placeholders**: a ``{name}`` in a translation that its msgid lacks, or the
  other way round (``tn``: the singular's and plural's together, ``{n}`` included);
* **msgids that are not literals** (``t(variable)`` cannot be checked or extracted).

Page templates can take part: text of an element marked ``data-i18n`` and the attributes
named by ``data-i18n-attrs`` are msgids too (the ui's ``frontend.tpl``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

__all__ = ["CODE_CALLS", "CODE_KEYS", "SpaCatalogReport", "check_spa_catalogs", "scan_js"]

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

PLACEHOLDER = re.compile(r"\{(\w+)\}")
WORD = re.compile(r"[A-Za-zÀ-ÿ]{2,}")
CAPITALISED = re.compile(r"(?<![\w$.#-])[A-Z][a-z]+(?![\w-])")
PLAIN_WORD = re.compile(r"^\(?[A-Za-zÀ-ÿ\u2019']+[.,:;!?…)]*$")
SENTENCE_END = re.compile(r"[a-z)][.…:!?]\s*$")
CODE_LOOK = re.compile(r"^(?:[#./\[>*@]|https?:|\w+://|[\w-]+=|[\w.-]+/[\w.-])")
IGNORE_MARK = "i18n-ignore"
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
            prev = Token("regex", src[i:j], line)
            yield prev
            i = j
        elif c.isalpha() or c in "_$":
            j = i
            while j < n and (src[j].isalnum() or src[j] in "_$"):
                j += 1
            prev = Token("name", src[i:j], line)
            yield prev
            i = j
        elif c.isdigit():
            j = i
            while j < n and (src[j].isalnum() or src[j] in "._"):
                j += 1
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


def looks_like_text(value: str) -> bool:
    """Whether a literal reads as words for people (see the module's doc)."""
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


class _TemplateMsgids(HTMLParser):
    """Msgids of a page template: ``data-i18n`` elements' text, ``data-i18n-attrs`` values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.msgids: list[tuple[str, int]] = []
        self._open: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name in (values.get("data-i18n-attrs") or "").split():
            if values.get(name):
                self.msgids.append((values[name], self.getpos()[0]))
        if "data-i18n" in values:
            self._open.append((tag, []))

    def handle_data(self, data):
        if self._open:
            self._open[-1][1].append(data)

    def handle_endtag(self, tag):
        if self._open and self._open[-1][0] == tag:
            _, parts = self._open.pop()
            text = " ".join("".join(parts).split())
            if text and "{{" not in text:  # a value the template fills in: its msgids live in JS
                self.msgids.append((text, self.getpos()[0]))


@dataclass
class SpaCatalogReport:
    """The outcome of :func:`check_spa_catalogs`; ``problems`` empty means all is well."""

    msgids: dict[str, list[str]]
    plurals: dict[str, str]
    catalogs: dict[str, dict]
    problems: list[str]

    def assert_ok(self) -> None:
        """Fail (AssertionError) with every problem, one a line."""
        assert not self.problems, "SPA translations:\n" + "\n".join(self.problems)


def _placeholders(*texts: str) -> set[str]:
    return {m for text in texts for m in PLACEHOLDER.findall(text)}


def _check_entry(msgid: str, plural: str | None, value, lang: str) -> list[str]:
    where = f"i18n/{lang}.json: {msgid!r}"
    if plural is not None:
        if not (isinstance(value, list) and len(value) >= 2
                and all(isinstance(v, str) and v for v in value)):
            return [f"{where} is a plural msgid (tn): its translation must be [one, other]"]
        wanted, forms = _placeholders(msgid, plural) | {"n"}, value
    else:
        if not (isinstance(value, str) and value.strip()):
            return [f"{where} has no translation (a non-empty string)"]
        wanted, forms = _placeholders(msgid), [value]
    problems = []
    for form in forms:
        have = _placeholders(form)
        extra = have - wanted
        # A plural form may leave out {n} ("Eine Aufgabe"), never another placeholder.
        missing = wanted - have - ({"n"} if plural is not None else set())
        if extra:
            problems.append(f"{where}: the translation {form!r} has placeholders the msgid lacks: "
                            + ", ".join(sorted("{" + p + "}" for p in extra)))
        if missing:
            problems.append(f"{where}: the translation {form!r} lacks placeholders: "
                            + ", ".join(sorted("{" + p + "}" for p in missing)))
    return problems


def _load_catalogs(folder: Path,
                   languages: Iterable[str] | None) -> tuple[dict[str, dict], list[str]]:
    catalogs, problems = {}, []
    paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
    wanted = set(languages) if languages is not None else {p.stem for p in paths}
    for lang in sorted(wanted):
        path = folder / f"{lang}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            problems.append(f"{path}: missing (the language {lang} is required)")
            continue
        except ValueError as err:
            problems.append(f"{path}: not JSON ({err})")
            continue
        if not isinstance(data, dict):
            problems.append(f"{path}: must hold a JSON object")
            continue
        catalogs[lang] = data
    return catalogs, problems


def check_spa_catalogs(directory: str | Path, *, templates: Iterable[str | Path] = (),
                       languages: Iterable[str] | None = ("de",),
                       fallback: Mapping[str, Mapping] | str | Path | None = None,
                       allow: Iterable[str] = ()) -> SpaCatalogReport:
    """Check the JavaScript under ``directory`` (every ``*.js``, recursively) against the
    catalogs in ``directory/i18n/<lang>.json``.

    ``languages``: the catalogs that must exist and be complete (``None``: those found).
    ``templates``: page templates whose ``data-i18n`` texts are msgids too.
    ``fallback``: the catalogs a msgid may come from instead (a plugin module's ``t``
    falls back to the ui's catalog): a folder with ``<lang>.json`` files or a mapping
    ``{lang: catalog}``.  ``allow``: literals that read as text but are not (a product
    name, say).  The report's ``problems`` list everything wrong; ``assert_ok()`` fails on it.
    """
    root = Path(directory)
    allowed = set(allow)
    msgids: dict[str, list[str]] = {}
    plurals: dict[str, str] = {}
    problems: list[str] = []
    for path in sorted(root.rglob("*.js")):
        if "node_modules" in path.parts:
            continue
        scan = scan_js(path.read_text(encoding="utf-8"), path.relative_to(root).as_posix())
        for msgid, places in scan.msgids.items():
            msgids.setdefault(msgid, []).extend(places)
        plurals.update(scan.plurals)
        problems += scan.problems
        problems += [f"{b}: text not wrapped in t()/tn()" for b in scan.bare
                     if b.split(": ", 1)[1].strip("'\"") not in allowed]
    for template in templates:
        parser = _TemplateMsgids()
        parser.feed(Path(template).read_text(encoding="utf-8"))
        for text, line in parser.msgids:
            msgids.setdefault(text, []).append(f"{Path(template).name}:{line}")
    catalogs, load_problems = _load_catalogs(root / "i18n", languages)
    problems += load_problems
    fallbacks = _fallbacks(fallback, catalogs)
    for lang, catalog in catalogs.items():
        for msgid in sorted(msgids):
            if msgid in catalog:
                problems += _check_entry(msgid, plurals.get(msgid), catalog[msgid], lang)
            elif msgid not in fallbacks.get(lang, {}):
                problems.append(f"i18n/{lang}.json: {msgid!r} is missing "
                                f"(used at {msgids[msgid][0]})")
        problems += [f"i18n/{lang}.json: {key!r} is stale: no code uses it"
                     for key in sorted(set(catalog) - set(msgids))]
    return SpaCatalogReport(msgids, plurals, catalogs, problems)


def _fallbacks(fallback, catalogs: Mapping[str, dict]) -> Mapping[str, Mapping]:
    if fallback is None:
        return {}
    if isinstance(fallback, Mapping):
        return dict(fallback)
    found, _ = _load_catalogs(Path(fallback), list(catalogs))
    return found
