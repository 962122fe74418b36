"""The kernel: an Lcore plugin that assembles TaskFlow plugins into an app.

``app.install(TaskFlow(...))`` validates the configuration, opens the
database and applies migrations, then mounts every plugin's routes and
composes TaskFlow's pipeline for them (``_pipeline.py``).  ``create_app()``
does the same for a fresh Lcore app that belongs to TaskFlow, with
entry-point discovery.

``TaskFlow`` is a thin front: the API plugins call, each method handed to the
part that holds it — the plugin registry and hook calls (``_registry.py``),
assembly (``_assembly.py``), configuration (``_configuration.py``), the
database (``_connections.py``, ``_provision.py``), access (``_guard.py``),
events (``_dispatch.py``), routes (``_routing.py``) and limits
(``_ratelimit.py``).  The request-time half of its API is ``_kernel_api.py``.

What the kernel does to a host app it did not create: it adds TaskFlow's
routes (refusing any that collide with the host's), wraps those routes —
and host routes only where the host asks (``auth=``, ``APP_PROTECTED_PATHS``,
``APP_HOST_FEATURES``) — and nothing else.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from lcore import Lcore, PluginError, Route

from . import _compat, _provision
from . import _config as cfg
from . import _plugins as plugins
from ._assembly import Assembly, RouteCollision
from ._configuration import Configuration
from ._connections import Connections
from ._content import Content
from ._db import OperationalError, Pool
from ._directory import Tasks, Users
from ._dispatch import Dispatch
from ._errors import install_error_handlers
from ._guard import Guard
from ._kernel_api import ServingAPI
from ._lifecycle import install_lifecycle_hooks
from ._pipeline import ALL, Pipeline
from ._plugin import CorePlugin
from ._provision import ANNOUNCE_EMPTY, Migration
from ._ratelimit import Limits
from ._registry import Registry
from ._routing import Routing, kernels_of, owned_elsewhere
from ._scoped import Scopes
from ._search import Search
from ._settings import RuntimeSettings
from ._storage import LocalStorage

log = logging.getLogger("lcore_taskflow")


class TaskFlow(ServingAPI):
    """The TaskFlow kernel, installed into an Lcore app as a plugin.

    :param config: settings that override the defaults (lowest precedence
        after them: the ``.env`` file and ``APP_*`` variables still win).
    :param plugins: plugin objects to register explicitly.
    :param discover: also load the plugins installed under the
        ``lcore_taskflow.plugins`` entry-point group.
    :param environ: where ``APP_*`` variables are read (``os.environ`` by
        default; pass ``{}`` to ignore the environment).
    :param dotenv: path of the ``.env`` file (``./.env`` by default).
    :param prefix: put every TaskFlow route under this path (``"/pm"``);
        ``APP_MOUNT_PREFIX`` when not given.
    :param owns_app: the app belongs to TaskFlow (``create_app`` sets it):
        TaskFlow's error pages, lifecycle hooks and DI names apply site-wide.

    Every hook receives this object as ``kernel``.  Besides the methods
    below, a plugin reads these attributes: ``app`` (the Lcore app),
    ``config`` (the validated settings, its own included), ``users``,
    ``tasks``, ``content`` and ``limits`` (below), ``storage`` (the upload directory),
    ``hook`` (pluggy's hook relay: ``kernel.hook.<your_hook>(...)`` for hooks
    of your own), ``pm`` (the plugin manager), ``infos`` (the assembled
    plugins), ``prefix`` (the mount prefix), ``task_filters`` (every
    plugin's ``TaskFilter``; ``task_filter_owners`` maps each ``param`` to its
    plugin), ``task_fields`` (field name -> plugin), ``ui_modules``, ``scopes``
    (which project-scoped plugin is on in which project: ``names()``,
    ``enabled(project_id)``, ``applies(plugin, project_id)``).
    """

    api = 2

    def __init__(self, config: Mapping[str, Any] | None = None, *, plugins: Iterable[Any] = (),
                 discover: bool = False, environ: Mapping[str, str] | None = None,
                 dotenv: str | os.PathLike | None = ".env", prefix: str | None = None,
                 owns_app: bool = False):
        overrides = dict(config or {})
        if prefix is not None:
            overrides["mount_prefix"] = prefix
        #: where each setting comes from, and the plugins' schemas
        self.configuration = Configuration(
            overrides, dotenv, os.environ if environ is None else environ)
        self._explicit = list(plugins)
        self._discover = discover
        self.owns_app = owns_app
        self.app: Lcore | None = None
        self.config = cfg.Settings()
        self.pool: Pool | None = None
        self.storage: LocalStorage | None = None
        self.prefix = ""
        self.trusted_proxies: frozenset[str] = frozenset()
        self.host_features: frozenset[str] = frozenset()
        self.task_filters: list[Any] = []
        #: ``param -> plugin name`` of every task filter; ``field -> plugin name``
        #: of every task field (``taskflow_task_filters`` / ``taskflow_task_fields``)
        self.task_filter_owners: dict[str, str] = {}
        self.task_fields: dict[str, str] = {}
        self.ui_modules: list[Any] = []
        self._start_parts()
        self._executor: ThreadPoolExecutor | None = None
        self._closed = False

    def _start_parts(self) -> None:
        """The parts the front hands its work to, and the services plugins read."""
        self.registry = Registry(self)
        self.infos = self.registry.infos
        self.connections = Connections(self)
        self.guard = Guard(self)
        self.dispatch = Dispatch(self)
        self.routing = Routing(self)
        self.pipeline = Pipeline(self)
        self.users = Users(self)
        self.tasks = Tasks(self)
        self.search = Search(self)
        self.content = Content(self)
        #: which project-scoped plugin is on in which project (``_scoped.py``)
        self.scopes = Scopes(self)
        self.limits = Limits()
        #: settings changed from the plugins screen (``_settings.py``)
        self.runtime_settings = RuntimeSettings(self)
        self.assembly = Assembly(self)

    @property
    def name(self) -> str:
        """Lcore's route-plugin name: unique per kernel, so two kernels both apply."""
        return f"taskflow{self.prefix}"

    # ------------------------------------------------------------ install
    def setup(self, app: Lcore) -> None:
        """Lcore calls this on ``app.install(kernel)``: assemble every plugin into ``app``."""
        first = getattr(app, "taskflow", None) is None
        prefix = self.configuration.mount_prefix()
        if any(other.prefix == prefix for other in kernels_of(app)):
            raise PluginError(f"a TaskFlow kernel is already installed in this app at "
                              f"prefix {prefix or '/'!r}; give this one another "
                              "prefix (TaskFlow(prefix=...))")
        core_settings = self.configuration.core()
        self.prefix = core_settings.mount_prefix.rstrip("/")
        self.app = app
        self.registry.start(core_settings)
        self.pm, self.hook = self.registry.pm, self.registry.hook
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="taskflow-q")
        try:
            batch = self.registry.register_all(CorePlugin(), core_settings, self._explicit,
                                               self._discover)
            self.assembly.run(batch, first_time=True)
        except BaseException as exc:
            self._executor.shutdown(wait=False)
            # a database that cannot serve: one line for whoever starts the server
            problem = (self.connections.unavailable(exc)
                       if isinstance(exc, OperationalError) else None)
            if problem is None:
                raise
            raise problem from exc
        app.__dict__.setdefault("taskflow_kernels", []).append(self)
        if first:
            app.taskflow = self
        _compat.route_misses(app, self.routing.resolve_miss)
        miss_route = self.assembly.miss_route
        assert miss_route is not None  # the first assembly made it
        app.add_hook("app_reset", miss_route.reset)
        if self.owns_app:
            install_lifecycle_hooks(app)
        if self.owns_app or self.host_features & {ALL, "errors"}:
            install_error_handlers(app, self)
        for message in self.configuration.unknown_keys(self.config,
                                                       self.registry.dormant_keys):
            log.warning("configuration: %s", message)

    def apply(self, callback, route):
        """Wrap TaskFlow's routes in its pipeline; host routes only where asked."""
        if self.owns(route):
            return self.pipeline.wrap(callback, route)
        if getattr(self.app, "taskflow", None) is not self or owned_elsewhere(self.app, route):
            return callback  # a host route is the first kernel's to guard
        protect = self.routing.protected(route.rule)
        if not (self.host_features or protect or "auth" in route.config):
            return callback
        return self.pipeline.wrap(callback, route, self.host_features, protect)

    def close(self) -> None:
        """Stop background work (``taskflow_shutdown``) and close the pool."""
        if self._closed:
            return
        self._closed = True
        self.hook.taskflow_shutdown(kernel=self)
        if self._executor:
            self._executor.shutdown(wait=True)
        self.limits.close()
        self.connections.close()

    def add(self, plugin: Any, name: str | None = None, version: str | None = None,
            config: Mapping[str, Any] | None = None) -> Any:
        """Register and assemble one more plugin into an installed kernel.

        ``config`` (from a feature package's installable object) is merged
        into the configuration; a value that contradicts one already in use
        is refused.  If anything fails, nothing of the plugin stays.
        """
        if config:
            owner = plugins.plugin_name(plugin) if name is None else name
            self.configuration.merge(config, owner, self.config)
        info = self.registry.register(plugin, name, "installed", version)
        self.assembly.run([info], first_time=False)
        return plugin

    @classmethod
    def of(cls, app: Lcore, **options: Any) -> TaskFlow:
        """The kernel installed in ``app``, installing one first if needed."""
        kernel = getattr(app, "taskflow", None)
        if kernel is None:
            kernel = cls(**options)
            app.install(kernel)
        return kernel

    @property
    def executor(self) -> ThreadPoolExecutor:
        """A small shared pool for concurrent queries (the async dashboard)."""
        return cast(ThreadPoolExecutor, self._executor)  # None only before setup

    def only(self, info: plugins.PluginInfo, hook_name: str):
        """A caller of ``hook_name`` that reaches just this plugin."""
        return self.registry.only(info, hook_name)

    # ------------------------------------------------------------ routes
    def own(self, route: Route) -> None:
        """Mark ``route`` as TaskFlow's (assembly does it): the pipeline wraps it."""
        self.routing.own(route)

    def disown(self, route: Route) -> None:
        """Forget that ``route`` is TaskFlow's (a failed or replaced contribution)."""
        self.routing.disown(route)

    def owns_path(self, path: str) -> bool:
        """Whether a missed ``path`` is TaskFlow's (answered by its 404/405)."""
        return self.routing.owns_path(path)

    # ---------------------------------------------------------- database
    def open_database(self) -> None:
        """Open the connection pool and the upload storage (the first assembly does it)."""
        self.connections.open()

    def migrate(self, batch=None) -> list[Migration]:
        """Apply the pending migrations of ``batch`` (default: every plugin).

        Each plugin's migrations are recorded under its own name (its
        namespace): a namespace that is not the plugin's name, ``core`` for any
        plugin but core, or one another plugin already claimed stops start-up
        before anything is applied.
        """
        return _provision.migrate(self, batch)

    @property
    def seed_demo(self) -> bool:
        """``APP_SEED_DEMO``; by default on in debug mode, off otherwise."""
        return _provision.seed_demo(self.config)

    def seed_if_empty(self, **options: Any) -> bool:
        """Demo data into an empty database when ``seed_demo``; else say how to begin."""
        return _provision.seed_if_empty(self, **options)

    # ------------------------------------------------------ introspection
    def plugin_list(self) -> list[dict[str, str]]:
        """``[{"name", "version"}]`` of the assembled plugins (what ``/health`` shows)."""
        return [{"name": i.name, "version": i.version} for i in self.infos]


