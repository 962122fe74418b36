"""Static checks of a frontend module's translations (the i18n contract, SPEC §13).

``catalog_problems(directory)`` reads every ``.js`` file of a UI module's folder and its
``i18n/<lang>.json`` catalog and returns what is wrong, one message per problem (empty: all
right):

- a user-visible string that is not wrapped in ``t()``/``tn()`` (prose: a word pair or a
  capitalised word, outside the places where strings are code: classes, test ids, names,
  comparisons, API paths, tag names, event names);
- ``t()`` called with something other than a literal (the extractor cannot see it);
- a msgid missing from the catalog, or translated with the wrong shape (a plural needs the
  two forms one/other, a singular one string), or empty;
- a catalog entry the code no longer uses;
- broken placeholders: a ``{name}`` in a translation that its msgid does not have, or one
  of the msgid's that the translation lost.

A string that looks like prose but is not text for people is excused by a comment
``i18n: not text`` on its line.  The scanner is a tokenizer, not a JavaScript parser: it
knows strings, template literals, comments and regular expression literals, which is all
the modules need.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

PLACEHOLDER = re.compile(r"\{(\w+)\}")
EXCUSE = "i18n: not text"

# The source before a string literal that makes it code, not text.
CODE_CONTEXT = re.compile(
    r"(?:\b(?:class|name|type|id|href|accept|autocomplete|rel|role|scope|kind|header|value|src"
    r"|method|testid|spellcheck|inputmode|dateStyle|timeStyle|block)\s*:"
    r"|'(?:data-[\w-]+|aria-(?:live|hidden|current|pressed|autocomplete|selected|expanded)"
    r"|aria-labelledby|aria-describedby|aria-controls)'\s*:"
    r"|[=!]==?|\bh\(|querySelector(?:All)?\(|closest\(|addEventListener\(|removeEventListener\("
    r"|\.on\(|[sg]etAttribute\(|removeAttribute\(|\btoggle\(|\bfrom|\bimport\("
    r"|\bapi\.\w+\(|\bnew \w+\(|\bsupportedValuesOf\(|\b(?:get|set|has|append|delete)\("
    r"|\bthrow new \w+\()\s*$")
CAMEL_WORD = re.compile(r"^[a-z]+[A-Z]\w*$")


@dataclass
class Literal:
    """One string literal of the source: its text (template parts joined) and where it starts."""
    text: str
    start: int
    line: int


@dataclass
class Scan:
    """What a JS file holds for translation: msgids used, other literals, misuses."""
    singulars: dict[str, int] = field(default_factory=dict)      # msgid -> line
    plurals: dict[str, tuple[str, int]] = field(default_factory=dict)  # singular -> (plural, line)
    others: list[Literal] = field(default_factory=list)
    dynamic: list[int] = field(default_factory=list)              # lines of t(<not a literal>)


def _tokens(src: str) -> tuple[list[Literal], str]:
    """The string literals of ``src`` and the source with comments blanked (same offsets)."""
    out, code = [], list(src)
    i, n, last = 0, len(src), ""   # last: the previous significant character (regex or division?)
    while i < n:
        ch = src[i]
        if src.startswith("//", i):
            end = src.find("\n", i)
            end = n if end < 0 else end
            code[i:end] = " " * (end - i)
            i = end
        elif src.startswith("/*", i):
            end = src.find("*/", i + 2)
            end = n if end < 0 else end + 2
            code[i:end] = [c if c == "\n" else " " for c in src[i:end]]
            i = end
        elif ch in "'\"`":
            j, parts, buf = i + 1, [], []
            while j < n and src[j] != ch:
                if src[j] == "\\":
                    buf.append(src[j:j + 2])
                    j += 2
                    continue
                if ch == "`" and src.startswith("${", j):
                    parts.append("".join(buf))
                    buf, depth = [], 1
                    j += 2
                    while j < n and depth:   # expressions inside a template: skip them
                        depth += {"{": 1, "}": -1}.get(src[j], 0)
                        j += 1
                    parts.append("\0")
                    continue
                buf.append(src[j])
                j += 1
            parts.append("".join(buf))
            out.append(Literal("".join(parts), i, src.count("\n", 0, i) + 1))
            i, last = j + 1, ch
        elif ch == "/" and (not last or last in "(,=:[!&|?{};+-*%<>~^"):
            j, in_class = i + 1, False
            while j < n and (in_class or src[j] != "/") and src[j] != "\n":
                if src[j] == "\\":
                    j += 1
                elif src[j] == "[":
                    in_class = True
                elif src[j] == "]":
                    in_class = False
                j += 1
            i, last = j + 1, "/"
        else:
            if not ch.isspace():
                last = ch
            i += 1
    return out, "".join(code)


STR = r"""('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\$]|\\.)*`)"""
T_CALL = re.compile(r"(?<![\w.$])(?:taskflow\.)?t\(\s*")
TN_CALL = re.compile(r"(?<![\w.$])(?:taskflow\.)?tn\(\s*[^,()]+(?:\([^()]*\))?,\s*"
                     + STR + r"\s*,\s*" + STR)


def _unquote(token: str) -> str:
    return json.loads('"' + token[1:-1].replace('"', '\\"').replace("\\'", "'") + '"')


def scan_js(src: str) -> Scan:
    """Find the msgids of ``t()``/``tn()`` calls and the other string literals of one file."""
    literals, code = _tokens(src)
    scan, msgid_starts = Scan(), set()
    for m in T_CALL.finditer(code):
        line = code.count("\n", 0, m.start()) + 1
        lit = re.match(STR, code[m.end():])
        if not lit or (lit.group(1).startswith("`") and "${" in lit.group(1)):
            scan.dynamic.append(line)
            continue
        scan.singulars[_unquote(lit.group(1))] = line
        msgid_starts.add(m.end())
    for m in TN_CALL.finditer(code):
        line = code.count("\n", 0, m.start()) + 1
        scan.plurals[_unquote(m.group(1))] = (_unquote(m.group(2)), line)
        msgid_starts.update({m.start(1), m.start(2)})
    lines = src.splitlines()
    for lit in literals:
        if lit.start in msgid_starts or EXCUSE in lines[lit.line - 1]:
            continue
        if CODE_CONTEXT.search(code[max(0, lit.start - 80):lit.start]):
            continue
        scan.others.append(lit)
    return scan


def looks_like_text(value: str) -> bool:
    """Prose for people: a word followed by another, or a capitalised word (not a camelCase
    name).  A lone lowercase word ("commented") passes unseen: the price of no false alarms."""
    for part in value.split("\0"):
        if re.search(r"[^\W\d_]{2,} +[^\W\d_]", part):
            return True
        words = re.findall(r"[A-Za-z]+", part)
        if any(re.match(r"[A-Z][a-z]", w) and not CAMEL_WORD.match(w) for w in words):
            return True
    return False


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _load(path: Path) -> dict:
    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        dup = {k for k in keys if keys.count(k) > 1}
        if dup:
            raise ValueError(f"duplicate keys {sorted(dup)}")
        return dict(pairs)
    return json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=no_duplicates)


