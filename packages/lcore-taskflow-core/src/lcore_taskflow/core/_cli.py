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
import dataclasses
import logging
import os
import secrets
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

from . import __version__, _scaffold
from . import _config as config
from . import _plugins as plugins
from ._commands import (
    cmd_attachments_sweep,
    cmd_create_admin,
    cmd_db_backup,
    cmd_db_seed,
    cmd_db_upgrade,
    cmd_plugins,
    cmd_routes,
)
from ._db import OperationalError
from ._db.urls import engine_of, sqlite_url
from ._errors import ApiError
from ._kernel import create_app
from ._plugin import CorePlugin
from ._provision import ANNOUNCE_EMPTY
from ._server import NO_WAITRESS, add_serve_arguments, cmd_serve, config_default, have_waitress


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
        return str(sources[key][0]) if key in sources else str(config_default(key))

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
