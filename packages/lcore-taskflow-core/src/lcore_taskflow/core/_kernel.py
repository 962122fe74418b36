"""The kernel: an Lcore plugin that assembles TaskFlow plugins into an app.

``app.install(TaskFlow(...))`` validates the configuration, opens the
database and applies migrations, then mounts every plugin's routes and
installs its middleware, route plugins and dependencies.  ``create_app()``
does the same for a fresh Lcore app with entry-point discovery.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lcore import (
    CORSMiddleware,
    Lcore,
    PluginError,
    SecurityHeadersMiddleware,
    ctx,
    request,
    response,
)

from . import _config as cfg
from . import _migrate as migrations
from . import _plugins as plugins
from ._db import Database, Pool, open_pool, sqlite_url
from ._errors import ApiError, ErrorShield, install_error_handlers, route_misses_through_pipeline
from ._lifecycle import install_lifecycle_hooks
from ._middleware import stamp_missing_headers
from ._ratelimit import quiet_loopback_warning
from .events import Event

log = logging.getLogger("lcore_taskflow")

PERMISSION_MESSAGES = {
    "users:update": "Admin access required or can only update own profile",
}


class TaskFlow:
    """The TaskFlow kernel, installed into an Lcore app as a plugin.

    :param config: settings that override the defaults (lowest precedence
        after them: the ``.env`` file and ``APP_*`` variables still win).
    :param plugins: plugin objects to register explicitly.
    :param discover: also load the plugins installed under the
        ``lcore_taskflow.plugins`` entry-point group.
    :param environ: where ``APP_*`` variables are read (``os.environ`` by
        default; pass ``{}`` to ignore the environment).
    :param dotenv: path of the ``.env`` file (``./.env`` by default).
    """

    name = "taskflow"
    api = 2

    def __init__(self, config: Mapping[str, Any] | None = None, *, plugins: Iterable[Any] = (),
                 discover: bool = False, environ: Mapping[str, str] | None = None,
                 dotenv: str | os.PathLike | None = ".env"):
        self._overrides = dict(config or {})
        self._explicit = list(plugins)
        self._discover = discover
        self._sources = cfg.gather_sources(
            self._overrides, dotenv, os.environ if environ is None else environ)
        self.app: Lcore | None = None
        self.config = cfg.Settings()
        self.infos: list[plugins.PluginInfo] = []
        self.pool: Pool | None = None
        self._schemas: list[tuple[str, type]] = []
        self._subapps: list[Lcore] = []
        self._security: SecurityHeadersMiddleware | None = None
        self._cors: CORSMiddleware | None = None
        self._closed = False
        self._callers: list[tuple[str, Any]] | None = None
        self._serving = threading.local()
        self._executor: ThreadPoolExecutor | None = None

    # ------------------------------------------------------------ install
    def setup(self, app: Lcore) -> None:
        if getattr(app, "taskflow", None) is not None:
            raise PluginError("a TaskFlow kernel is already installed in this app")
        self.app = app
        app.taskflow = self
        core_settings = cfg.build_settings([("core", cfg.CoreConfig)], self._sources)
        self.pm = plugins.new_manager(trace=core_settings.trace_hooks)
        self.hook = self.pm.hook
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="taskflow-q")
        from ._plugin import CorePlugin

        batch = [self._register(CorePlugin(), "core", "builtin")]
        for plugin in self._explicit:
            batch.append(self._register(plugin, source="explicit"))
        if self._discover:
            batch += self._discover_plugins(core_settings)
        self._shield = app.install(ErrorShield())
        quiet_loopback_warning()
        route_misses_through_pipeline(app)
        install_error_handlers(app, self)
        app.add_hook("app_reset", self._share_host_plugins)
        app.add_hook("on_request_start", self._track_request(True))
        app.add_hook("on_response_send", self._track_request(False))
        install_lifecycle_hooks(app, also_after_request=self._after_request)
        self._assemble([info for info in batch if info is not None])

    def apply(self, callback, route):
        return callback

    def close(self) -> None:
        """Stop background work (``taskflow_shutdown``) and close the pool."""
        if self._closed:
            return
        self._closed = True
        self.hook.taskflow_shutdown(kernel=self)
        if self._executor:
            self._executor.shutdown(wait=True)
        if self.pool:
            self.pool.close()

    def add(self, plugin: Any, name: str | None = None, version: str | None = None) -> Any:
        """Register and assemble one more plugin into an installed kernel.

        This is what the feature packages' installable objects call from a
        foreign app's ``app.install(...)``.
        """
        info = self._register(plugin, name, "installed", version)
        if info is not None:
            self._assemble([info])
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
        return self._executor

    # ----------------------------------------------------------- plugins
    def _register(self, plugin: Any, name: str | None = None, source: str = "explicit",
                  version: str | None = None) -> plugins.PluginInfo | None:
        name = name or plugins.plugin_name(plugin)
        if self.pm.has_plugin(name):
            log.debug("plugin %s is already registered", name)
            return None
        self.pm.register(plugin, name=name)
        self._callers = None
        info = plugins.PluginInfo(name, version or plugins.plugin_version(plugin), source, plugin)
        self.infos.append(info)
        return info

    def _discover_plugins(self, core_settings) -> list[plugins.PluginInfo | None]:
        enabled, disabled = core_settings.plugins_enabled, core_settings.plugins_disabled
        found = plugins.discover()
        known = {name for name, *_ in found} | {"core"}  # core is built in
        for name in set(enabled) | set(disabled):
            if name not in known:
                log.warning("plugin %r named in the configuration is not installed", name)
        batch = []
        for name, version, source, load in found:
            if plugins.selected(name, enabled, disabled):
                batch.append(self._register(plugins.instantiate(load()), name, source, version))
            else:
                log.info("plugin %s disabled by configuration", name)
        return batch

    def _only(self, info: plugins.PluginInfo, hook_name: str):
        """A caller of ``hook_name`` that reaches just this plugin."""
        others = [i.plugin for i in self.infos if i is not info]
        return self.pm.subset_hook_caller(hook_name, remove_plugins=others)

    def plugin(self, name: str) -> Any:
        return self.pm.get_plugin(name)

    # ---------------------------------------------------------- assembly
    def _assemble(self, batch: list[plugins.PluginInfo]) -> None:
        for info in batch:
            schema = self._only(info, "taskflow_config_schema")()
            self._schemas += [(info.name, s) for s in schema if s is not None]
        self.config = cfg.build_settings(self._schemas, self._sources)
        self.app.config.update("taskflow", dict(self.config.redacted()))
        first = self.pool is None
        if first:
            self._open_database()
        try:
            self.migrate(batch)
            if first and self.config.seed_on_empty:
                self.seed_if_empty()
        except Exception:
            if first:  # a failed start-up must not leak the pool or its threads
                self.pool.close()
                self._executor.shutdown(wait=False)
            raise
        for info in batch:
            self._contribute(info)
        for info in batch:
            self._only(info, "taskflow_startup")(kernel=self)

    def _contribute(self, info: plugins.PluginInfo) -> None:
        app = self.app
        for mounts in self._only(info, "taskflow_mounts")(kernel=self):
            for prefix, subapp in mounts or ():
                self.mount(prefix, subapp)
        for stack in self._only(info, "taskflow_middleware")(kernel=self):
            for mw in stack or ():
                if isinstance(mw, SecurityHeadersMiddleware):
                    self._security = mw
                elif isinstance(mw, CORSMiddleware):
                    self._cors = mw
                app.use(mw)
        for route_plugins in self._only(info, "taskflow_route_plugins")(kernel=self):
            for rp in route_plugins or ():
                app.install(rp)
        for deps in self._only(info, "taskflow_dependencies")(kernel=self):
            for name, factory, lifetime in deps or ():
                app.inject(name, factory, lifetime=lifetime)

    def mount(self, prefix: str, subapp: Lcore) -> None:
        """Mount ``subapp`` (``"/"`` merges its routes at the root)."""
        for route in subapp.routes:
            _plain_callback_lookup(route)
        if prefix == "/":
            for route in subapp.routes:
                self.app.add_route(route)
        else:
            self.app.mount(prefix, subapp)
        self._subapps.append(subapp)
        self._share_host_plugins()

    def _share_host_plugins(self) -> None:
        """Make the host's route plugins wrap the routes of mounted sub-apps.

        A mounted Lcore route keeps its sub-app's plugin list, so plugins the
        host installs would never see it.  Each sub-app's list becomes the
        host's list followed by the sub-app's own extra plugins (runs on every
        ``app_reset``, i.e. after each ``app.install``).
        """
        plugins_ = self.app.plugins
        if plugins_[-1] is not self._shield:  # keep the shield innermost
            plugins_.remove(self._shield)
            plugins_.append(self._shield)
            self.app.reset()
            return
        host = [p for p in plugins_ if p is not self]
        names = {getattr(p, "name", None) for p in host} - {None}
        for sub in self._subapps:
            own = [p for p in sub.plugins
                   if p not in host and getattr(p, "name", None) not in names]
            merged = host + own
            if merged != sub.plugins:
                sub.plugins[:] = merged
                sub.reset()

    # ---------------------------------------------------------- database
    def _open_database(self) -> None:
        url = self.config.database_url or sqlite_url(self.config.db_path)
        self.pool = open_pool(url, busy_timeout=self.config.db_busy_timeout,
                              max_size=max(4, self.config.threads * 2))

    @contextlib.contextmanager
    def database(self) -> Iterator[Database]:
        """A database handle: the request's own ``ctx.db`` inside a request of
        this app, else a pooled connection (CLI, workers, executor threads).

        Reusing the request's connection matters: a second connection would
        find its page cache invalidated by the write the request just made.
        """
        db = self._request_db()
        if db is not None:
            yield db
            return
        db = Database(self.pool)
        try:
            yield db
        finally:
            db.close()

    def _request_db(self) -> Database | None:
        """``ctx.db`` while this thread serves a request of this app, else ``None``.

        Lcore leaves ``ctx`` bound to a thread's last request after it ends,
        so liveness is tracked here, from ``on_request_start`` to
        ``on_response_send`` (the DI scope closes ``ctx.db`` after both).
        """
        return ctx.db if getattr(self._serving, "live", False) else None

    def _track_request(self, live: bool):
        def mark(*_):
            self._serving.live = live
        return mark

    def migrate(self, batch: list[plugins.PluginInfo] | None = None) -> list[migrations.Migration]:
        """Apply the pending migrations of ``batch`` (default: every plugin)."""
        sources = []
        for info in batch if batch is not None else self.infos:
            sources += [s for s in self._only(info, "taskflow_migrations")() if s]
        with self.database() as db:
            applied = migrations.upgrade(db, sources)
        for m in applied:
            log.info("applied migration %s/%04d_%s", m.namespace, m.version, m.name)
        return applied

    def seed_if_empty(self, **options: Any) -> bool:
        """Run ``taskflow_seed`` when the database holds no users yet."""
        with self.database() as db, db.transaction():
            if db.count("users"):
                return False
            options.setdefault("progress", lambda done, total: None)
            self.hook.taskflow_seed(db=db, kernel=self, options=options)
        log.warning("seeded demo data (users admin, alice, bob with their well-known "
                    "passwords): change or deactivate them before real use")
        return True

    # ---------------------------------------------------------- requests
    def current_user(self, required: bool = True) -> dict[str, Any] | None:
        """The user of the current request, from ``taskflow_identify``.

        With ``required`` an anonymous request ends with 401.
        """
        env = request.environ
        if "taskflow.user" not in env:
            user = ctx.user or self.hook.taskflow_identify(request=request, kernel=self)
            env["taskflow.user"] = user
            ctx.user = user
        user = env["taskflow.user"]
        if user is None and required:
            if not self.hook.taskflow_identify.get_hookimpls():
                raise ApiError(401, "Authentication required, but no authentication plugin "
                                    "is installed (install lcore-taskflow-auth)")
            raise ApiError(401, "Authentication required")
        return user

    def allowed(self, user: dict[str, Any] | None, action: str, resource: Any = None) -> bool:
        decision = self.hook.taskflow_authorize(
            user=user, action=action, resource=resource, kernel=self)
        return bool(decision)

    def require(self, action: str, resource: Any = None) -> dict[str, Any]:
        """The current user, if allowed to perform ``action``; else 401/403."""
        user = self.current_user()
        if not self.hook.taskflow_authorize.get_hookimpls():
            raise ApiError(403, f"Permission denied: no permission plugin is installed "
                                f"to allow {action!r}")
        if not self.allowed(user, action, resource):
            raise ApiError(403, PERMISSION_MESSAGES.get(action, "Admin access required"))
        return user

    def emit(self, type: str, actor: dict | None = None, *, project_id: int | None = None,
             task_id: int | None = None, **data: Any) -> Event:
        """Fire a domain event to every ``taskflow_event`` implementation.

        Each implementation is called on its own, so one that fails (logged)
        does not keep the others from hearing about the event.
        """
        event = Event(type, actor, data, project_id, task_id)
        for name, caller in self._event_callers():
            try:
                caller(event=event, kernel=self)
            except Exception:
                log.exception("plugin %s failed on event %s", name, type)
        return event

    def _event_callers(self) -> list[tuple[str, Any]]:
        """One ``taskflow_event`` caller per implementing plugin (cached per registry)."""
        if self._callers is None:
            self._callers = [
                (impl.plugin_name, self.pm.subset_hook_caller(
                    "taskflow_event",
                    remove_plugins=[i.plugin for i in self.infos if i.plugin is not impl.plugin]))
                for impl in reversed(self.hook.taskflow_event.get_hookimpls())]
        return self._callers

    def _after_request(self) -> None:
        stamp_missing_headers(request, response, self._security,
                              api_version=self.config.get("api_version"), cors=self._cors)

    # ------------------------------------------------------ introspection
    def plugin_list(self) -> list[dict[str, str]]:
        return [{"name": i.name, "version": i.version} for i in self.infos]


def _plain_callback_lookup(route) -> None:
    """Make ``route.get_undecorated_callback()`` terminate for nested handlers.

    Lcore's version follows closures to find the undecorated function and
    loops forever on a handler whose closure holds no callable (our handlers
    close over the kernel), which hangs ``/docs`` and ``show_routes()``.
    Following ``__wrapped__`` (``inspect.unwrap``) is enough for
    functools-wrapped handlers.
    """
    route.get_undecorated_callback = lambda: inspect.unwrap(route.callback)


def create_app(config: Mapping[str, Any] | None = None, *, plugins: Iterable[Any] = (),
               discover: bool = True, environ: Mapping[str, str] | None = None,
               dotenv: str | os.PathLike | None = ".env") -> Lcore:
    """A new Lcore app with the kernel and (by default) every installed plugin."""
    app = Lcore()
    app.install(TaskFlow(config, plugins=plugins, discover=discover,
                         environ=environ, dotenv=dotenv))
    return app
