"""``taskflow new-plugin NAME``: write a ready-to-install plugin package.

The templates are package data (``scaffold_templates/``, files ending in
``.tmpl`` so that no tool mistakes them for the package's own code); each
``{{key}}`` is replaced by a value derived from NAME.  The command reads no
configuration and opens no database.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import re
import sys
import urllib.parse
import urllib.request
from pathlib import Path

from . import __version__
from ._plugins import CORE_API

TEMPLATES = Path(__file__).resolve().parent / "scaffold_templates"
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def names_for(name: str) -> dict[str, str]:
    """Every spelling the templates need: ``taskflow-due-soon`` → package ``taskflow_due_soon``,
    plugin ``due-soon``, SQL/URL-safe ``due_soon``, class ``DueSoonPlugin``."""
    plugin = name.removeprefix("taskflow-") or name
    ident = plugin.replace("-", "_")
    major, minor = (int(p) for p in CORE_API.split("."))
    core_major, core_minor = (int(p) for p in __version__.split(".")[:2])
    return {
        "dist": name, "package": name.replace("-", "_"), "plugin": plugin, "ident": ident,
        "class": "".join(part.capitalize() for part in plugin.split("-")) + "Plugin",
        "title": " ".join(part.capitalize() for part in plugin.split("-")),
        "core_api": f"{major}.{minor}",
        "core_source": core_source(),
        "core_requirement": f"lcore-taskflow-core>={core_major}.{core_minor},"
                            f"<{core_major}.{core_minor + 1}" if core_major == 0
                            else f"lcore-taskflow-core>={core_major}.{core_minor},"
                                 f"<{core_major + 1}",
    }


def core_source() -> str:
    """Where this lcore-taskflow-core was installed from, for the generated ``tox.ini``.

    Core is not on a package index, so a fresh tox environment must get it
    from a TaskFlow checkout (its directory, editable or not) or a wheel
    (``scripts/build-wheels.sh``); pip records either in ``direct_url.json``
    (PEP 610).  Without that record (installed by name, e.g. with
    ``--find-links``) the requirement's name, which ``PIP_FIND_LINKS`` or
    ``TASKFLOW_CORE`` then resolve.
    """
    try:
        record = importlib.metadata.distribution("lcore-taskflow-core").read_text(
            "direct_url.json")
        url = json.loads(record or "{}").get("url", "")
    except (importlib.metadata.PackageNotFoundError, ValueError):
        url = ""
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme != "file":
        return "lcore-taskflow-core"
    return urllib.request.url2pathname(parsed.path)


def render(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], template)


def write_plugin(name: str, directory: Path) -> list[Path]:
    """Write the package for ``name`` under ``directory/name``; return the files written."""
    if not NAME_RE.match(name):
        raise ValueError(f"{name!r} is not a distribution name: use lower-case letters, digits "
                         "and single dashes, e.g. taskflow-due-soon")
    values = names_for(name)
    target = directory / name
    if target.exists():
        raise FileExistsError(f"{target} already exists; choose another name or --directory")
    written = []
    for source in sorted(TEMPLATES.rglob("*.tmpl")):
        relative = render(str(source.relative_to(TEMPLATES)).removesuffix(".tmpl"), values)
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(source.read_text("utf-8"), values), "utf-8")
        written.append(path)
    return written


def add_parser(subparsers) -> None:
    """Register ``new-plugin`` (it runs without a kernel: see ``standalone``)."""
    parser = subparsers.add_parser(
        "new-plugin", help="write a new plugin package (pyproject, hook, migration, route, "
                           "UI module, tests)")
    parser.add_argument("name", help="distribution name, e.g. taskflow-due-soon")
    parser.add_argument("--directory", default=".", help="where to create it (default: here)")
    parser.set_defaults(handler=None, standalone=cmd_new_plugin)


def cmd_new_plugin(args: argparse.Namespace) -> int:
    try:
        written = write_plugin(args.name, Path(args.directory))
    except (ValueError, FileExistsError) as exc:
        print(f"taskflow new-plugin: {exc}", file=sys.stderr)
        return 2
    root = Path(args.directory) / args.name
    values = names_for(args.name)
    print(f"created {root} ({len(written)} files): plugin {values['plugin']!r}, "
          f"package {values['package']}")
    print(f"next:\n  pip install -e '{root}[test]'\n  pytest {root}/tests\n"
          f"  taskflow plugins      # lists {values['plugin']}")
    return 0