def catalog_problems(directory: Path, language: str = "de") -> list[str]:
    """Everything wrong with the translations of the UI module in ``directory`` (see above)."""
    directory = Path(directory)
    problems: list[str] = []
    singulars: dict[str, str] = {}
    plurals: dict[str, tuple[str, str]] = {}
    for js in sorted(directory.rglob("*.js")):
        where = js.relative_to(directory)
        scan = scan_js(js.read_text(encoding="utf-8"))
        problems += [f"{where}:{line}: t() needs a literal msgid" for line in scan.dynamic]
        problems += [f"{where}:{lit.line}: not wrapped in t(): {lit.text.replace(chr(0), '${…}')!r}"
                     for lit in scan.others if looks_like_text(lit.text)]
        singulars.update({k: f"{where}:{v}" for k, v in scan.singulars.items()})
        plurals.update({k: (p, f"{where}:{line}") for k, (p, line) in scan.plurals.items()})
    path = directory / "i18n" / f"{language}.json"
    if not path.is_file():
        return [*problems, f"no catalog {path.relative_to(directory)}"]
    try:
        catalog = _load(path)
    except ValueError as exc:
        return [*problems, f"{path.name}: not a catalog: {exc}"]
    for msgid, where in singulars.items():
        value = catalog.get(msgid)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: {msgid!r} has no {language} translation")
        elif placeholders(value) != placeholders(msgid):
            problems.append(f"{where}: placeholders of {msgid!r} {sorted(placeholders(msgid))} "
                            f"differ in {value!r} {sorted(placeholders(value))}")
    for singular, (plural, where) in plurals.items():
        value = catalog.get(singular)
        wanted = placeholders(singular) | placeholders(plural)
        forms = isinstance(value, list) and len(value) == 2
        if not (forms and all(isinstance(v, str) and v.strip() for v in value)):
            problems.append(f"{where}: plural {singular!r} needs [one, other] in {path.name}, "
                            f"has {value!r}")
            continue
        found = placeholders(value[0]) | placeholders(value[1])
        strays = [v for v in value if not placeholders(v) <= wanted | {"n"}]
        if strays or found != wanted:
            problems.append(f"{where}: placeholders of {singular!r} {sorted(wanted)} "
                            f"differ in {value!r}")
    for msgid in sorted(set(catalog) - set(singulars) - set(plurals)):
        problems.append(f"{path.name}: {msgid!r} is not used by the code")
    return problems
