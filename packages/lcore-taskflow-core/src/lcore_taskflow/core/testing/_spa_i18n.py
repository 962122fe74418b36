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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from ._spa_scan import CODE_CALLS, CODE_KEYS, scan_js

__all__ = ["CODE_CALLS", "CODE_KEYS", "SpaCatalogReport", "check_spa_catalogs", "scan_js"]

PLACEHOLDER = re.compile(r"\{(\w+)\}")


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
