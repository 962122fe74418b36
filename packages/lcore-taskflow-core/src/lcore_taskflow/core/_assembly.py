"""Assembling plugins into a kernel: all or nothing, and nothing silently.

For each batch of plugins (the ones found at install, or one added later)
the kernel validates their configuration, applies their migrations, asks
every assembly hook for its contribution, checks the lot (routes declare
their protection and collide with nothing, hooks exist, features exist) and
only then changes the app.  If any step fails, every change is undone and
the plugins are unregistered: a failed install leaves nothing behind.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from lcore import HTTPError, Route, Router, redirect, request

from . import _compat, _routing
from . import _plugins as plugins
from ._access import rule_of
from ._openapi import check_declaration
from ._pipeline import ALL, body_limit_of
from .events import Event

log = logging.getLogger("lcore_taskflow")
_PLACEHOLDER = re.compile(r"<[^<>:]*(?::([^<>:]*)(:[^<>]*)?)?>")


class RouteCollision(plugins.PluginCheckError):
    """Two routes answer the same method and path; the message names both."""


def route_key(method: str, rule: str) -> tuple[str, str]:
    """``(method, rule)`` with placeholder names dropped: ``<id:int>`` ≡ ``<pid:int>``."""
    return method, _PLACEHOLDER.sub(lambda m: f"<{m.group(1) or 're'}{m.group(2) or ''}>", rule)


def describe(route: Route) -> str:
    callback = getattr(route.callback, "__wrapped__", route.callback)
    where = f"{getattr(callback, '__module__', '?')}:{getattr(callback, '__qualname__', '?')}"
    return f"{route.method} {route.rule} ({where})"


@dataclass
class Contributions:
    """What one batch of plugins adds, kept so it can be taken back."""

    routes: list[tuple[str, Route, str, str]] = field(default_factory=list)
    replaced: list[Route] = field(default_factory=list)
    middleware: list[Any] = field(default_factory=list)
    route_plugins: list[Any] = field(default_factory=list)
    dependencies: list[tuple[str, Any, str]] = field(default_factory=list)
    filters: list[tuple[str, Any]] = field(default_factory=list)      # (plugin, TaskFilter)
    task_fields: list[tuple[str, str]] = field(default_factory=list)  # (plugin, field name)
    ui_modules: list[Any] = field(default_factory=list)
    event_types: list[type[Event]] = field(default_factory=list)
    applied: bool = False


class Assembly:
    """The assembly steps of one kernel and the route bookkeeping they need."""

    def __init__(self, kernel):
        self.kernel = kernel
        self.owners: dict[Route, str] = {}
        self.mounts: dict[Route, str] = {}
        self.miss_route: Route | None = None
        self._mounts: tuple[str, ...] = ()
        self._root = Router()

    # ------------------------------------------------------------- steps
    def run(self, batch: list[plugins.PluginInfo], *, first_time: bool) -> None:
        kernel = self.kernel
        saved = (kernel.configuration.snapshot(), kernel.config)
        added = Contributions()
        try:
            self._configure(batch)
            if first_time:
                kernel.open_database()
            kernel.migrate(batch)
            if first_time:
                kernel.seed_if_empty()
            self._collect(batch, added)
            self._check(added)
            self._apply(added)
            plugins.check_hooks(kernel.pm)
            self._check_features()
            for info in batch:
                kernel.only(info, "taskflow_startup")(kernel=kernel)
        except BaseException:
            self._undo(batch, added, saved, first_time)
            raise

    def _configure(self, batch) -> None:
        kernel = self.kernel
        for info in batch:
            kernel.configuration.add_schemas(info.name,
                                             kernel.only(info, "taskflow_config_schema")())
        kernel.config = kernel.configuration.build()
        kernel.runtime_settings.invalidate()  # stored runtime values apply again
        if kernel.app.__dict__.get("taskflow") in (None, kernel):
            # The settings, secrets redacted, under Lcore's config namespace "taskflow."
            kernel.app.config.update("taskflow", dict(kernel.config.redacted()))
        kernel.trusted_proxies = frozenset(kernel.config.trusted_proxies)
        kernel.host_features = frozenset(kernel.config.host_features)

    def _collect(self, batch, added: Contributions) -> None:
        kernel = self.kernel
        for info in batch:
            def each(hook, info=info, **kw):
                for result in kernel.only(info, hook)(**kw):
                    yield from result or ()

            added.event_types += list(each("taskflow_event_types"))
            for mount, subapp in each("taskflow_mounts", kernel=kernel):
                base = "" if mount == "/" else f"{kernel.prefix}/{mount.strip('/')}/"
                for route in subapp.routes:
                    _compat.plain_callback_lookup(route)  # even repr(route) loops without it
                    rule = (base + route.rule.lstrip("/")) if base else kernel.prefix + route.rule
                    added.routes.append((info.name, route, rule, base))
            added.middleware += list(each("taskflow_middleware", kernel=kernel))
            added.route_plugins += list(each("taskflow_route_plugins", kernel=kernel))
            added.dependencies += list(each("taskflow_dependencies", kernel=kernel))
            added.filters += [(info.name, f) for f in each("taskflow_task_filters",
                                                              kernel=kernel)]
            fields = list(each("taskflow_task_fields", kernel=kernel))
            if any(not isinstance(name, str) for name in fields):
                raise plugins.PluginCheckError(
                    f"plugin {info.name}: taskflow_task_fields must return a list of field "
                    f"names, not {fields!r}")
            added.task_fields += [(info.name, name) for name in fields]
            if kernel.plugin("ui") is not None or info.name == "ui":
                added.ui_modules += list(each("taskflow_ui_modules", kernel=kernel))

    # ------------------------------------------------------------ checks
    def _check(self, added: Contributions) -> None:
        kernel, app = self.kernel, self.kernel.app
        for cls in added.event_types:
            known = kernel.dispatch.types.get(cls.type)
            if known is not None and known is not cls:
                raise plugins.PluginCheckError(
                    f"event type {cls.type!r} is declared twice: by "
                    f"{known.__module__}.{known.__qualname__} and {cls.__module__}."
                    f"{cls.__qualname__}")
        self._check_task_extensions(added)
        taken = {route_key(r.method, r.rule): r for r in app.routes}
        owners = dict(self.owners)
        replacing: dict[Route, Route] = {}  # a route with overrides=True -> the one it replaces
        for owner, route, rule, _ in added.routes:
            where = f"plugin {owner}: route {route.method} {rule}"
            if "auth" not in route.config:
                raise plugins.PluginCheckError(
                    f"{where} declares no protection: add auth=False (public), auth=True, "
                    "auth='admin' or auth='<action>' to the route")
            try:
                declared = rule_of(route.config)
                check_declaration(route.config)
                body_limit_of(route.config)
                if declared and declared.role and f"<{declared.project_arg}" not in rule:
                    raise ValueError(f"role={declared.role!r} needs the project id in the "
                                     f"path as <{declared.project_arg}:int> (or name the "
                                     "argument with project_arg=)")
            except ValueError as exc:
                raise plugins.PluginCheckError(f"{where}: {exc}") from None
            key = route_key(route.method, rule)
            other = taken.get(key)
            if other is not None:
                mine = other in owners
                if not (mine and route.config.get("overrides")):
                    whose = (f"plugin {owners[other]}'s route" if mine
                             else "the host's route")
                    hint = ("declare overrides=True to replace it" if mine else
                            "put TaskFlow under a prefix (APP_MOUNT_PREFIX=/pm) or move "
                            "the host's route")
                    raise RouteCollision(f"{where} collides with {whose} {describe(other)}: "
                                         f"{hint}")
                replacing[route] = other
                if other in self.owners:
                    added.replaced.append(other)
            taken[key] = route
            owners[route] = owner
        self._check_route_names(added, owners, replacing)
        for name, _, _ in added.dependencies:
            if app._dependencies is not None and name in app._dependencies:
                raise plugins.PluginCheckError(
                    f"dependency ctx.{name} is already registered in this app; a plugin "
                    "cannot replace it")

    def _check_route_names(self, added: Contributions, owners: dict[Route, str],
                           replacing: dict[Route, Route]) -> None:
        """Refuse two routes of one name: Lcore keeps the last one, so the URL
        built for that name (``app.get_url``) would lead to the other route."""
        kernel, app = self.kernel, self.kernel.app
        named: dict[str, tuple[Route, str]] = {}
        replaced = set(added.replaced)
        for route in app.routes:
            if route.name and route not in replaced and not _owned_by_another(app, kernel,
                                                                                 route):
                named[route.name] = (route, route.rule)
        for owner, route, rule, _ in added.routes:
            if not route.name:
                continue
            other = named.get(route.name)
            if other is not None and other[0] is not replacing.get(route):
                whose = (f"plugin {owners[other[0]]}'s" if other[0] in owners
                         else "the host's")
                raise plugins.PluginCheckError(
                    f"plugin {owner}: route {route.method} {rule} is named {route.name!r}, "
                    f"like {whose} route {other[0].method} {other[1]}; route names must be "
                    f"unique (app.get_url({route.name!r}) finds one route): rename one, "
                    f"e.g. {owner}_{route.name}")
            named[route.name] = (route, rule)

    def _check_task_extensions(self, added: Contributions) -> None:
        """One owner per task filter parameter and per task field, never core's own."""
        from ._api.tasks import CORE_TASK_FIELDS, CORE_TASK_PARAMETERS

        kernel = self.kernel
        params = dict(kernel.task_filter_owners)
        for owner, task_filter in added.filters:
            param = getattr(task_filter, "param", None)
            if param in CORE_TASK_PARAMETERS:
                raise plugins.PluginCheckError(
                    f"plugin {owner}: task filter {param!r} is core's own query parameter "
                    "of the task list: name it after your plugin")
            if param in params:
                raise plugins.PluginCheckError(
                    f"plugin {owner}: task filter {param!r} is already plugin "
                    f"{params[param]}'s: name it after your plugin")
            params[param] = owner
        fields = dict(kernel.task_fields)
        for owner, name in added.task_fields:
            if name in CORE_TASK_FIELDS:
                raise plugins.PluginCheckError(
                    f"plugin {owner}: task field {name!r} is core's own: name yours after "
                    "your plugin")
            if fields.get(name, owner) != owner:
                raise plugins.PluginCheckError(
                    f"plugin {owner}: task field {name!r} is already plugin {fields[name]}'s: "
                    "name yours after your plugin")
            fields[name] = owner

    def check_host_route(self, route: Route) -> None:
        """Refuse a host route (added after TaskFlow) that would replace one of TaskFlow's."""
        key = route_key(route.method, route.rule)
        for mine in self.owners:
            if route_key(mine.method, mine.rule) == key:
                raise RouteCollision(
                    f"the host's route {describe(route)} collides with TaskFlow's route "
                    f"{describe(mine)} (plugin {self.owners[mine]}): put TaskFlow under a "
                    "prefix (APP_MOUNT_PREFIX=/pm) or move the host's route")

    def _check_features(self) -> None:
        kernel = self.kernel
        valid = [ALL, *kernel.pipeline.names()]
        unknown = sorted(kernel.host_features - set(valid))
        if unknown:
            raise plugins.PluginCheckError(
                f"host_features: unknown feature {', '.join(map(repr, unknown))} "
                f"(choose from {', '.join(valid)})")

    # ------------------------------------------------------------- apply
    def _apply(self, added: Contributions) -> None:
        kernel, app = self.kernel, self.kernel.app
        added.applied = True
        add_route = _guard_host_routes(app)
        for old in added.replaced:
            app.routes.remove(old)
            kernel.disown(old)
            self.owners.pop(old, None)
            self.mounts.pop(old, None)
        for owner, route, rule, mount in added.routes:
            _compat.rebind(route, app, rule)
            route.callback = _compat.sync_callback(route.callback)
            kernel.own(route)
            self.owners[route] = owner
            self.mounts[route] = mount
            add_route(route)
        if added.replaced:
            _compat.rebuild_router(app)
        kernel.pipeline.add(added.middleware, added.route_plugins)
        for name, factory, lifetime in added.dependencies:
            app.inject(name, factory, lifetime=lifetime)
        kernel.task_filters += [f for _, f in added.filters]
        kernel.task_filter_owners.update({f.param: owner for owner, f in added.filters})
        kernel.task_fields.update({name: owner for owner, name in added.task_fields})
        kernel.ui_modules += added.ui_modules
        kernel.dispatch.types.update({cls.type: cls for cls in added.event_types})
        if self.miss_route is None:
            self.miss_route = Route(app, "/<:re:.*>", "ANY", _answer_miss,
                                    name=f"{kernel.name}_miss", auth=False)
            kernel.own(self.miss_route)
        self._index()
        app.reset()

    def _undo(self, batch, added: Contributions, saved, first_time: bool) -> None:
        kernel, app = self.kernel, self.kernel.app
        kernel.registry.unregister(batch)
        kernel.configuration.restore(saved[0])
        kernel.config = saved[1]
        if added.applied:
            ours = {route for _, route, _, _ in added.routes}
            app.routes[:] = [r for r in app.routes if r not in ours] + [
                r for r in added.replaced if r not in app.routes]
            for route in ours:
                kernel.disown(route)
                self.owners.pop(route, None)
                self.mounts.pop(route, None)
            _compat.rebuild_router(app)
            kernel.pipeline.remove(added.middleware, added.route_plugins)
            for name, _, _ in added.dependencies:
                _compat.uninject(app, name)
            mine = [f for _, f in added.filters]
            kernel.task_filters = [f for f in kernel.task_filters if f not in mine]
            for _, f in added.filters:
                kernel.task_filter_owners.pop(f.param, None)
            for _, name in added.task_fields:
                kernel.task_fields.pop(name, None)
            kernel.ui_modules = [m for m in kernel.ui_modules if m not in added.ui_modules]
            for cls in added.event_types:
                kernel.dispatch.types.pop(cls.type, None)
            self._index()
            app.reset()
        if first_time and kernel.pool is not None:
            kernel.connections.close()
            kernel.pool = None

    # ------------------------------------------------------- path claims
    def _index(self) -> None:
        """Which missed paths are TaskFlow's: its mount prefixes and root-level rules."""
        root = Router()
        for route, mount in self.mounts.items():
            if not mount:
                root.add(route.rule, "GET", route)
        self._mounts = tuple(sorted({m for m in self.mounts.values() if m}))
        self._root = root

    def claims(self, path: str) -> bool:
        if self._mounts and path.startswith(self._mounts):
            return True
        try:
            self._root.match({"REQUEST_METHOD": "GET", "PATH_INFO": path})
        except HTTPError:
            return False
        return True


