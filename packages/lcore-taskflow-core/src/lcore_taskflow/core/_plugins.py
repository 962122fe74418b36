"""The plugin manager of one kernel: discovery, selection, checks, tracing.

Each :class:`~lcore_taskflow.core.TaskFlow` owns its own
:class:`pluggy.PluginManager`; nothing here is module-level state, so two
apps (or two tests) in one process never share plugins.
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass
from importlib import metadata
from typing import Any, cast

import pluggy
from lcore import PluginError

from . import hookspecs

ENTRY_POINT_GROUP = "lcore_taskflow.plugins"
#: The plugin API of this core (``major.minor``).  A plugin declares the one
#: it was written for as ``core_api = "1.0"``: same major, minor at most ours.
CORE_API = "1.1"  # 1.1: project access (role=, kernel.access(), taskflow_project_access)
hookimpl = pluggy.HookimplMarker(hookspecs.PROJECT)
hookspec = hookspecs.hookspec
log = logging.getLogger("lcore_taskflow.plugins")


class PluginCheckError(PluginError):
    """A plugin or the plugin selection cannot be used; the message says why."""


@dataclass
class PluginInfo:
    """What ``taskflow plugins`` and ``/health`` show about a plugin."""

    name: str
    version: str
    source: str
    plugin: Any
    enabled: bool = True

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


def check_selection(enabled: list[str], disabled: list[str], known: set[str]) -> None:
    """Refuse plugin names in ``plugins_enabled``/``plugins_disabled`` that do not exist."""
    for key, names in (("plugins_enabled", enabled), ("plugins_disabled", disabled)):
        unknown = sorted(set(names) - known)
        if unknown:
            raise PluginCheckError(
                f"{key}: no plugin named {', '.join(map(repr, unknown))} is installed "
                f"(installed: {', '.join(sorted(known))})")
    if "core" in disabled:
        raise PluginCheckError("plugins_disabled: core cannot be disabled")


def selected(name: str, enabled: list[str], disabled: list[str]) -> bool:
    """Apply ``APP_PLUGINS_ENABLED`` (allow-list) and ``APP_PLUGINS_DISABLED``."""
    if name == "core":
        return True
    if enabled and name not in enabled:
        return False
    return name not in disabled


def plugin_name(plugin: Any) -> str:
    return cast(str, getattr(plugin, "name", None)
                or getattr(plugin, "__name__", type(plugin).__name__))


def plugin_version(plugin: Any) -> str:
    return str(getattr(plugin, "version", None) or getattr(plugin, "__version__", "0"))


def check_core_api(name: str, plugin: Any, core_version: str) -> None:
    """Refuse a plugin written for another major (or a newer minor) core API."""
    wanted = getattr(plugin, "core_api", None)
    if wanted is None:
        return
    try:
        w_major, w_minor = (int(p) for p in str(wanted).split(".")[:2])
    except ValueError:
        raise PluginCheckError(f"plugin {name}: core_api={wanted!r} is not 'major.minor'") \
            from None
    major, minor = (int(p) for p in CORE_API.split("."))
    if w_major != major or w_minor > minor:
        raise PluginCheckError(
            f"plugin {name} needs TaskFlow core API {wanted}, but lcore-taskflow-core "
            f"{core_version} provides core API {CORE_API}: "
            + ("upgrade lcore-taskflow-core" if (w_major, w_minor) > (major, minor)
               else f"install a version of {name} written for core API {major}.x"))


def claim_namespace(plugin: str, source: Any, claims: dict[str, str]) -> None:
    """Record that ``plugin``'s migrations (``(namespace, directory)``) claim their namespace.

    A namespace is the plugin's own name (with ``_`` for ``-`` if it likes:
    ``due_soon`` for the plugin ``due-soon``); ``core`` is TaskFlow core's.
    One namespace claimed by two plugins would apply only the first one's
    files (the second's are recorded as applied already), so it stops
    start-up naming both.
    """
    try:
        namespace, _directory = source
    except (TypeError, ValueError):
        raise PluginCheckError(f"plugin {plugin}: taskflow_migrations returned {source!r}; "
                               "return (namespace, directory)") from None
    if namespace == "core" and plugin != "core":
        raise PluginCheckError(f"plugin {plugin}: migration namespace 'core' is reserved for "
                               f"TaskFlow core; return ({plugin!r}, directory) from "
                               "taskflow_migrations")
    owner = claims.get(namespace)
    if owner is not None and owner != plugin:
        raise PluginCheckError(
            f"plugin {plugin}: migration namespace {namespace!r} is already plugin {owner}'s; "
            f"two plugins cannot share one (the second one's migrations would never run): "
            f"return ({plugin!r}, directory) from taskflow_migrations, or install only one "
            f"of {owner} and {plugin}")
    if namespace not in (plugin, plugin.replace("-", "_")):
        raise PluginCheckError(
            f"plugin {plugin}: migration namespace {namespace!r} is not its name; a plugin's "
            f"migrations are recorded under its own name: return ({plugin!r}, directory) "
            "from taskflow_migrations")
    claims[namespace] = plugin


def check_hooks(pm: pluggy.PluginManager) -> None:
    """Refuse hook implementations that match no specification (a typo, usually)."""
    known = sorted(name for name in dir(pm.hook) if not name.startswith("_"))
    for name in known:
        caller = getattr(pm.hook, name)
        if caller.spec is not None:
            continue
        for impl in caller.get_hookimpls():
            if getattr(impl, "optionalhook", False):
                continue
            specified = [n for n in known if getattr(pm.hook, n).spec is not None]
            close = difflib.get_close_matches(name, specified, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise PluginCheckError(
                f"plugin {impl.plugin_name}: {name} is not a TaskFlow hook{hint} "
                "(every hook is documented in lcore_taskflow.core.hookspecs)")
