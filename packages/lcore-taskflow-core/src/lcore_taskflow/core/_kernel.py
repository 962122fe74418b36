"""The kernel: an Lcore plugin that assembles TaskFlow plugins into an app.

``app.install(TaskFlow(...))`` validates the configuration, opens the
database and applies migrations, then mounts every plugin's routes and
composes TaskFlow's pipeline for them (``_pipeline.py``).  ``create_app()``
does the same for a fresh Lcore app that belongs to TaskFlow, with
entry-point discovery.

What the kernel does to a host app it did not create: it adds TaskFlow's
routes (refusing any that collide with the host's), wraps those routes —
and host routes only where the host asks (``auth=``, ``APP_PROTECTED_PATHS``,
``APP_HOST_FEATURES``) — and nothing else.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lcore import HTTPResponse, Lcore, PluginError, Route, ctx, request

from . import _audit, _compat
from . import _config as cfg
from . import _migrate as migrations
from . import _plugins as plugins
from ._access import (
    DEFAULT_CREDENTIALS,
    decide,
    missing_identity,
    rule_of,
    unauthenticated,
)
from ._activity import record as record_activity
from ._assembly import Assembly, RouteCollision
from ._content import Content
from ._db import Database, Pool, open_pool, sqlite_url
from ._directory import Tasks, Users
from ._errors import ApiError, install_error_handlers
from ._i18n import N_
from ._lifecycle import install_lifecycle_hooks
from ._pipeline import ALL, Pipeline
from ._ratelimit import Limits
from ._roles import Access, project_viewers, project_viewers_where
from ._scoped import Scopes, project_of
from ._search import Search
from ._settings import RuntimeSettings
from ._shares import share_identity
from ._storage import LocalStorage
from .events import Event, ProjectDeleted

log = logging.getLogger("lcore_taskflow")
_UNSEEN = object()

PERMISSION_MESSAGES = {
    "users:update": N_("Admin access required or can only update own profile"),
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
        self._sources = cfg.gather_sources(
            overrides, dotenv, os.environ if environ is None else environ)
        self._explicit = list(plugins)
        self._discover = discover
        self.owns_app = owns_app
        self.app: Lcore | None = None
        self.config = cfg.Settings()
        self.infos: list[plugins.PluginInfo] = []
        self.pool: Pool | None = None
        self.pipeline = Pipeline(self)
        self.users = Users(self)
        self.tasks = Tasks(self)
        self.search = Search(self)
        self.content = Content(self)
        #: which project-scoped plugin is on in which project (``_scoped.py``)
        self.scopes = Scopes(self)
        self.limits = Limits()
        self.storage: LocalStorage | None = None
        self.task_filters: list[Any] = []
        #: ``param -> plugin name`` of every task filter; ``field -> plugin name``
        #: of every task field (``taskflow_task_filters`` / ``taskflow_task_fields``)
        self.task_filter_owners: dict[str, str] = {}
        self.task_fields: dict[str, str] = {}
        self.ui_modules: list[Any] = []
        self.prefix = ""
        self.trusted_proxies: frozenset[str] = frozenset()
        self.host_features: frozenset[str] = frozenset()
        self._schemas: list[tuple[str, type]] = []
        self._event_types: dict[str, type[Event]] = {}
        self._dormant_keys: dict[str, str] = {}
        #: discovered but disabled plugins: name -> (plugin object, version)
        self._dormant: dict[str, tuple[Any, str]] = {}
        #: settings changed from the plugins screen (``_settings.py``)
        self.runtime_settings = RuntimeSettings(self)
        self._routes: set[Route] = set()
        self._rules: dict[Route, Any] = {}
        self._assembly = Assembly(self)
        self._local = threading.local()
        self._isolated_callers: dict[str, list[tuple[str, Any]]] = {}
        self._namespaces: dict[str, str] = {}  # migration namespace -> plugin name
        self._disabled: list[str] = []
        self._impls: dict[tuple[str, bool], bool] = {}
        self._plain: dict[str, Any] = {}  # hook name -> _plain_impls()
        self._executor: ThreadPoolExecutor | None = None
        self._closed = False

    @property
    def name(self) -> str:
        """Lcore's route-plugin name: unique per kernel, so two kernels both apply."""
        return f"taskflow{self.prefix}"

    # ------------------------------------------------------------ install
    def setup(self, app: Lcore) -> None:
        """Lcore calls this on ``app.install(kernel)``: assemble every plugin into ``app``."""
        first = getattr(app, "taskflow", None) is None
        prefix = str(self._sources.get("mount_prefix", ("",))[0] or "").rstrip("/")
        for other in kernels_of(app):
            if other.prefix == prefix:
                raise PluginError(f"a TaskFlow kernel is already installed in this app at "
                                  f"prefix {prefix or '/'!r}; give this one another "
                                  "prefix (TaskFlow(prefix=...))")
        core_settings = cfg.build_settings([("core", cfg.CoreConfig)], self._sources)
        self.prefix = core_settings.mount_prefix.rstrip("/")
        self._disabled = list(core_settings.plugins_disabled)
        self.app = app
        self.pm = plugins.new_manager(trace=core_settings.trace_hooks)
        self._traced = core_settings.trace_hooks  # then every call goes through pluggy
        self.hook = self.pm.hook
        # Historic: every plugin registered from now on gets the call too.
        self.hook.taskflow_addhooks.call_historic(kwargs={"pluginmanager": self.pm})
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="taskflow-q")
        try:
            batch = self._register_all(core_settings)
            self._assembly.run(batch, first_time=True)
        except BaseException:
            self._executor.shutdown(wait=False)
            raise
        app.__dict__.setdefault("taskflow_kernels", []).append(self)
        if first:
            app.taskflow = self
        _compat.route_misses(app, self._resolve_miss)
        app.add_hook("app_reset", self._assembly.miss_route.reset)
        if self.owns_app:
            install_lifecycle_hooks(app)
        if self.owns_app or self.host_features & {ALL, "errors"}:
            install_error_handlers(app, self)
        for message in cfg.unknown_keys(self._sources, self.config, self._dormant_keys):
            log.warning("configuration: %s", message)

    def apply(self, callback, route):
        """Wrap TaskFlow's routes in its pipeline; host routes only where asked."""
        if route in self._routes:
            return self.pipeline.wrap(callback, route)
        if getattr(self.app, "taskflow", None) is not self or _owned_elsewhere(self.app, route):
            return callback  # a host route is the first kernel's to guard
        protect = self._protected(route.rule)
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
        if self.pool:
            self.pool.close()

    def add(self, plugin: Any, name: str | None = None, version: str | None = None,
            config: Mapping[str, Any] | None = None) -> Any:
        """Register and assemble one more plugin into an installed kernel.

        ``config`` (from a feature package's installable object) is merged
        into the configuration; a value that contradicts one already in use
        is refused.  If anything fails, nothing of the plugin stays.
        """
        if config:
            self._merge_config(config, plugins.plugin_name(plugin) if name is None else name)
        info = self._register(plugin, name, "installed", version)
        self._assembly.run([info], first_time=False)
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
    def _register_all(self, core_settings) -> list[plugins.PluginInfo]:
        from ._plugin import CorePlugin

        batch = [self._register(CorePlugin(), "core", "builtin")]
        batch += [self._register(p, source="explicit") for p in self._explicit]
        if self._discover:
            batch += self._discover_plugins(core_settings)
        return batch

    def _register(self, plugin: Any, name: str | None = None, source: str = "explicit",
                  version: str | None = None) -> plugins.PluginInfo:
        name = name or plugins.plugin_name(plugin)
        if source in ("explicit", "installed") and name in self._disabled:
            origin = self._sources.get("plugins_disabled", (None, "configuration"))[1]
            raise plugins.PluginCheckError(
                f"plugin {name} is disabled by APP_PLUGINS_DISABLED ({origin}) but was "
                "installed by hand (app.install(...), TaskFlow(plugins=[...]) or "
                f"kernel.add(...)): take {name} out of APP_PLUGINS_DISABLED, or do not "
                "install it")
        existing = self.pm.get_plugin(name)
        if existing is not None:
            if existing is plugin or type(existing) is type(plugin):
                raise plugins.PluginCheckError(f"plugin {name} is already installed in this "
                                               "kernel")
            raise plugins.PluginCheckError(
                f"two plugins are named {name!r}: {_origin(existing)} and {_origin(plugin)}; "
                "rename one (its entry point name or its name attribute)")
        plugins.check_core_api(name, plugin, _core_version())
        if getattr(plugin, "core_api", None) is None and name != "core":
            log.warning("plugin %s declares no core_api: add core_api = \"%s\" (the TaskFlow "
                        "core API it was written and tested for) to %s, so that a core it "
                        "does not fit stops start-up instead of failing later",
                        name, plugins.CORE_API, _origin(plugin))
        self.pm.register(plugin, name=name)  # also calls its taskflow_addhooks (historic)
        self._forget_hook_caches()
        info = plugins.PluginInfo(name, version or plugins.plugin_version(plugin), source, plugin)
        self.infos.append(info)
        return info

    def _unregister(self, infos: Iterable[plugins.PluginInfo]) -> None:
        for info in infos:
            if info in self.infos:
                self.infos.remove(info)
            if self.pm.is_registered(info.plugin):
                self.pm.unregister(info.plugin)
            self._namespaces = {ns: owner for ns, owner in self._namespaces.items()
                                if owner != info.name}
        self._forget_hook_caches()

    def _forget_hook_caches(self) -> None:
        self._isolated_callers = {}
        self._impls = {}
        self._plain = {}
        self.scopes.forget_plugins()

    def _discover_plugins(self, core_settings) -> list[plugins.PluginInfo]:
        enabled, disabled = core_settings.plugins_enabled, core_settings.plugins_disabled
        found = plugins.discover()
        plugins.check_selection(enabled, disabled, {n for n, *_ in found} | {"core"})
        batch = []
        for name, version, source, load in found:
            plugin = plugins.instantiate(load())
            if plugins.selected(name, enabled, disabled):
                batch.append(self._register(plugin, name, source, version))
            else:
                log.info("plugin %s disabled by configuration", name)
                self._remember_dormant(name, plugin)
                self._dormant[name] = (plugin, version)
        return batch

    def _remember_dormant(self, name: str, plugin: Any) -> None:
        """The keys of a disabled plugin, so a setting for it is not called a typo."""
        schema = getattr(plugin, "taskflow_config_schema", None)
        with contextlib.suppress(Exception):
            for field in getattr(schema(), "__dataclass_fields__", {}) if schema else ():
                self._dormant_keys[field] = name

    def only(self, info: plugins.PluginInfo, hook_name: str):
        """A caller of ``hook_name`` that reaches just this plugin."""
        others = [i.plugin for i in self.infos if i is not info]
        return self.pm.subset_hook_caller(hook_name, remove_plugins=others)

    def plugin(self, name: str) -> Any:
        """The registered plugin object named ``name``, or ``None``."""
        return self.pm.get_plugin(name)

    def call(self, hook_name: str, **kwargs: Any) -> Any:
        """``self.hook.<hook_name>(**kwargs)``, without pluggy's dispatch on the request path.

        Same order and results as pluggy: for a ``firstresult`` hook the first
        answer that is not ``None``, else the list of those answers.  A hook
        with a wrapper implementation, and every hook under ``APP_TRACE_HOOKS``,
        goes through pluggy itself.
        """
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
        if self._traced or any(i.hookwrapper or i.wrapper for i in impls):
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

    def _merge_config(self, config: Mapping[str, Any], owner: str) -> None:
        """Merge an installable object's settings; refuse one that contradicts the kernel's.

        A key already in use (its plugin is assembled) must keep its running
        value; a key set explicitly elsewhere (another ``config`` dict) must
        agree; ``.env`` and ``APP_*`` variables still win over both.
        """
        conflicts = []
        for key, value in config.items():
            if key in self.config:
                if cfg.coerce_like(value, self.config[key]) != self.config[key]:
                    conflicts.append(f"{key}={value!r} (the kernel runs with "
                                     f"{cfg.Settings.shown(key, self.config[key])!r})")
                continue
            source = self._sources.get(key)
            if source is not None and source[1].startswith("setting") and source[0] != value:
                conflicts.append(f"{key}={value!r} (the kernel was given {source[0]!r})")
        if conflicts:
            raise PluginError(f"{owner}: the app's TaskFlow kernel is already configured and "
                              "these settings contradict it: " + "; ".join(conflicts)
                              + ". Configure the kernel (TaskFlow(config=...)) instead.")
        for key, value in config.items():
            self._sources.setdefault(key, (value, f"setting {key!r} of {owner}"))

    # ------------------------------------------------------------ routes
    def own(self, route: Route) -> None:
        """Mark ``route`` as TaskFlow's (assembly does it): the pipeline wraps it."""
        self._routes.add(route)

    def disown(self, route: Route) -> None:
        """Forget that ``route`` is TaskFlow's (a failed or replaced contribution)."""
        self._routes.discard(route)

    def owns(self, route: Route) -> bool:
        """Whether ``route`` is one of this kernel's (mounted by its plugins)."""
        return route in self._routes

    def route_rule(self, route: Route | None):
        """The protection a route declares (``auth=``, ``auth_via=``), or ``None`` if public."""
        if route is None:
            return None
        rules = self._rules
        if route not in rules:
            rules[route] = rule_of(route.config)
        return rules[route]

    def owns_path(self, path: str) -> bool:
        """Whether a missed ``path`` is TaskFlow's (answered by its 404/405)."""
        if self.prefix:
            return path == self.prefix or path.startswith(self.prefix + "/")
        return self.owns_app or self._assembly.claims(path)

    def url(self, path: str) -> str:
        """``path`` (``"/api/projects/"``) under the kernel's prefix, as a client sees it."""
        mounted = (self.app.config.get("_mount.prefix") or "/").rstrip("/") if self.app else ""
        return f"{mounted}{self.prefix}{path}"

    def _protected(self, rule: str) -> bool:
        paths = self.config.get("protected_paths") or ()
        return bool(paths) and any(rule.startswith(p) for p in paths)

    def _resolve_miss(self, environ: dict, error) -> tuple[Route, dict] | None:
        if not self.owns_path(environ.get("PATH_INFO") or "/"):
            return None
        environ["taskflow.miss"] = error
        return self._assembly.miss_route, {}

    # ---------------------------------------------------------- database
    def open_database(self) -> None:
        """Open the connection pool and the upload storage (the first assembly does it)."""
        self.storage = LocalStorage(self.config.upload_dir)
        url = self.config.database_url or sqlite_url(self.config.db_path)
        cfg = self.config
        self.pool = open_pool(url, busy_timeout=cfg.db_busy_timeout,
                              max_size=max(4, cfg.threads * 2),
                              pool_timeout=cfg.db_pool_timeout, retry_after=cfg.db_retry_after)

    @property
    def db(self) -> Database:
        """The database handle of the current TaskFlow request (or event dispatch).

        One connection per request, given back when the answer is ready;
        everything a handler and the listeners of its events write goes
        through it.  Outside a request use ``with kernel.database() as db``.
        """
        local = self._local
        db = local.__dict__.get("db")
        if db is None:
            if not local.__dict__.get("depth"):
                raise RuntimeError("kernel.db exists only while TaskFlow serves a request; "
                                   "use `with kernel.database() as db:` elsewhere")
            db = local.db = Database(self.pool)
        return db

    def _begin_request(self) -> None:
        local = self._local.__dict__
        depth = local["depth"] = local.get("depth", 0) + 1
        if depth == 1:
            self.runtime_settings.maybe_refresh()  # a clock read, a query every few s

    def _end_request(self) -> None:
        local = self._local.__dict__
        local["depth"] -= 1
        if not local["depth"]:
            local.pop("scoped", None)
            db = local.pop("db", None)
            if db is not None:
                db.close()

    @contextlib.contextmanager
    def database(self) -> Iterator[Database]:
        """The request's handle inside a request, else a pooled connection.

        Reusing the request's connection matters: writes of one request and
        its event listeners share its transaction, and a second connection
        would find its page cache invalidated by what the first just wrote.
        """
        local = self._local.__dict__
        if local.get("depth"):
            yield self.db
            return
        db = Database(self.pool)
        local["depth"], local["db"] = 1, db
        try:
            yield db
        finally:
            local.pop("depth", None)
            local.pop("db", None)
            local.pop("scoped", None)
            db.close()

    def migrate(self, batch=None) -> list[migrations.Migration]:
        """Apply the pending migrations of ``batch`` (default: every plugin).

        Each plugin's migrations are recorded under its own name (its
        namespace): a namespace that is not the plugin's name, ``core`` for any
        plugin but core, or one another plugin already claimed stops start-up
        before anything is applied.
        """
        claims = {} if batch is None else dict(self._namespaces)
        sources = []
        for info in batch if batch is not None else self.infos:
            for source in self.only(info, "taskflow_migrations")():
                if source:
                    plugins.claim_namespace(info.name, source, claims)
                    sources.append(source)
        with self.database() as db:
            applied = migrations.upgrade(db, sources)
        self._namespaces.update(claims)
        for m in applied:
            log.info("applied migration %s/%04d_%s", m.namespace, m.version, m.name)
        return applied

    @property
    def seed_demo(self) -> bool:
        """``APP_SEED_DEMO``; by default on in debug mode, off otherwise."""
        value = self.config.get("seed_demo")
        return bool(self.config.get("debug")) if value is None else bool(value)

    def seed_if_empty(self, **options: Any) -> bool:
        """Demo data into an empty database when ``seed_demo``; else say how to begin."""
        with self.database() as db:
            if db.count("users"):
                return False
            if not self.seed_demo:
                if not ANNOUNCE_EMPTY.get():
                    return False
                log.warning("the database has no users yet: create the first admin with "
                            "`taskflow create-admin --username NAME --email ADDRESS` "
                            "(APP_SEED_DEMO=true adds demo users instead)")
                return False
            with db.transaction():
                options.setdefault("progress", lambda done, total: None)
                self.hook.taskflow_seed(db=db, kernel=self, options=options)
        log.warning("seeded demo data (users admin, alice, bob with their well-known "
                    "passwords): change or deactivate them before real use")
        return True

    def demo_accounts(self) -> list[dict[str, str]]:
        """The demo users that still exist, active, with their seeded password."""
        from ._seed import demo_accounts

        with self.database() as db:
            return demo_accounts(db)

    # ---------------------------------------------------------- requests
    def current_user(self, required: bool = True) -> dict[str, Any] | None:
        """The user of the current request, identified once through ``taskflow_identify``.

        With ``required`` an anonymous request ends with 401.
        """
        env = request.environ
        try:
            user = env["taskflow.user"]
        except KeyError:
            user = share_identity(self, env)
            if user is None and self.implemented("taskflow_identify"):
                user = self.call(
                    "taskflow_identify", request=request, kernel=self,
                    credentials=env.get("taskflow.credentials", DEFAULT_CREDENTIALS))
            user = user or None  # False: a dead share link, identified as nobody
            env["taskflow.user"] = user
            if user is not None:
                ctx.user = user
        if user is None and required:
            if not (self.implemented("taskflow_identify") or "taskflow.auth_problem" in env):
                raise missing_identity(self)
            raise unauthenticated(env, env.get("taskflow.credentials", DEFAULT_CREDENTIALS))
        return user

    def sign_in(self, user: dict[str, Any], via: str) -> dict[str, Any]:
        """Start a session for ``user``, verified by the calling plugin (``taskflow_sign_in``).

        Returns the identity plugin's answer (``{"token", "expires_in",
        "user"}``, its cookie set on the response); 503 naming the missing
        package when no plugin starts sessions.
        """
        started = self.call("taskflow_sign_in", user=user, via=via, kernel=self)
        if started is None:
            raise ApiError(503, "Cannot sign in: no identity plugin starts sessions "
                                "(install lcore-taskflow-auth)")
        return started

    def access(self, user: dict[str, Any] | object | None = _UNSEEN) -> Access:
        """Who sees what (see ``docs/access.md``): the current caller's, cached per request.

        Pass a ``user`` dict for someone else's (a listener deciding whether
        to tell a user about a project); that one is not cached.
        """
        if user is not _UNSEEN:
            return Access(self, user)
        env = request.environ
        access = env.get("taskflow.access")
        if access is None:
            access = env["taskflow.access"] = Access(self, self.current_user(required=False))
        return access

    def project_viewers(self, project_id: int, user_ids: Iterable[int]) -> set[int]:
        """The ids among ``user_ids`` of the active users who can see ``project_id``.

        The bulk form of ``kernel.access(user).role(project_id) is not None``
        for a listener that tells many people about one project (see
        ``docs/access.md``); plugins' ``Grant``/``Deny`` rules count.
        """
        return project_viewers(self, project_id, list(user_ids))

    def project_viewers_where(self, project_id: int,
                              users: str = "u") -> tuple[str, list] | None:
        """``(sql, params)``: a condition on the ``users`` alias keeping the active users who
        can see ``project_id``, for an ``INSERT ... SELECT`` fan-out; ``None`` when a
        plugin's per-user ``Grant``/``Deny`` rules apply (use :meth:`project_viewers`)."""
        return project_viewers_where(self, project_id, users)

    def allowed(self, user: dict[str, Any] | None, action: str, resource: Any = None) -> bool:
        """Whether ``user`` may ``action``: every plugin's answer, combined (see ``decide``)."""
        return decide(self.call("taskflow_authorize", user=user, action=action,
                                resource=resource, kernel=self))

    def require(self, action: str, resource: Any = None) -> dict[str, Any]:
        """The current user, if allowed to perform ``action``; else 401/403."""
        user = self.current_user()
        if not self.implemented("taskflow_authorize", besides_core=True):
            raise ApiError(403, "Permission denied: no permission plugin is installed "
                                "to allow {action}", params={"action": repr(action)})
        if not self.allowed(user, action, resource):
            raise ApiError(403, PERMISSION_MESSAGES.get(action, N_("Admin access required")))
        return user

    def audit(self, action: str, *, target: str | None = None,
              details: dict[str, Any] | None = None, actor: Any = _audit.CURRENT) -> None:
        """Write an audit-log entry (``area.verb``) in the current transaction (SPEC §10).

        ``actor`` defaults to the request's user: pass it (or ``None`` for
        the system) outside a request.  ``target`` names what was acted on
        (``"user:alice"``); ``details`` is a JSON-able dict.
        """
        _audit.record(self, action, target=target, details=details, actor=actor)

    def represent(self, kind: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Let plugins add their fields to ``rows`` (``taskflow_represent``), one call each.

        Isolated like event listeners: a plugin whose implementation raises
        is logged with its name and loses the keys it added to the rows;
        the other plugins' fields and the response stay.
        """
        if rows and self.implemented("taskflow_represent"):
            db = self._local.__dict__.get("db")
            guarded = db is not None and db.in_transaction  # PostgreSQL: a failure spoils it
            scoped = self.scopes.names()
            split = _RowScopes(self, kind, rows) if scoped else None
            for name, represent in self._isolated("taskflow_represent"):
                if name in scoped:  # only the rows of projects where it is on
                    if not (mine := split.rows_of(name)):
                        continue
                    kwargs = {"kind": kind, "rows": mine, "kernel": self}
                else:
                    kwargs = {"kind": kind, "rows": rows, "kernel": self}
                sizes = [len(row) for row in rows]
                try:
                    if guarded:
                        with db.transaction():
                            represent(**kwargs)
                    else:
                        represent(**kwargs)
                except Exception:
                    log.exception("plugin %s failed in taskflow_represent (%d %s rows): the "
                                  "response goes without its fields", name, len(rows), kind)
                    for row, size in zip(rows, sizes):
                        for key in list(row)[size:]:  # what it added (dicts keep order)
                            del row[key]
        return rows

    def emit(self, event: Event) -> Event:
        """Record ``event`` in the activity feed and tell every ``taskflow_event`` listener.

        Inside a request this joins the request's transaction (emit right
        after the write, before the ``with db.transaction()`` block ends);
        outside one it opens its own.  The activity row is part of the
        change.  Each listener runs in a savepoint: one that fails is logged
        and its own writes are undone; the change and the other listeners'
        stay.  A listener's ``ApiError`` refuses the change: it propagates,
        and leaving the transaction block with it rolls everything back.
        """
        self._emit(event)
        return event

    def _emit(self, event: Event) -> set[str]:
        """:meth:`emit`; returns the names of the plugins whose listener failed."""
        declared = self._event_types.get(type(event).type)
        if declared is not type(event):
            raise TypeError(f"{type(event).__qualname__} ({type(event).type!r}) is not a "
                            "declared event type: return its class from taskflow_event_types")
        failed = set()
        with self.database() as db, (
                contextlib.nullcontext() if db.in_transaction else db.transaction()):
            record_activity(self, event)
            _audit.record_event(self, event)
            scoped = self.scopes.names()
            for name, listener in self._isolated("taskflow_event"):
                if name in scoped and not self._hears(name, event):
                    continue
                try:
                    with db.transaction():
                        listener(event=event, kernel=self)
                except HTTPResponse:
                    raise  # a listener refusing the change (ApiError): the client hears it
                except Exception:
                    log.exception("plugin %s failed on event %s", name, event.type)
                    failed.add(name)
        return failed

    def _hears(self, plugin: str, event: Event) -> bool:
        """Whether a project-scoped plugin's listener gets ``event``: events of projects
        where it is on, of no project, and every ``project.deleted`` (to clean up what
        it stored while it was on)."""
        if isinstance(event, ProjectDeleted):
            return True
        return self.scopes.applies(plugin, event.project_id)

    def _isolated(self, hook_name: str) -> list[tuple[str, Any]]:
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
        if self._traced or impl.hookwrapper or impl.wrapper:  # pluggy traces, runs wrappers
            caller = self.pm.subset_hook_caller(
                hook_name, remove_plugins=[i.plugin for i in impls if i is not impl])
            return caller
        function, argnames = impl.function, impl.argnames
        return lambda **kwargs: function(*[kwargs[name] for name in argnames])

    def event_types(self) -> dict[str, type[Event]]:
        """Every declared event class by its ``type`` (core's and the plugins')."""
        return dict(self._event_types)

    # ------------------------------------------------------ introspection
    def plugin_list(self) -> list[dict[str, str]]:
        """``[{"name", "version"}]`` of the assembled plugins (what ``/health`` shows)."""
        return [{"name": i.name, "version": i.version} for i in self.infos]


class _RowScopes:
    """The rows of one ``represent`` call by project, for its project-scoped plugins."""

    def __init__(self, kernel: TaskFlow, kind: str, rows: list[dict[str, Any]]):
        self.rows = rows
        self.pids = [project_of(kind, row) for row in rows]
        distinct = set(self.pids)
        self.on = kernel.scopes.enabled_in(distinct)  # one query at most, cached
        # the usual case, one project's rows: each plugin gets all of them or none
        self.single = next(iter(distinct)) if len(distinct) == 1 else _UNSEEN

    def rows_of(self, plugin: str) -> list[dict[str, Any]]:
        """The rows of projects where ``plugin`` is on, and rows of no project."""
        if self.single is not _UNSEEN:
            if self.single is None or plugin in self.on.get(self.single, ()):
                return self.rows
            return []
        return [row for row, pid in zip(self.rows, self.pids)
                if pid is None or plugin in self.on.get(pid, ())]


def kernels_of(app: Lcore) -> list[TaskFlow]:
    """Every TaskFlow kernel installed in ``app`` (one per prefix)."""
    return list(app.__dict__.get("taskflow_kernels", ()))


def _owned_elsewhere(app: Lcore, route: Route) -> bool:
    return any(k.owns(route) for k in kernels_of(app))


def _origin(plugin: Any) -> str:
    kind = plugin if isinstance(plugin, type) else type(plugin)
    return f"{kind.__module__}.{kind.__qualname__}"


def _core_version() -> str:
    from . import __version__

    return __version__


#: Whether an empty database without demo data logs how to create the first
#: admin.  ``taskflow create-admin`` turns it off: it is creating that admin.
ANNOUNCE_EMPTY: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "taskflow_announce_empty", default=True)


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


__all__ = ["RouteCollision", "TaskFlow", "create_app", "kernels_of"]