def _owned_by_another(app, kernel, route: Route) -> bool:
    """Whether ``route`` belongs to another TaskFlow kernel of ``app`` (another prefix):
    each kernel has core's route names, and each is refused only within itself."""
    return any(k is not kernel and k.owns(route) for k in _routing.kernels_of(app))


def _answer_miss():
    """404/405 as JSON; a GET that only missed a route by its trailing slash is sent
    there (308: the method stays), with its query."""
    environ = request.environ
    twin = environ.get("taskflow.slash_twin")
    if twin:
        query = environ.get("QUERY_STRING")
        redirect(environ.get("SCRIPT_NAME", "").rstrip("/") + twin + (f"?{query}" if query else ""),
                 308)
    raise environ["taskflow.miss"]


def _guard_host_routes(app):
    """``app.add_route`` that refuses host routes colliding with TaskFlow's.

    Lcore's router silently replaces a route of the same method and path, so
    a host route added after TaskFlow would hide one of TaskFlow's (or the
    reverse).  Returns the unguarded ``add_route`` for the kernel's own use.
    """
    original = app.__dict__.get("_taskflow_add_route")
    if original is not None:
        return original
    original = app.add_route

    def add_route(route):
        for kernel in _routing.kernels_of(app):
            kernel.assembly.check_host_route(route)
        return original(route)

    app._taskflow_add_route = original
    app.add_route = add_route
    return original
