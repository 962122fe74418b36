"""What the plugins screen shows of each plugin (``GET /api/admin/plugins``).

Every plugin the kernel knows: the assembled ones, and the ones discovered
through entry points but left out by ``APP_PLUGINS_DISABLED`` /
``APP_PLUGINS_ENABLED`` (``enabled: false``, with the change that would
enable them).  Enabling or disabling always needs a restart: a plugin's
routes, middleware and migrations are assembled once, at start.
"""

from __future__ import annotations

import contextlib
from typing import Any

from . import _migrate as migrations
from . import _plugins as plugins


def describe_all(kernel) -> list[dict[str, Any]]:
    applied = _applied(kernel)
    out = [_enabled(kernel, info, applied) for info in kernel.infos]
    out += [_dormant(kernel, name, plugin, version)
            for name, (plugin, version) in sorted(kernel.registry.dormant.items())]
    return out


def _applied(kernel) -> set[tuple[str, int]]:
    with kernel.database() as db:
        return migrations.applied(db)


def _base(name: str, plugin: Any, version: str) -> dict[str, Any]:
    wanted = getattr(plugin, "core_api", None)
    return {"name": name, "version": version,
            "core_api": None if wanted is None else str(wanted),
            "project_scoped": bool(getattr(plugin, "project_scoped", False)),
            "description": (getattr(plugin, "__doc__", None) or "").strip().split("\n")[0]
            .replace("``", "")}


def _enabled(kernel, info, applied) -> dict[str, Any]:
    routes = [{"method": r.method, "path": r.rule, "name": r.name or ""}
              for r, owner in kernel.assembly.owners.items() if owner == info.name]
    migrated = _migrations(kernel, info, applied)
    health = [f"migration {m['namespace']}/{v:04d} is pending"
              for m in migrated for v in m["pending"]]
    if getattr(info.plugin, "core_api", None) is None and info.name != "core":
        health.append(f"declares no core_api (this core provides {plugins.CORE_API})")
    return {**_base(info.name, info.plugin, info.version), "enabled": True,
            "source": info.source, "enable": None,
            "hooks": info.hooks(kernel.pm), "routes": sorted(routes, key=lambda r: r["path"]),
            "migrations": migrated, "health": {"ok": not health, "problems": health},
            "settings": kernel.runtime_settings.describe(info.name)}


def _migrations(kernel, info, applied) -> list[dict[str, Any]]:
    out = []
    for source in kernel.only(info, "taskflow_migrations")():
        if not source:
            continue
        namespace, directory = source
        versions = [m.version for m in migrations.discover(namespace, directory)]
        out.append({"namespace": namespace,
                    "applied": [v for v in versions if (namespace, v) in applied],
                    "pending": [v for v in versions if (namespace, v) not in applied]})
    return out


def _dormant(kernel, name: str, plugin: Any, version: str) -> dict[str, Any]:
    schemas = []
    with contextlib.suppress(Exception):  # a disabled plugin's hook may expect its setup
        schema = plugin.taskflow_config_schema()
        schemas = [schema] if schema else []
    marker = f"{plugins.hookspecs.PROJECT}_impl"
    hooks = sorted({getattr(getattr(plugin, attr), marker, {}).get("specname") or attr
                    for attr in dir(plugin)
                    if not attr.startswith("_") and hasattr(getattr(plugin, attr, None), marker)})
    return {**_base(name, plugin, version), "enabled": False, "source": "entry point",
            "enable": _how_to_enable(kernel, name), "hooks": hooks, "routes": [],
            "migrations": [], "health": {"ok": True, "problems": []},
            "settings": kernel.runtime_settings.describe(name, schemas, config={})}


def _how_to_enable(kernel, name: str) -> str:
    steps = []
    if name in kernel.config.plugins_disabled:
        rest = [n for n in kernel.config.plugins_disabled if n != name]
        steps.append(f"set APP_PLUGINS_DISABLED={','.join(rest)}" if rest
                     else "unset APP_PLUGINS_DISABLED")
    enabled = kernel.config.plugins_enabled
    if enabled and name not in enabled:
        steps.append(f"set APP_PLUGINS_ENABLED={','.join([*enabled, name])}")
    return " and ".join(steps) + ", then restart every server"