def create_app(config: Mapping[str, Any] | None = None, *, plugins: Iterable[Any] = (),
               discover: bool = True, environ: Mapping[str, str] | None = None,
               dotenv: str | os.PathLike | None = ".env", prefix: str | None = None) -> Lcore:
    """A new Lcore app that belongs to TaskFlow, with (by default) every installed plugin.

    Because the app is TaskFlow's own, every TaskFlow feature applies to all
    of it (``host_features`` defaults to ``all``; pass another value to narrow
    it) and the seed's ``/old-api`` redirect is on.

    Called without arguments it is the WSGI app factory of an installed
    TaskFlow: ``gunicorn 'lcore_taskflow.core:create_app()'`` or
    ``waitress-serve --call lcore_taskflow.core:create_app`` serve every
    installed plugin with the configuration of the environment.  The default
    ``dotenv`` is ``$TASKFLOW_ENV_FILE`` when that is set (as for the
    ``taskflow`` command), else ``./.env``.
    """
    if dotenv == ".env":
        dotenv = cfg.default_env_file(os.environ if environ is None else environ)
    settings = {"host_features": [ALL], "old_api_redirect": True, **dict(config or {})}
    app = Lcore()
    app.install(TaskFlow(settings, plugins=plugins, discover=discover, environ=environ,
                         dotenv=dotenv, prefix=prefix, owns_app=True))
    return app


__all__ = ["ANNOUNCE_EMPTY", "RouteCollision", "TaskFlow", "create_app", "kernels_of"]
