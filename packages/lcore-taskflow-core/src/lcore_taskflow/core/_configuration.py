"""Where a kernel's settings come from and how they become ``kernel.config``.

The sources (``TaskFlow(config=...)``, ``.env``, ``APP_*`` variables, the
settings of installable objects) are gathered once; each assembled plugin
adds its ``taskflow_config_schema`` dataclasses, and the settings are built
again from all of them.  A failed assembly restores the schemas it added.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from lcore import PluginError

from . import _config as cfg


class Configuration:
    """The setting sources of one kernel and the schemas its plugins declared."""

    def __init__(self, overrides: Mapping[str, Any], dotenv: str | os.PathLike | None,
                 environ: Mapping[str, str]):
        #: key -> (value, where it was set)
        self.sources = cfg.gather_sources(dict(overrides), dotenv, environ)
        #: (plugin name, dataclass) of every assembled plugin's schema
        self.schemas: list[tuple[str, type]] = []

    def core(self) -> cfg.Settings:
        """Core's own settings, before any plugin is assembled."""
        return cfg.build_settings([("core", cfg.CoreConfig)], self.sources)

    def mount_prefix(self) -> str:
        """The configured mount prefix, without its trailing slash."""
        return str(self.sources.get("mount_prefix", ("",))[0] or "").rstrip("/")

    def origin(self, key: str, default: str) -> str:
        """Where ``key`` was set (``"APP_... (environment)"``), or ``default``."""
        return self.sources.get(key, (None, default))[1]

    def add_schemas(self, plugin: str, schemas: list[Any]) -> None:
        self.schemas += [(plugin, s) for s in schemas if s is not None]

    def build(self) -> cfg.Settings:
        """The settings of every schema so far, validated."""
        return cfg.build_settings(self.schemas, self.sources)

    def snapshot(self) -> list[tuple[str, type]]:
        return list(self.schemas)

    def restore(self, snapshot: list[tuple[str, type]]) -> None:
        self.schemas = snapshot

    def unknown_keys(self, config: cfg.Settings, dormant_keys: dict[str, str]) -> list[str]:
        """Warnings for keys that no schema declares (typos, removed settings)."""
        return cfg.unknown_keys(self.sources, config, dormant_keys)

    def merge(self, config: Mapping[str, Any], owner: str, running: cfg.Settings) -> None:
        """Merge an installable object's settings; refuse one that contradicts the kernel's.

        A key already in use (its plugin is assembled) must keep its running
        value; a key set explicitly elsewhere (another ``config`` dict) must
        agree; ``.env`` and ``APP_*`` variables still win over both.
        """
        conflicts = []
        for key, value in config.items():
            if key in running:
                if cfg.coerce_like(value, running[key]) != running[key]:
                    conflicts.append(f"{key}={value!r} (the kernel runs with "
                                     f"{cfg.Settings.shown(key, running[key])!r})")
                continue
            source = self.sources.get(key)
            if source is not None and source[1].startswith("setting") and source[0] != value:
                conflicts.append(f"{key}={value!r} (the kernel was given {source[0]!r})")
        if conflicts:
            raise PluginError(f"{owner}: the app's TaskFlow kernel is already configured and "
                              "these settings contradict it: " + "; ".join(conflicts)
                              + ". Configure the kernel (TaskFlow(config=...)) instead.")
        for key, value in config.items():
            self.sources.setdefault(key, (value, f"setting {key!r} of {owner}"))
