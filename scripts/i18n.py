#!/usr/bin/env python3
"""Extract, update, compile and check the gettext catalogs of every package.

    python scripts/i18n.py            # all three steps: extract + update + compile
    python scripts/i18n.py extract    # the English msgids of each package -> <domain>.pot
    python scripts/i18n.py update     # merge the .pot into each <lang>/LC_MESSAGES/<domain>.po
    python scripts/i18n.py compile    # .po -> .mo (what the server reads; shipped in wheels)
    python scripts/i18n.py check      # exit 1: untranslated/fuzzy entries, broken placeholders,
                                      # a .mo out of date, or a .pot the sources no longer match
    python scripts/i18n.py init fr    # start a new language in every package

Needs Babel (``pip install babel``; a dev tool: the server reads the ``.mo``
files with the standard library).  Each package's catalog lives inside its
Python package (``<package>/locale/``) so its wheel carries it; the plugin
declares it with the ``taskflow_translations`` hook (docs/translations.md).
A plugin outside this repository uses the same functions:
``python scripts/i18n.py --package labels=path/to/taskflow_labels``.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
FIXED_DATE = datetime(2026, 1, 1, tzinfo=timezone.utc)

#: domain -> the Python package directory that holds ``locale/``.
PACKAGES = {
    "core": "packages/lcore-taskflow-core/src/lcore_taskflow/core",
    "auth": "packages/lcore-taskflow-auth/src/lcore_taskflow/auth",
    "notify": "packages/lcore-taskflow-notify/src/lcore_taskflow/notify",
    "oidc": "packages/lcore-taskflow-oidc/src/lcore_taskflow/oidc",
    "ui": "packages/lcore-taskflow-ui/src/lcore_taskflow/ui",
    "io": "packages/lcore-taskflow-io/src/lcore_taskflow/io",
    "labels": "examples/plugins/taskflow-labels/src/taskflow_labels",
    "webhooks": "examples/plugins/taskflow-webhooks/src/taskflow_webhooks",
}
LANGUAGES = ("de",)

#: Calls whose string arguments are msgids (the argument positions, 1-based).
KEYWORDS = {
    "ApiError": (2,), "OIDCError": (2,), "Refused": (1,), "Message": (1,), "Invalid": (1,),
    "validation_error": (2,),
    "add_error": (2,), "N_": None, "_": None, "gettext": None, "ngettext": (1, 2),
}
_TEMPLATE_CALL = re.compile(r"""\b_\(\s*(?P<q>["'])(?P<msgid>(?:\\.|(?!(?P=q)).)*)(?P=q)""")


def extract_templates(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    """Babel extraction method for the ``.tpl`` email templates: ``{{_("...")}}`` calls."""
    for lineno, line in enumerate(fileobj.read().decode("utf-8").splitlines(), 1):
        for match in _TEMPLATE_CALL.finditer(line):
            yield lineno, "_", match.group("msgid").replace("\\" + match.group("q"),
                                                           match.group("q")), []


METHODS = [("**/tests/**", "ignore"), ("**/testing/**", "ignore"),
           ("**/scaffold_templates/**", "ignore"), ("**.py", "python"),
           ("**/templates/**.tpl", extract_templates)]


def _source_directory(path: str) -> bool:
    """Babel skips ``_private`` directories by default; TaskFlow's code lives in them."""
    name = Path(path).name
    return not name.startswith(".") and name != "__pycache__"


def locale_dir(package: Path) -> Path:
    return package / "locale"


def template(domain: str, package: Path) -> Catalog:
    """A catalog of the msgids found in ``package``'s sources."""
    catalog = Catalog(project=f"TaskFlow {domain}", domain=domain, charset="utf-8",
                      fuzzy=False, msgid_bugs_address="", copyright_holder="TaskFlow developers")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(package), METHODS, keywords=KEYWORDS, comment_tags=("i18n:",),
            strip_comment_tags=True, directory_filter=_source_directory):
        catalog.add(message, None, [(f"{package.name}/{filename}", lineno)],
                    auto_comments=comments, context=context)
    return catalog


def write_catalog(path: Path, catalog: Catalog) -> bool:
    """Write ``catalog`` as a ``.po``/``.pot`` file; whether the file changed."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=96, omit_header=False, sort_output=True, no_location=True)
    text = re.sub(rb'"POT-Creation-Date: [^"]*\\n"\n', b"", buffer.getvalue())
    text = re.sub(rb'"PO-Revision-Date: [^"]*\\n"\n', b"", text)
    text = re.sub(rb'"Generated-By: [^"]*\\n"\n', b"", text)
    if path.exists() and path.read_bytes() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text)
    return True


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def extract(packages: dict[str, Path]) -> None:
    for domain, package in packages.items():
        path = locale_dir(package) / f"{domain}.pot"
        if write_catalog(path, template(domain, package)):
            print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def po_path(package: Path, domain: str, language: str) -> Path:
    return locale_dir(package) / language / "LC_MESSAGES" / f"{domain}.po"


def update(packages: dict[str, Path], languages: tuple[str, ...]) -> None:
    for domain, package in packages.items():
        pot = read(locale_dir(package) / f"{domain}.pot")
        for language in languages:
            path = po_path(package, domain, language)
            catalog = read(path, language) if path.exists() else Catalog(
                locale=language, domain=domain, project=f"TaskFlow {domain}", fuzzy=False)
            catalog.update(pot, no_fuzzy_matching=True)
            catalog.obsolete.clear()  # git keeps history; stale entries only confuse
            if write_catalog(path, catalog):
                print(f"updated {path}")


def mo_bytes(catalog: Catalog) -> bytes:
    """The compiled catalog, the same bytes for the same .po (no dates in its header)."""
    catalog.creation_date = catalog.revision_date = FIXED_DATE
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def compile_all(packages: dict[str, Path], languages: tuple[str, ...]) -> None:
    for domain, package in packages.items():
        for language in languages:
            path = po_path(package, domain, language)
            if not path.exists():
                continue
            data = mo_bytes(read(path, language))
            target = path.with_suffix(".mo")
            if not target.exists() or target.read_bytes() != data:
                target.write_bytes(data)
                print(f"compiled {target}")


def problems(packages: dict[str, Path], languages: tuple[str, ...]) -> list[str]:
    """Everything that keeps a catalog from being complete and correct."""
    found = []
    for domain, package in packages.items():
        pot_path = locale_dir(package) / f"{domain}.pot"
        current = template(domain, package)
        if not pot_path.exists():
            found.append(f"{domain}: no {pot_path.name} (run: python scripts/i18n.py)")
            continue
        known = {m.id for m in read(pot_path) if m.id}
        for message in current:
            if message.id and message.id not in known:
                found.append(f"{domain}: {message.id!r} is not in {pot_path.name} "
                             "(run: python scripts/i18n.py)")
        for language in languages:
            found += catalog_problems(domain, package, language, known)
    return found


def catalog_problems(domain: str, package: Path, language: str, known: set) -> list[str]:
    path = po_path(package, domain, language)
    if not path.exists():
        return [f"{domain}/{language}: no {path.name}"]
    catalog = read(path, language)
    found = []
    ids = set()
    for message in catalog:
        if not message.id:
            continue
        ids.add(message.id)
        where = f"{domain}/{language}: {message.id!r}"
        strings = message.string if isinstance(message.string, (list, tuple)) \
            else (message.string,)
        if message.fuzzy or not all(strings):
            found.append(f"{where} is not translated")
            continue
        sources = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        wanted = set().union(*(placeholders(s) for s in sources))
        for text in strings:
            if placeholders(text) - wanted or (not message.pluralizable
                                                and placeholders(text) != wanted):
                found.append(f"{where}: placeholders {sorted(placeholders(text))} in "
                             f"{text!r}, the msgid has {sorted(wanted)}")
    for msgid in known - ids:
        found.append(f"{domain}/{language}: {msgid!r} is missing (run: python scripts/i18n.py)")
    mo = path.with_suffix(".mo")
    if not mo.exists() or mo.read_bytes() != mo_bytes(catalog):
        found.append(f"{domain}/{language}: {mo.name} is not compiled from the .po "
                     "(run: python scripts/i18n.py compile)")
    return found


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})", text))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", nargs="?", default="all",
                        choices=("all", "extract", "update", "compile", "check", "init"))
    parser.add_argument("language", nargs="?", help="init: the new language's code")
    parser.add_argument("--package", action="append", metavar="DOMAIN=DIR",
                        help="only these packages (default: every package of the repository)")
    args = parser.parse_args(argv)
    packages = {d: ROOT / p for d, p in PACKAGES.items()}
    if args.package:
        packages = dict(_package(spec) for spec in args.package)
    languages = LANGUAGES
    if args.command == "init":
        if not args.language:
            parser.error("init needs a language code (fr)")
        languages = (args.language,)
    if args.command == "check":
        found = problems(packages, languages)
        for line in found:
            print(line)
        print(f"{len(found)} problem(s) in {len(packages)} catalog(s)")
        return 1 if found else 0
    if args.command in ("all", "extract", "init"):
        extract(packages)
    if args.command in ("all", "update", "init"):
        update(packages, languages)
    if args.command in ("all", "compile", "init"):
        compile_all(packages, languages)
    return 0


def _package(spec: str) -> tuple[str, Path]:
    domain, _, directory = spec.partition("=")
    if domain in PACKAGES and not directory:
        return domain, ROOT / PACKAGES[domain]
    return domain, Path(directory).resolve()


if __name__ == "__main__":
    sys.exit(main())
