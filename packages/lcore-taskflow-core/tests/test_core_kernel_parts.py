"""The kernel stays a thin front: its parts talk through public attributes.

``TaskFlow`` hands each call to a part (``kernel.registry``, ``.assembly``,
``.configuration``, ``.connections``, ``.guard``, ``.dispatch``,
``.routing``); no other module reaches into the kernel's private attributes,
so a part can change without the others noticing.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import lcore_taskflow.core as core
from lcore_taskflow.core._kernel_api import ServingAPI

SRC = Path(core.__file__).resolve().parent
KERNEL_NAMES = {"kernel", "taskflow", "k", "other"}  # how core's modules name a kernel


def private_reads(path: Path, root: Path = SRC) -> list[str]:
    """``kernel._x`` (or ``self.kernel._x``, ``app.taskflow._x``) in one module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                and not node.attr.startswith("__")):
            continue
        owner = node.value
        name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if name in KERNEL_NAMES:
            found.append(f"{path.relative_to(root)}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_module_reads_the_kernels_private_attributes():
    modules = [p for p in SRC.rglob("*.py") if p.name != "_kernel.py"]
    assert len(modules) > 40
    assert [hit for path in modules for hit in private_reads(path)] == []


def test_the_private_read_finder_finds_one(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f(self, kernel, app):\n"
                     "    return self.kernel._assembly, kernel.db, app.taskflow._local\n")
    assert private_reads(probe, tmp_path) == ["probe.py:2: self.kernel._assembly",
                                              "probe.py:2: app.taskflow._local"]


def test_each_class_of_the_front_keeps_to_twenty_methods():
    for cls in (core.TaskFlow, ServingAPI):
        own = [name for name, value in vars(cls).items()
               if inspect.isfunction(value) or isinstance(value, (property, classmethod))]
        assert 0 < len(own) <= 20, f"{cls.__name__}: {len(own)} methods: {own}"


def test_the_front_hands_each_call_to_its_part(app):
    kernel = app.taskflow
    parts = {"registry": "_registry", "assembly": "_assembly", "configuration": "_configuration",
             "connections": "_connections", "guard": "_guard", "dispatch": "_dispatch",
             "routing": "_routing"}
    for attribute, module in parts.items():
        assert type(getattr(kernel, attribute)).__module__ == f"lcore_taskflow.core.{module}"
    assert kernel.infos is kernel.registry.infos
    assert kernel.pm is kernel.registry.pm and kernel.hook is kernel.registry.hook
    assert kernel.event_types() == kernel.dispatch.types
    assert kernel.event_types() is not kernel.dispatch.types  # a copy: callers cannot change it
    assert all(kernel.owns(route) for route in kernel.assembly.owners)
