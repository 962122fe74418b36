"""The ``taskflow`` command line.

``serve``, ``plugins``, ``routes``, ``db upgrade``, ``db seed``, ``db backup``,
``attachments sweep``, ``create-admin``, ``new-plugin`` (``_scaffold.py``), and whatever
sub-commands plugins add through ``taskflow_cli_commands``.  Configuration comes from
the same sources as the server: ``--env-file`` (default ``./.env``) and ``APP_*`` variables.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import logging
import os
import signal
import sqlite3
import sys
from collections.abc import Sequence
from contextlib import closing

from . import __version__, _scaffold
from . import _config as config
from . import _plugins as plugins
from ._db import OperationalError
from ._errors import ApiError
from ._kernel import TaskFlow, create_app
from ._plugin import CorePlugin
from ._progress import progress_bar
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


# ------------------------------------------------------------ commands
def cmd_serve(kernel: TaskFlow, args) -> int:
    try:
        import waitress
    except ImportError:
        print("taskflow serve needs waitress: pip install 'lcore-taskflow-core[server]'",
              file=sys.stderr)
        return 2

    cfg = kernel.config
    host, port = args.host or cfg.host, args.port or cfg.port
    threads = args.threads or cfg.threads
    print(f"TaskFlow {__version__} serving on http://{host}:{port}/ "
          f"(waitress, {threads} threads; plugins: "
          f"{', '.join(i.name for i in kernel.infos)})", flush=True)
    # SIGTERM (systemd, docker, gunicorn-less supervisors) ends the process
    # without unwinding; turn it into SystemExit so the plugins shut down
    # cleanly (notify drains its queued sends).
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    server = waitress.create_server(kernel.app, host=host, port=port, threads=threads,
                                    ident="TaskFlow", clear_untrusted_proxy_headers=True)
    try:
        server.run()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.close()
        kernel.close()
        logging.getLogger("lcore_taskflow").info("TaskFlow stopped")
    return 0


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


def build_parser(pm) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="taskflow", description="TaskFlow for Lcore")
    parser.add_argument("--version", action="version", version=f"taskflow {__version__}")
    parser.add_argument("--env-file", default=".env", help="the .env file (default ./.env)")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the server (waitress, multi-threaded)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--threads", type=int)
    serve.set_defaults(handler=cmd_serve)

    sub.add_parser("plugins", help="installed plugins, versions and hooks").set_defaults(
        handler=None, inventory=True)
    sub.add_parser("routes", help="every route of the assembled app").set_defaults(
        handler=cmd_routes)

    db = sub.add_parser("db", help="database maintenance").add_subparsers(
        dest="db_command", required=True)
    db.add_parser("upgrade", help="apply pending migrations").set_defaults(
        handler=cmd_db_upgrade)
    seed = db.add_parser("seed", help="insert demo data, or bulk rows for benchmarks")
    for name in ("users", "projects", "tasks", "comments"):
        seed.add_argument(f"--{name}", type=int, default=0, metavar="N")
    seed.set_defaults(handler=cmd_db_seed)
    backup = db.add_parser("backup", help="copy the live SQLite database (online backup)")
    backup.add_argument("path", help="the backup file to write")
    backup.add_argument("--force", action="store_true", help="replace an existing file")
    backup.set_defaults(handler=cmd_db_backup)

    files = sub.add_parser("attachments", help="upload maintenance").add_subparsers(
        dest="attachments_command", required=True)
    sweep = files.add_parser("sweep", help="remove files no task refers to any more")
    sweep.add_argument("--min-age", type=int, default=3600, metavar="SECONDS",
                       help="keep files younger than this (an upload in flight; default 3600)")
    sweep.add_argument("--dry-run", action="store_true", help="list, remove nothing")
    sweep.set_defaults(handler=cmd_attachments_sweep)

    admin = sub.add_parser("create-admin", help="create an admin user")
    admin.add_argument("--username", required=True)
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", help="or TASKFLOW_ADMIN_PASSWORD, or a prompt")
    admin.set_defaults(handler=cmd_create_admin)

    _scaffold.add_parser(sub)
    pm.hook.taskflow_cli_commands(subparsers=sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    env_file = ".env"
    if "--env-file" in argv[:-1]:
        env_file = argv[argv.index("--env-file") + 1]
    pm, rows = _inventory(env_file)
    args = build_parser(pm).parse_args(argv)
    if getattr(args, "inventory", False):
        return cmd_plugins(args, rows, pm)
    if getattr(args, "standalone", None):  # needs no configuration and no database
        return args.standalone(args)
    logging.basicConfig(level=os.environ.get("APP_LOG_LEVEL", "INFO").upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        app = create_app(dotenv=args.env_file)
    except (config.ConfigError, ApiError, OperationalError) as exc:
        print(f"taskflow: {exc}", file=sys.stderr)
        return 2
    kernel = app.taskflow
    logging.getLogger().setLevel(kernel.config.log_level.upper())
    try:
        return args.handler(kernel, args) or 0
    finally:
        kernel.close()


if __name__ == "__main__":
    sys.exit(main())
