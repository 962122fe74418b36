#!/usr/bin/env python3
"""Generate docs/api.md: every public function of lcore_taskflow.core, from its docstring.

    python scripts/gen_api_docs.py          # rewrite docs/api.md
    python scripts/gen_api_docs.py --check  # exit 1 when docs/api.md is stale

"Public" is what a plugin may use (docs/plugins.md, "What a plugin may
import"): every name in ``lcore_taskflow.core.__all__`` with the public
methods and properties of its classes, and the objects a plugin reaches
through the kernel (``kernel.users``, ``kernel.tasks``, ``kernel.access()``,
``kernel.limits``, ``kernel.db``).  The docstrings are the reference; this
only arranges them.  core's test_core_docs.py fails when the committed file
differs from what this script writes, or when one of them has no docstring.
"""

from __future__ import annotations

import argparse
import inspect
import sys
import types
from pathlib import Path

import lcore_taskflow.core as core
from lcore_taskflow.core._content import Content
from lcore_taskflow.core._directory import Tasks, Users
from lcore_taskflow.core._ratelimit import Limits
from lcore_taskflow.core._search import Search

OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "api.md"

#: What each public type alias stands for (an alias has no docstring of its own,
#: and ``tuple[...]`` counts as a class on Python 3.10 but not on 3.11+).
ALIASES = {
    "Route": "One row of a route table: ``(method, rule, handler, options)`` "
             "(see :func:`add_routes`).",
}

#: (heading, class, how a plugin reaches an instance)
SERVICES = [
    ("The kernel", core.TaskFlow, "kernel."),
    ("`kernel.users`: the people", Users, "kernel.users."),
    ("`kernel.tasks`: tasks by id", Tasks, "kernel.tasks."),
    ("`kernel.content`: projects, tasks, comments and checklist items made by code", Content,
     "kernel.content."),
    ("`kernel.access()`: who sees what", core.Access, "kernel.access()."),
    ("`kernel.db`: the database", core.Database, "db."),
    ("`kernel.limits`: rate limits", Limits, "kernel.limits."),
    ("`kernel.search`: the full-text index", Search, "kernel.search."),
]


def doc(obj) -> str:
    return inspect.cleandoc(inspect.getdoc(obj) or "").strip()


def _value(value) -> str:
    text = value.pattern if hasattr(value, "pattern") else value
    text = getattr(value, "__name__", None) if isinstance(value, type) else repr(text)
    return "…" if " at 0x" in text else text  # a sentinel object: no stable spelling


