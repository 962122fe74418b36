"""The ``taskflow`` command line.

``serve``, ``plugins``, ``routes``, ``db upgrade``, ``db seed``, ``db backup``,
``attachments sweep``, ``create-admin``, ``new-plugin`` (``_scaffold.py``), and whatever
sub-commands plugins add through ``taskflow_cli_commands``.  Configuration comes from
the same sources as the server: ``--env-file`` (default ``./.env``) and ``APP_*`` variables.

Read-only commands (``--help`` of any command, ``plugins``, ``routes``)
never create or change a database and need no secret key: ``routes``
assembles the app on a scratch database in a temporary directory.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import errno
import getpass
import logging
import os
import secrets
import signal
import socket
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Sequence
from contextlib import closing
from typing import Any

from . import __version__, _scaffold
from . import _config as config
from . import _plugins as plugins
from ._db import OperationalError
from ._db.urls import engine_of, sqlite_url
from ._errors import ApiError
from ._kernel import TaskFlow, create_app
from ._plugin import CorePlugin
from ._progress import progress_bar
from ._provision import ANNOUNCE_EMPTY
from ._validation import EMAIL_RE, USERNAME_RE


def _table(rows: list[Sequence[str]], headers: Sequence[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*headers), fmt.format(*("-" * w for w in widths))]
    return "\n".join(lines + [fmt.format(*map(str, row)) for row in rows]).rstrip()


def _inventory(env_file: str):
    """A plugin manager with core and every installed plugin, nothing assembled."""
    sources = config.gather_sources({}, env_file, os.environ)

    def listed(key: str) -> list[str]:
        return config.coerce(sources[key][0], list[str]) if key in sources else []

    enabled, disabled = listed("plugins_enabled"), listed("plugins_disabled")
    pm = plugins.new_manager()
    core = CorePlugin()
    pm.register(core, name="core")
    rows = [plugins.PluginInfo("core", __version__, "builtin", core)]
    for name, version, source, load in plugins.discover():
        plugin = plugins.instantiate(load())
        pm.register(plugin, name=name)
        info = plugins.PluginInfo(name, version, source, plugin)
        info.enabled = plugins.selected(name, enabled, disabled)
        rows.append(info)
    return pm, rows


# ------------------------------------------------------------- serving
NO_WAITRESS = ("taskflow serve needs waitress: pip install waitress (the extra "
               "lcore-taskflow-core[server] brings it)")
# What a trusted proxy may tell us: the client's address (per-client rate
# limits, logs) and the scheme it was reached by (Secure cookies).  The same
# two headers gunicorn's --forwarded-allow-ips trusts with TaskFlow.
PROXY_HEADERS = frozenset({"x-forwarded-for", "x-forwarded-proto"})


def _default(key: str) -> Any:
    return {f.name: f.default for f in dataclasses.fields(config.CoreConfig)}[key]


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``taskflow serve`` (also those of examples/taskflow_server/app.py)."""
    def option(flag: str, key: str, kind: type, text: str) -> None:
        parser.add_argument(flag, type=kind, metavar=key.upper(), help=(
            f"{text} (default: APP_{key.upper()} or {_default(key)})"))

    option("--host", "host", str, "address to listen on")
    option("--port", "port", int, "port to listen on")
    option("--threads", "threads", int, "worker threads answering requests")
    option("--connection-limit", "connection_limit", int,
           "connections held open at once, slow clients included; more wait in the "
           "listen queue")
    option("--channel-timeout", "channel_timeout", int,
           "seconds an idle connection (no byte received or sent) stays open")


