"""Which ``lcore_taskflow`` modules a plugin's source imports beyond core's public API."""

from __future__ import annotations

import ast
from pathlib import Path

#: What a plugin may import of TaskFlow (docs/plugins.md, "What a plugin may import").
PUBLIC_MODULES = frozenset({"lcore_taskflow.core", "lcore_taskflow.core.events",
                            "lcore_taskflow.core.hookspecs", "lcore_taskflow.core.testing",
                            "lcore_taskflow.core.testing.browser"})


def private_imports(package_dir: str | Path) -> list[str]:
    """``"file.py imports module"`` for every absolute import of an ``lcore_taskflow``
    module outside :data:`PUBLIC_MODULES` (another feature package, a ``_private``
    module of core) in the ``.py`` files under ``package_dir``; ``[]`` when clean."""
    found = []
    for path in sorted(Path(package_dir).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            found += [f"{path.name} imports {name}" for name in names
                      if name.startswith("lcore_taskflow") and name not in PUBLIC_MODULES]
    return found
