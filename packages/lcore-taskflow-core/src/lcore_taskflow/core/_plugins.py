"""The plugin manager of one kernel: discovery, selection, tracing, introspection.

Each :class:`~lcore_taskflow.core._kernel.TaskFlow` owns its own
:class:`pluggy.PluginManager`; nothing here is module-level state, so two
apps (or two tests) in one process never share plugins.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import pluggy

from . import hookspecs

ENTRY_POINT_GROUP = "lcore_taskflow.plugins"
hookimpl = pluggy.HookimplMarker(hookspecs.PROJECT)
log = logging.getLogger("lcore_taskflow.plugins")


@dataclass
class PluginInfo:
    """What ``taskflow plugins`` and ``/health`` show about a plugin."""

    name: str
    version: str
    source: str
    plugin: Any

    def hooks(self, pm: pluggy.PluginManager) -> list[str]:
        callers = pm.get_hookcallers(self.plugin) or []
        return sorted(caller.name for caller in callers)


def new_manager(trace: bool = False) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    if trace:
        tracer = logging.getLogger("lcore_taskflow.hooks")
        pm.trace.root.setwriter(lambda message: tracer.info(message.rstrip()))
        pm.enable_tracing()
    return pm


def instantiate(obj: Any) -> Any:
    """An entry point may name a plugin class (instantiated here) or an object."""
    return obj() if isinstance(obj, type) else obj


def discover() -> list[tuple[str, str, str, Any]]:
    """Installed plugins: ``(name, version, source, loader)`` per entry point."""
    found = []
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep, "dist", None)
        version = dist.version if dist else "unknown"
        source = f"entry point of {dist.name if dist else '?'}"
        found.append((ep.name, version, source, ep.load))
    return sorted(found, key=lambda item: item[0])


def selected(name: str, enabled: list[str], disabled: list[str]) -> bool:
    """Apply ``APP_PLUGINS_ENABLED`` (allow-list) and ``APP_PLUGINS_DISABLED``."""
    if name == "core":
        return True
    if enabled and name not in enabled:
        return False
    return name not in disabled


def plugin_name(plugin: Any) -> str:
    return getattr(plugin, "name", None) or getattr(plugin, "__name__", type(plugin).__name__)


def plugin_version(plugin: Any) -> str:
    return str(getattr(plugin, "version", None) or getattr(plugin, "__version__", "0"))