def serve_options(cfg: config.Settings, args: Any = None) -> dict[str, Any]:
    """waitress's settings from the configuration, command-line flags winning.

    The defaults keep ``/health`` answering while 150 clients trickle their
    headers a byte at a time (issue 13): waitress parses headers in its event
    loop, so slow clients hold connections, not threads, and the limit that
    matters is ``connection_limit`` (waitress: 100).  ``poll()`` instead of
    ``select()``, which fails beyond file descriptor 1023; a listen backlog at
    least as long as the limit, so a burst waits instead of being refused.
    """
    def pick(key: str) -> Any:
        value = getattr(args, key, None)
        return cfg[key] if value is None else value

    limit, timeout = pick("connection_limit"), pick("channel_timeout")
    return {
        "host": pick("host"), "port": pick("port"), "threads": pick("threads"),
        "connection_limit": limit, "channel_timeout": timeout,
        # waitress looks for idle connections this often (default 30 s)
        "cleanup_interval": max(1, min(30, timeout // 2)),
        "backlog": max(1024, limit), "asyncore_use_poll": True, "ident": "TaskFlow",
    }


def behind_proxies(app: Callable, trusted: Sequence[str]) -> tuple[Callable, dict[str, Any]]:
    """The app and waitress's proxy settings for ``APP_TRUSTED_PROXIES``.

    waitress rewrites ``REMOTE_ADDR`` (from ``X-Forwarded-For``) and the
    scheme (``X-Forwarded-Proto``) only for requests whose peer is its
    ``trusted_proxy`` and deletes these headers from everybody else
    (``clear_untrusted_proxy_headers``).  It takes a single address; for
    several, each peer is dispatched to waitress's own middleware, trusting
    the configured ones only.  One hop: each listed proxy talks to TaskFlow
    directly (a chain of proxies lists the one in front of TaskFlow and lets
    it pass the client on).
    """
    if not trusted:
        return app, {"clear_untrusted_proxy_headers": True}
    options = {"trusted_proxy_count": 1, "trusted_proxy_headers": set(PROXY_HEADERS),
               "clear_untrusted_proxy_headers": True}
    if len(trusted) == 1:
        return app, {"trusted_proxy": trusted[0], **options}
    from waitress.proxy_headers import proxy_headers_middleware

    peers = frozenset(trusted)
    trusting = proxy_headers_middleware(
        app, trusted_proxy="*", trusted_proxy_count=1, trusted_proxy_headers=set(PROXY_HEADERS))
    clearing = proxy_headers_middleware(app, trusted_proxy=None, clear_untrusted=True)

    def dispatch(environ, start_response):
        peer = environ.get("REMOTE_ADDR")
        return (trusting if peer in peers else clearing)(environ, start_response)

    return dispatch, {"clear_untrusted_proxy_headers": False}


def open_files_for(connections: int) -> int:
    """Let the process hold ``connections`` sockets; the number it can hold.

    Debian's default soft limit is 1024 open files; raise it towards the hard
    limit.  When even that is too low, serve fewer connections than asked
    rather than fail in ``accept()`` with EMFILE.
    """
    try:
        import resource
    except ImportError:  # not on Windows
        return connections
    spare = 128  # the database, log files, the threads' own sockets
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = connections + spare
    if soft == resource.RLIM_INFINITY or soft >= want:
        return connections
    new = want if hard == resource.RLIM_INFINITY else min(want, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    if new >= want:
        return connections
    fits = max(10, new - spare)
    logging.getLogger("lcore_taskflow").warning(
        "connection_limit %d needs about %d open files but this process may open only %d "
        "(ulimit -n); serving up to %d connections", connections, want, new, fits)
    return fits


# ------------------------------------------------------------ commands
def cmd_serve(kernel: TaskFlow, args) -> int:
    try:
        from ._waitress import create_server  # keeps connections open after a 304
    except ImportError:
        print(NO_WAITRESS, file=sys.stderr)
        return 2

    cfg = kernel.config
    options = serve_options(cfg, args)
    app, proxy = behind_proxies(kernel.app, cfg.trusted_proxies)
    options["connection_limit"] = open_files_for(options["connection_limit"])
    try:  # bind first: the banner below promises a listening socket
        server = create_server(app, health_path=kernel.url("/health"), **options, **proxy)
    except OSError as exc:
        print(f"taskflow: {cannot_listen(options['host'], options['port'], exc)}",
              file=sys.stderr)
        kernel.close()
        return 1
    print(f"TaskFlow {__version__} serving on http://{options['host']}:{options['port']}/ "
          f"(waitress, {options['threads']} threads, up to {options['connection_limit']} "
          f"connections, idle timeout {options['channel_timeout']} s; trusted proxies: "
          f"{', '.join(cfg.trusted_proxies) or 'none'}; plugins: "
          f"{', '.join(i.name for i in kernel.infos)})", flush=True)
    # SIGTERM (systemd, docker, gunicorn-less supervisors) ends the process
    # without unwinding; turn it into SystemExit so the plugins shut down
    # cleanly (notify drains its queued sends).
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        server.run()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.close()
        kernel.close()
        logging.getLogger("lcore_taskflow").info("TaskFlow stopped")
    return 0


def cannot_listen(host: str, port: int, exc: OSError) -> str:
    """One line for a socket waitress could not bind (no traceback: nothing to debug)."""
    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        return (f"cannot listen on {where}: address already in use (another TaskFlow or "
                "server runs there; stop it, or choose another port with --port or APP_PORT)")
    if exc.errno == errno.EACCES:
        return (f"cannot listen on {where}: permission denied (ports below 1024 need root; "
                "choose another with --port or APP_PORT)")
    if exc.errno == errno.EADDRNOTAVAIL or isinstance(exc, socket.gaierror):
        return (f"cannot listen on {where}: no such address on this machine "
                "(check --host or APP_HOST)")
    return f"cannot listen on {where}: {exc.strerror or exc}"


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(0)


def cmd_plugins(args, rows, pm) -> int:
    table = [(i.name, i.version, i.source, "yes" if getattr(i, "enabled", True) else "no",
              ", ".join(h.removeprefix("taskflow_") for h in i.hooks(pm))) for i in rows]
    print(_table(table, ("name", "version", "source", "enabled", "hooks")))
    return 0


def cmd_routes(kernel: TaskFlow, args) -> int:
    rows = sorted((r.rule, r.method, r.name or "") for r in kernel.app.routes)
    print(_table([(m, rule, name) for rule, m, name in rows], ("method", "rule", "name")))
    return 0


def cmd_db_upgrade(kernel: TaskFlow, args) -> int:
    # The kernel applied everything while assembling; report the state.
    with kernel.database() as db:
        rows = db.fetchall("SELECT namespace, version, name FROM taskflow_migrations"
                           " ORDER BY namespace, version")
    print(_table([(r["namespace"], f"{r['version']:04d}", r["name"]) for r in rows],
                 ("namespace", "version", "name")))
    print(f"database {kernel.pool.describe()} is up to date")
    return 0


def cmd_db_seed(kernel: TaskFlow, args) -> int:
    sizes = {"users": args.users, "projects": args.projects, "tasks": args.tasks,
             "comments": args.comments}
    with kernel.database() as db:
        with db.transaction():
            kernel.hook.taskflow_seed(db=db, kernel=kernel,
                                      options={**sizes, "progress": progress_bar("tasks")})
        if db.engine == "postgresql":
            # Seeding updates the maintained counters once per row, leaving about a
            # million dead row versions; until autovacuum comes by, every query read
            # them (3-28x slower).  Connections are in autocommit mode, as VACUUM needs.
            print("vacuuming and analysing the database ...", flush=True)
            db.execute("VACUUM ANALYZE")
        counts = {t: db.count(t) for t in ("users", "projects", "tasks", "comments")}
    print("seeded: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


def cmd_db_backup(kernel: TaskFlow, args) -> int:
    """Copy the live SQLite database with SQLite's online backup API.

    Consistent while servers write (a plain ``cp`` of a WAL database is not);
    PostgreSQL has its own tool.
    """
    with kernel.database() as db:
        if db.engine != "sqlite":
            print("taskflow db backup copies SQLite databases; for PostgreSQL use "
                  "pg_dump --format=custom (docs/deploy.md, Backups)", file=sys.stderr)
            return 2
        target = os.path.abspath(args.path)
        if os.path.exists(target) and not args.force:
            print(f"error: {target} exists (--force replaces it)", file=sys.stderr)
            return 1
        partial = f"{target}.part"
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with closing(sqlite3.connect(partial)) as out:
                db.conn.backup(out)
            os.replace(partial, target)
        except (OSError, sqlite3.Error) as exc:
            with contextlib.suppress(OSError):
                os.remove(partial)
            print(f"error: backup to {target} failed: {exc}", file=sys.stderr)
            return 1
    print(f"backed up {kernel.pool.describe()} to {target} ({os.path.getsize(target)} bytes)")
    return 0


def cmd_attachments_sweep(kernel: TaskFlow, args) -> int:
    """Remove upload files no task refers to, and ``.part`` files a crash left."""
    with kernel.database() as db:
        referenced = {r["attachment"] for r in db.fetchall(
            "SELECT attachment FROM tasks WHERE attachment IS NOT NULL")}
    storage = kernel.storage
    removed = storage.sweep(referenced, older_than=args.min_age, dry_run=args.dry_run)
    for name in removed:
        print(name)
    verb = "would be removed" if args.dry_run else "removed"
    print(f"{len(removed)} file(s) {verb} from {storage.root}")
    return 0


def cmd_create_admin(kernel: TaskFlow, args) -> int:
    password = args.password or os.environ.get("TASKFLOW_ADMIN_PASSWORD")
    if not password:
        password = getpass.getpass("Password for the new admin: ")
    problems = []
    if not USERNAME_RE.match(args.username):
        problems.append("username: 3-32 letters, digits, '.', '_' or '-'")
    if not EMAIL_RE.match(args.email):
        problems.append("email: not a valid address")
    weak = kernel.users.password_problem(password, username=args.username, email=args.email)
    if weak:
        problems.append(weak)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 2
    values = {"username": args.username, "email": args.email, "password": password,
              "role": "admin"}
    try:
        user = kernel.users.create(values)
    except ApiError as exc:  # 409: the name or address is taken
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    print(f"created admin {user['username']} (id {user['id']})")
    return 0


class HelpFormatter(argparse.HelpFormatter):
    """Every option's help ends with its default, plugin commands' too.

    argparse's ``ArgumentDefaultsHelpFormatter`` would also print
    "(default: None)" for options whose default comes from the configuration;
    their help names it instead.
    """

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if not action.option_strings or "default" in text or action.required:
            return text
        if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
            return f"{text} (default: {'on' if action.default else 'off'})"
        if action.default is None or action.default is argparse.SUPPRESS:
            return text
        return f"{text} (default: %(default)s)"


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose sub-commands (plugins' too) use :class:`HelpFormatter`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def build_parser(pm) -> argparse.ArgumentParser:
    parser = Parser(prog="taskflow", description="TaskFlow for Lcore. Configuration: "
                    "defaults < the .env file < APP_* environment variables.")
    parser.add_argument("--version", action="version", version=f"taskflow {__version__}")
    parser.add_argument("--env-file", default=config.default_env_file(os.environ),
                        metavar="PATH", help="the .env file to read (default: "
                        "$TASKFLOW_ENV_FILE, else ./.env)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the server (waitress, multi-threaded)",
                           description="Serve TaskFlow with waitress. Each option overrides "
                           "its APP_* setting. Behind a reverse proxy set "
                           "APP_TRUSTED_PROXIES to its address.")
    add_serve_arguments(serve)
    serve.set_defaults(handler=cmd_serve)

    sub.add_parser("plugins", help="installed plugins, versions and hooks (reads nothing "
                   "but the configuration)").set_defaults(handler=None, inventory=True)
    sub.add_parser("routes", help="every route of the assembled app (assembled on a scratch "
                   "database; yours is not opened)").set_defaults(
        handler=cmd_routes, scratch=True)

    db = sub.add_parser("db", help="database maintenance").add_subparsers(
        dest="db_command", required=True, metavar="COMMAND")
    db.add_parser("upgrade", help="create the database if needed and apply pending "
                  "migrations of every plugin").set_defaults(handler=cmd_db_upgrade)
    seed = db.add_parser("seed", help="insert the demo data into an empty database, and "
                         "bulk rows for benchmarks")
    for name in ("users", "projects", "tasks", "comments"):
        seed.add_argument(f"--{name}", type=int, default=0, metavar="N",
                          help=f"also insert N generated {name}")
    seed.set_defaults(handler=cmd_db_seed)
    backup = db.add_parser("backup", help="copy the live SQLite database (online backup)")
    backup.add_argument("path", help="the backup file to write")
    backup.add_argument("--force", action="store_true", help="replace an existing file")
    backup.set_defaults(handler=cmd_db_backup, signs_nothing=True, existing_database=True)

    files = sub.add_parser("attachments", help="upload maintenance").add_subparsers(
        dest="attachments_command", required=True)
    sweep = files.add_parser("sweep", help="remove files no task refers to any more")
    sweep.add_argument("--min-age", type=int, default=3600, metavar="SECONDS",
                       help="keep files younger than this (an upload in flight; default 3600)")
    sweep.add_argument("--dry-run", action="store_true", help="list, remove nothing")
    sweep.set_defaults(handler=cmd_attachments_sweep)

    admin = sub.add_parser("create-admin", help="create an admin user")
    admin.add_argument("--username", required=True, help="3-32 letters, digits, . _ -")
    admin.add_argument("--email", required=True, help="the admin's email address")
    admin.add_argument("--password", help="the password (default: $TASKFLOW_ADMIN_PASSWORD, "
                       "else asked for without echo)")
    admin.set_defaults(handler=cmd_create_admin, creates_first_user=True)

    _scaffold.add_parser(sub)
    pm.hook.taskflow_cli_commands(subparsers=sub)
    return parser


# Settings a scratch assembly replaces: it must not touch the configured
# database, uploads or Redis, and needs no real secret (it signs nothing).
SCRATCH_KEYS = ("db_path", "database_url", "upload_dir", "seed_demo", "secret_key",
                "redis_url")


def scratch_environ(directory: str) -> dict[str, str]:
    """``os.environ`` with the :data:`SCRATCH_KEYS` pointing into ``directory``."""
    known = {f.name for f in dataclasses.fields(config.CoreConfig)}
    forced = {"db_path": os.path.join(directory, "scratch.db"),
              "database_url": "", "upload_dir": os.path.join(directory, "uploads"),
              "seed_demo": "false", "secret_key": secrets.token_hex(32), "redis_url": ""}
    environ = {k: v for k, v in os.environ.items()
               if k not in {f"APP_{key.upper()}" for key in SCRATCH_KEYS}}
    environ.update({f"APP_{k.upper()}": v for k, v in forced.items() if k in known})
    return environ


def have_waitress() -> bool:
    try:
        import waitress  # noqa: F401
    except ImportError:
        return False
    return True


def server_missing() -> str | None:
    """What to install before :func:`serve` can run (waitress), or ``None`` when it can.

    A script that builds its app at import time checks this first, so that a
    missing server is reported before the database is created::

        if __name__ == "__main__" and (missing := server_missing()):
            sys.exit(missing)
    """
    return None if have_waitress() else NO_WAITRESS


def serve(app: Any, argv: Sequence[str] | None = None, *,
          description: str = "Serve TaskFlow with waitress") -> int:
    """Serve an assembled TaskFlow ``app`` (or its kernel) as ``taskflow serve`` does.

    ``argv`` (default: ``sys.argv[1:]``) takes the flags of ``taskflow serve``
    (``--host``, ``--port``, ``--threads``, ``--connection-limit``,
    ``--channel-timeout``; each defaults to its ``APP_*`` setting).  Logs at
    ``APP_LOG_LEVEL``, serves with waitress until SIGINT/SIGTERM, then closes
    the kernel (``taskflow_shutdown``).  Returns the exit code: 2 when
    waitress is missing (see :func:`server_missing`).
    """
    kernel = app if isinstance(app, TaskFlow) else app.taskflow
    parser = argparse.ArgumentParser(description=description)
    add_serve_arguments(parser)
    args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    logging.basicConfig(level=str(kernel.config.log_level).upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return cmd_serve(kernel, args)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    env_file = config.default_env_file(os.environ)
    if "--env-file" in argv[:-1]:
        env_file = argv[argv.index("--env-file") + 1]
    pm, rows = _inventory(env_file)
    args = build_parser(pm).parse_args(argv)
    if getattr(args, "inventory", False):
        return cmd_plugins(args, rows, pm)
    if getattr(args, "standalone", None):  # needs no configuration and no database
        return args.standalone(args)
    if getattr(args, "handler", None) is cmd_serve and not have_waitress():
        print(NO_WAITRESS, file=sys.stderr)  # before anything touches the database
        return 2
    logging.basicConfig(level=os.environ.get("APP_LOG_LEVEL", "INFO").upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if getattr(args, "scratch", False):
        with tempfile.TemporaryDirectory(prefix="taskflow-scratch-") as directory:
            return _run(args, environ=scratch_environ(directory), quiet=True)
    sources = config.gather_sources({}, args.env_file, os.environ)
    if getattr(args, "existing_database", False) and (missing := _missing_database(sources)):
        print(f"taskflow: {missing}", file=sys.stderr)
        return 1
    environ = None
    if getattr(args, "signs_nothing", False) and "secret_key" not in sources:
        # Nothing is signed, so the refused default key does not matter; a
        # throwaway one lets a checkout's `taskflow db backup` run without it.
        environ = {**os.environ, "APP_SECRET_KEY": secrets.token_hex(32)}
    token = ANNOUNCE_EMPTY.set(not getattr(args, "creates_first_user", False))
    try:
        return _run(args, environ=environ)
    finally:
        ANNOUNCE_EMPTY.reset(token)


def _missing_database(sources: dict[str, tuple[Any, str]]) -> str | None:
    """Why a command that reads an existing SQLite database cannot, or ``None``.

    Assembling the app would create an empty database where none is, and a
    backup of that is worse than an error.
    """
    def value(key: str) -> str:
        return str(sources[key][0]) if key in sources else str(_default(key))

    url = value("database_url") or sqlite_url(value("db_path"))
    try:
        engine, target = engine_of(url)
    except ValueError:
        return None  # the configuration check names the problem
    if engine != "sqlite" or target == ":memory:" or os.path.exists(target):
        return None
    return (f"no database at {os.path.abspath(target)} (APP_DB_PATH or APP_DATABASE_URL; "
            "scripts/serve.sh keeps taskflow.db in the checkout: run this from there)")


def _run(args, environ: dict[str, str] | None = None, quiet: bool = False) -> int:
    """Assemble the app and run the command's handler on its kernel."""
    if quiet:  # a scratch database's start-up notes are about nobody's data
        logging.getLogger("lcore_taskflow").setLevel(logging.ERROR)
    try:
        app = create_app(dotenv=args.env_file, environ=environ)
    except (config.ConfigError, ApiError, OperationalError) as exc:
        print(f"taskflow: {exc}", file=sys.stderr)
        return 2
    kernel = app.taskflow
    if not quiet:
        logging.getLogger().setLevel(kernel.config.log_level.upper())
    try:
        return args.handler(kernel, args) or 0
    finally:
        kernel.close()


if __name__ == "__main__":
    sys.exit(main())
