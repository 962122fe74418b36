"""The plugin registry of one kernel: pluggy's manager, who is registered, hook calls.

Registration checks a plugin (its name is free, its ``core_api`` fits, it is
not disabled) before pluggy sees it.  Hook calls on the request path skip
pluggy's dispatch (``call``, ``isolated``) with the same order and results;
the caches behind them are dropped whenever the set of plugins changes.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from typing import Any

import pluggy

from . import _plugins as plugins

log = logging.getLogger("lcore_taskflow")
_UNSEEN = object()


class Registry:
    """The plugins registered in one kernel and fast callers of their hooks."""

    def __init__(self, kernel: Any):
        self.kernel = kernel
        self.pm: pluggy.PluginManager | None = None
        self.hook: Any = None
        self.traced = False
        #: the assembled plugins, in registration order (``kernel.infos``)
        self.infos: list[plugins.PluginInfo] = []
        self.disabled: list[str] = []
        #: discovered but disabled plugins: name -> (plugin object, version)
        self.dormant: dict[str, tuple[Any, str]] = {}
        #: setting key -> disabled plugin declaring it (so it is not called a typo)
        self.dormant_keys: dict[str, str] = {}
        self.namespaces: dict[str, str] = {}  # migration namespace -> plugin name
        self._isolated_callers: dict[str, list[tuple[str, Any]]] = {}
        self._impls: dict[tuple[str, bool], bool] = {}
        self._plain: dict[str, Any] = {}  # hook name -> _plain_impls()

    def start(self, core_settings: Any) -> None:
        """A new plugin manager; every plugin registered later gets ``taskflow_addhooks``."""
        self.disabled = list(core_settings.plugins_disabled)
        self.pm = plugins.new_manager(trace=core_settings.trace_hooks)
        self.traced = core_settings.trace_hooks  # then every call goes through pluggy
        self.hook = self.pm.hook
        self.hook.taskflow_addhooks.call_historic(kwargs={"pluginmanager": self.pm})

    # ------------------------------------------------------- registering
    def register_all(self, core_settings: Any, explicit: Iterable[Any],
                     discover: bool) -> list[plugins.PluginInfo]:
        """Core, the plugins given by hand, then (``discover``) the installed ones."""
        from ._plugin import CorePlugin

        batch = [self.register(CorePlugin(), "core", "builtin")]
        batch += [self.register(p, source="explicit") for p in explicit]
        if discover:
            batch += self._discover(core_settings)
        return batch

    def register(self, plugin: Any, name: str | None = None, source: str = "explicit",
                 version: str | None = None) -> plugins.PluginInfo:
        """Check and register one plugin; its ``PluginInfo`` joins ``infos``."""
        name = name or plugins.plugin_name(plugin)
        if source in ("explicit", "installed") and name in self.disabled:
            origin = self.kernel.configuration.origin("plugins_disabled", "configuration")
            raise plugins.PluginCheckError(
                f"plugin {name} is disabled by APP_PLUGINS_DISABLED ({origin}) but was "
                "installed by hand (app.install(...), TaskFlow(plugins=[...]) or "
                f"kernel.add(...)): take {name} out of APP_PLUGINS_DISABLED, or do not "
                "install it")
        self._check_free(name, plugin)
        plugins.check_core_api(name, plugin, _core_version())
        if getattr(plugin, "core_api", None) is None and name != "core":
            log.warning("plugin %s declares no core_api: add core_api = \"%s\" (the TaskFlow "
                        "core API it was written and tested for) to %s, so that a core it "
                        "does not fit stops start-up instead of failing later",
                        name, plugins.CORE_API, _origin(plugin))
        self.pm.register(plugin, name=name)  # also calls its taskflow_addhooks (historic)
        self.forget_caches()
        info = plugins.PluginInfo(name, version or plugins.plugin_version(plugin), source, plugin)
        self.infos.append(info)
        return info

    def _check_free(self, name: str, plugin: Any) -> None:
        existing = self.pm.get_plugin(name)
        if existing is None:
            return
        if existing is plugin or type(existing) is type(plugin):
            raise plugins.PluginCheckError(f"plugin {name} is already installed in this "
                                           "kernel")
        raise plugins.PluginCheckError(
            f"two plugins are named {name!r}: {_origin(existing)} and {_origin(plugin)}; "
            "rename one (its entry point name or its name attribute)")

    def unregister(self, infos: Iterable[plugins.PluginInfo]) -> None:
        """Take plugins out again (a failed assembly): pluggy, ``infos``, namespaces."""
        for info in infos:
            if info in self.infos:
                self.infos.remove(info)
            if self.pm.is_registered(info.plugin):
                self.pm.unregister(info.plugin)
            self.namespaces = {ns: owner for ns, owner in self.namespaces.items()
                               if owner != info.name}
        self.forget_caches()

    def forget_caches(self) -> None:
        """The plugins changed: every cached caller and answer is stale."""
        self._isolated_callers = {}
        self._impls = {}
        self._plain = {}
        self.kernel.scopes.forget_plugins()

    def _discover(self, core_settings: Any) -> list[plugins.PluginInfo]:
        enabled, disabled = core_settings.plugins_enabled, core_settings.plugins_disabled
        found = plugins.discover()
        plugins.check_selection(enabled, disabled, {n for n, *_ in found} | {"core"})
        batch = []
        for name, version, source, load in found:
            plugin = plugins.instantiate(load())
            if plugins.selected(name, enabled, disabled):
                batch.append(self.register(plugin, name, source, version))
            else:
                log.info("plugin %s disabled by configuration", name)
                self._remember_dormant(name, plugin)
                self.dormant[name] = (plugin, version)
        return batch

    def _remember_dormant(self, name: str, plugin: Any) -> None:
        """The keys of a disabled plugin, so a setting for it is not called a typo."""
        schema = getattr(plugin, "taskflow_config_schema", None)
        with contextlib.suppress(Exception):
            for field in getattr(schema(), "__dataclass_fields__", {}) if schema else ():
                self.dormant_keys[field] = name

    # ------------------------------------------------------------ calling
    def only(self, info: plugins.PluginInfo, hook_name: str) -> Any:
        """A caller of ``hook_name`` that reaches just this plugin."""
        others = [i.plugin for i in self.infos if i is not info]
        return self.pm.subset_hook_caller(hook_name, remove_plugins=others)

    def call(self, hook_name: str, **kwargs: Any) -> Any:
        """``hook.<hook_name>(**kwargs)`` without pluggy's dispatch (see ``TaskFlow.call``)."""
        plain = self._plain.get(hook_name, _UNSEEN)
        if plain is _UNSEEN:
            plain = self._plain[hook_name] = self._plain_impls(hook_name)
        if plain is None:
            return getattr(self.hook, hook_name)(**kwargs)
        firstresult, impls = plain
        results = []
        for function, argnames in impls:
            result = function(*[kwargs[name] for name in argnames])
            if result is not None:
                if firstresult:
                    return result
                results.append(result)
        return None if firstresult else results

    def _plain_impls(self, hook_name: str) -> tuple[bool, list[tuple[Any, list[str]]]] | None:
        caller = getattr(self.hook, hook_name)
        impls = caller.get_hookimpls()
        if self.traced or any(i.hookwrapper or i.wrapper for i in impls):
            return None
        firstresult = bool(caller.spec and caller.spec.opts.get("firstresult"))
        return firstresult, [(i.function, i.argnames) for i in reversed(impls)]  # pluggy's order

    def implemented(self, hook_name: str, besides_core: bool = False) -> bool:
        """Whether any plugin (other than core) implements ``hook_name`` (cached)."""
        key = (hook_name, besides_core)
        known = self._impls.get(key)
        if known is None:
            known = self._impls[key] = any(
                not besides_core or impl.plugin_name != "core"
                for impl in getattr(self.hook, hook_name).get_hookimpls())
        return known

    def isolated(self, hook_name: str) -> list[tuple[str, Any]]:
        """``(plugin name, call(**kwargs))`` per implementation of ``hook_name``, in
        pluggy's order (cached): for hooks whose implementations fail one by one."""
        callers = self._isolated_callers.get(hook_name)
        if callers is None:
            impls = getattr(self.hook, hook_name).get_hookimpls()
            callers = self._isolated_callers[hook_name] = [
                (impl.plugin_name, self._one_impl(hook_name, impl, impls))
                for impl in reversed(impls)]
        return callers

    def _one_impl(self, hook_name: str, impl: Any, impls: list[Any]) -> Any:
        if self.traced or impl.hookwrapper or impl.wrapper:  # pluggy traces, runs wrappers
            return self.pm.subset_hook_caller(
                hook_name, remove_plugins=[i.plugin for i in impls if i is not impl])
        function, argnames = impl.function, impl.argnames
        return lambda **kwargs: function(*[kwargs[name] for name in argnames])


def _origin(plugin: Any) -> str:
    kind = plugin if isinstance(plugin, type) else type(plugin)
    return f"{kind.__module__}.{kind.__qualname__}"


def _core_version() -> str:
    from . import __version__

    return __version__