def signature(fn, drop_self: bool = True, returns: bool = True) -> str:
    """``(a: int, *, b: str = 'x') → bool``, annotations as written in the source."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return "(...)"
    parts, star = [], False
    for param in sig.parameters.values():
        if drop_self and not parts and not star and param.name in ("self", "cls"):
            drop_self = False
            continue
        if param.kind is param.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        prefix = {param.VAR_POSITIONAL: "*", param.VAR_KEYWORD: "**"}.get(param.kind, "")
        if param.kind is param.VAR_POSITIONAL:
            star = True
        text = prefix + param.name
        if param.annotation is not param.empty:
            text += f": {_annotation(param.annotation)}"
        if param.default is not param.empty:
            text += f" = {_value(param.default)}"
        parts.append(text)
    out = f"({', '.join(parts)})"
    if returns and sig.return_annotation not in (sig.empty, None, "None"):
        out += f" → {_annotation(sig.return_annotation)}"
    return out


def _annotation(annotation) -> str:
    if isinstance(annotation, str):
        return annotation
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")


def _own(cls, name: str) -> bool:
    """Whether ``name`` is defined by TaskFlow on ``cls`` or a TaskFlow base class."""
    owner = next((k for k in cls.__mro__ if name in vars(k)), object)
    return owner.__module__.startswith("lcore_taskflow.")


def members(cls, inherited: bool = True) -> list[tuple[str, object, str]]:
    """``(name, object, kind)`` of the public methods and properties, in source order
    (with ``inherited=False`` only those the class itself defines)."""
    found = []
    seen = set()
    classes = [k for k in cls.__mro__ if k.__module__.startswith("lcore_taskflow.")]
    for klass in reversed(classes if inherited else [cls]):
        for name in vars(klass):
            if name.startswith("_") or name in seen or not _own(cls, name):
                continue
            static = inspect.getattr_static(cls, name)
            if isinstance(static, property):
                found.append((name, static, "property"))
            elif isinstance(static, classmethod):
                found.append((name, getattr(cls, name), "classmethod"))
            elif isinstance(static, staticmethod) or inspect.isfunction(static):
                found.append((name, getattr(cls, name), "method"))
            else:
                continue
            seen.add(name)
    return found


def member_doc(cls, name: str, obj, kind: str) -> str:
    text = (obj.__doc__ or "") if kind == "property" else (inspect.getdoc(obj) or "")
    if not text.strip():  # inherited override: the base class's words
        for klass in cls.__mro__[1:]:
            base = vars(klass).get(name)
            if base is not None and getattr(base, "__doc__", None):
                text = base.__doc__
                break
    return inspect.cleandoc(text).strip()


def undocumented() -> list[str]:
    """Every public function, method, property or class without a docstring."""
    missing = []
    for name, obj in public_names():
        if isinstance(obj, types.GenericAlias):
            missing += [] if name in ALIASES else [name]
            continue
        if (inspect.isclass(obj) or inspect.isfunction(obj)) and not doc(obj):
            missing.append(name)
        if inspect.isclass(obj):
            missing += [f"{name}.{m}" for m, value, kind in members(obj)
                        if not member_doc(obj, m, value, kind)]
    for _, cls, _ in SERVICES:
        missing += [f"{cls.__name__}.{m}" for m, value, kind in members(cls)
                    if not member_doc(cls, m, value, kind)]
    return sorted(set(missing))


def public_names() -> list[tuple[str, object]]:
    return [(name, getattr(core, name)) for name in core.__all__
            if name not in ("__version__", "events")]


def class_section(cls, heading: str, reach: str) -> list[str]:
    where = (f"`{cls.__name__}`: `from lcore_taskflow.core import {cls.__name__}`"
             if cls.__name__ in core.__all__ else
             f"`{cls.__name__}`: not importable, reach it through the kernel")
    out = [f"## {heading}", "", where, "", doc(cls), ""]
    for name, obj, kind in members(cls):
        where = f"{cls.__name__}." if kind == "classmethod" else reach
        shown = f"{where}{name}" + ("" if kind == "property" else signature(obj))
        out += [f"### `{shown}`", "", member_doc(cls, name, obj, kind), ""]
    return out


def render() -> str:
    out = ["# Core API reference", "",
           "<!-- Generated by scripts/gen_api_docs.py from the docstrings of "
           "lcore_taskflow.core: do not edit. -->", "",
           "Everything a plugin may use of `lcore_taskflow.core`, with the words of its "
           "docstring. The tutorial is [plugins.md](plugins.md), hooks and events are in "
           "[hooks.md](hooks.md), the testing kit is in [testing.md](testing.md), project "
           "access in [access.md](access.md) and the frontend's extension API in "
           "[ui-extensions.md](ui-extensions.md). A name that is not here (or in "
           "`lcore_taskflow.core.events`, `.hookspecs`, `.testing`) is private and changes "
           f"without notice. This is core API `{core.CORE_API}` "
           f"(lcore-taskflow-core {core.__version__}).", ""]
    covered = {cls for _, cls, _ in SERVICES}
    for heading, cls, reach in SERVICES:
        out += class_section(cls, heading, reach)
    functions, classes, constants, aliases = [], [], [], []
    for name, obj in public_names():
        if obj in covered:
            continue
        if isinstance(obj, types.GenericAlias):
            aliases.append((name, obj))
        elif inspect.isclass(obj):
            classes.append((name, obj))
        elif callable(obj):
            functions.append((name, obj))
        else:
            constants.append((name, obj))
    out += ["## Functions", ""]
    for name, fn in functions:
        out += [f"### `{name}{signature(fn, drop_self=False)}`", "", doc(fn), ""]
    out += ["## Classes", ""]
    for name, cls in classes:
        bases = [b.__name__ for b in cls.__bases__ if b.__name__ in core.__all__]
        out += [f"### `{name}{signature(cls, returns=False)}`", "",
                *([f"*{', '.join(bases)}* subclass", ""] if bases else []), doc(cls), ""]
        for member, obj, kind in members(cls, inherited=False):
            shown = f"{name}.{member}" + ("" if kind == "property" else signature(obj))
            out += [f"#### `{shown}`", "", member_doc(cls, member, obj, kind), ""]
    out += ["## Type aliases", ""]
    for name, alias in aliases:
        spelled = repr(alias).replace("typing.", "").replace("collections.abc.", "")
        out += [f"### `{name} = {spelled}`", "", ALIASES[name], ""]
    out += ["## Constants", "", "| name | value |", "|---|---|"]
    for name, value in constants:
        text = _value(value).replace("|", "\\|")
        out.append(f"| `{name}` | `{text if len(text) < 90 else text[:87] + '...'}` |")
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if docs/api.md is stale")
    args = parser.parse_args(argv)
    missing = undocumented()
    if missing:
        print("no docstring: " + ", ".join(missing), file=sys.stderr)
        return 1
    text = render()
    if args.check:
        current = OUTPUT.read_text("utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is stale: run python scripts/gen_api_docs.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, "utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
