"""No import cycles in any package's ``src``: dependencies point one way.

The graph is read from the source with ``ast`` (nothing is imported), and
every import statement counts, also one inside a function: an import moved
into a function to dodge a cycle is still a cycle.  An edge goes to the
module named (``from .x import y`` -> ``x``, or ``x.y`` when ``y`` is a
module); importing a package's ``__init__`` counts only when named
(``from . import __version__``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SOURCE_TREES = sorted([*REPO.glob("packages/*/src"), *REPO.glob("examples/plugins/*/src")])


def module_files(trees: list[Path]) -> dict[str, Path]:
    """``dotted name -> file`` of every Python module under the trees."""
    found = {}
    for tree in trees:
        for path in tree.rglob("*.py"):
            parts = list(path.relative_to(tree).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imported(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The known modules that module ``name`` (at ``path``) imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(package, node.module, node.level)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in known:
                    out.add(submodule)
                elif alias.name != "__version__":  # a constant set before any import
                    out.add(base)
    return {target for target in out if target in known and target != name}


def _absolute(package: str, module: str | None, level: int) -> str:
    if not level:
        return module or ""
    parts = package.split(".")
    base = ".".join(parts[:len(parts) - (level - 1)])
    return f"{base}.{module}" if module else base


def import_graph(trees: list[Path]) -> dict[str, set[str]]:
    known = module_files(trees)
    return {name: imported(name, path, known) for name, path in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_the_source_trees_are_found():
    names = {p.parent.name for p in SOURCE_TREES}
    assert {"lcore-taskflow-core", "lcore-taskflow-auth", "taskflow-labels"} <= names
    graph = import_graph(SOURCE_TREES)
    assert "lcore_taskflow.core._assembly" in graph["lcore_taskflow.core._kernel"]


@pytest.mark.parametrize("tree", SOURCE_TREES, ids=lambda p: p.parent.name)
def test_no_import_cycle_in_a_package(tree):
    found = cycles(import_graph([tree]))
    assert not found, "import cycles (each group imports itself through the others): " + \
        "; ".join(" <-> ".join(group) for group in found)


def test_no_import_cycle_across_packages():
    assert cycles(import_graph(SOURCE_TREES)) == []


def test_the_cycle_finder_finds_a_cycle_through_a_function_level_import(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .b import thing\n")
    (pkg / "b.py").write_text("def thing():\n    from . import a\n")
    (pkg / "c.py").write_text("from pkg import a\n")
    assert cycles(import_graph([tmp_path])) == [["pkg.a", "pkg.b"]]
