"""PostgreSQL for tests: found or started (:func:`find_postgres`), and databases of one's own.

Part of :mod:`.services` (which re-exports it and says where a server comes
from): the standard library, plus psycopg when installed.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

from ._services_common import (
    START_TIMEOUT,
    PrivateServer,
    Service,
    ServiceError,
    _apt_install,
    _free_port,
    _run,
    find_service,
)

POSTGRES_ENV = "TASKFLOW_TEST_POSTGRES_URL"
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_url() -> str | None:
    """The URL of a PostgreSQL server for tests (a maintenance database), or ``None``."""
    return find_postgres().url


@functools.cache
def find_postgres() -> Service:
    """Where PostgreSQL comes from (see :mod:`.services`); looked up once."""
    return find_service("PostgreSQL", POSTGRES_ENV, LOCAL_POSTGRES, "127.0.0.1:5432",
                        lambda: _postgres_problem(LOCAL_POSTGRES),
                        start_private_postgres)


def _postgres_problem(url: str) -> str | None:
    """Why ``url`` is not a usable PostgreSQL server, or ``None``."""
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port or 5432), timeout=2).close()
    except OSError as exc:
        return f"nothing listening ({exc.strerror or exc})"
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install 'psycopg[binary]')"
    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as exc:
        return f"cannot connect: {str(exc).strip()}"
    return None


# -- starting ------------------------------------------------------------------
def _postgres_bindir() -> str | None:
    """The directory of initdb and pg_ctl (Debian keeps them off PATH)."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return os.path.dirname(os.path.realpath(on_path))
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return os.path.dirname(found[-1]) if found else None


def _as_postgres(cmd: list[str]) -> list[str]:
    """``cmd`` as the ``postgres`` system user when we are root (PostgreSQL refuses root)."""
    if os.geteuid() != 0:
        return cmd
    if shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--", *cmd]
    import shlex

    return ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(cmd)]


def start_private_postgres(port: int | None = None) -> PrivateServer:
    """Start a throw-away PostgreSQL on 127.0.0.1 (trust auth, no fsync), stopped at exit."""
    bindir = _postgres_bindir()
    if bindir is None:
        _apt_install("postgresql")
        bindir = _postgres_bindir()
        if bindir is None:
            raise ServiceError("apt-get installed postgresql but initdb/pg_ctl are not found")
    directory = tempfile.mkdtemp(prefix="taskflow-pg-")
    data, log = os.path.join(directory, "data"), os.path.join(directory, "server.log")
    if os.geteuid() == 0:
        import pwd

        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(directory, ignore_errors=True)
            raise ServiceError("running as root and there is no 'postgres' user to run "
                               "PostgreSQL as") from None
        os.chown(directory, owner.pw_uid, owner.pw_gid)
    port = port or _free_port()
    pg_ctl = os.path.join(bindir, "pg_ctl")
    options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {directory}"
               " -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
    try:
        _run(_as_postgres([os.path.join(bindir, "initdb"), "-D", data, "-U", "postgres",
                           "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]),
             "initdb", cwd=directory)
        _run(_as_postgres([pg_ctl, "-D", data, "-l", log, "-o", options,
                           "-w", "-t", str(int(START_TIMEOUT)), "start"]),
             "pg_ctl start", cwd=directory)
    except (ServiceError, OSError, subprocess.SubprocessError) as exc:
        shutil.rmtree(directory, ignore_errors=True)
        raise ServiceError(str(exc)) from exc

    def stop() -> None:
        subprocess.run(_as_postgres([pg_ctl, "-D", data, "-m", "immediate", "-w", "stop"]),
                       capture_output=True, cwd=directory, timeout=60)

    def resume() -> None:
        _run(_as_postgres([pg_ctl, "-D", data, "-l", log, "-o", options,
                           "-w", "-t", str(int(START_TIMEOUT)), "start"]),
             "pg_ctl start", cwd=directory)

    server = PrivateServer(f"postgresql://postgres@127.0.0.1:{port}/postgres", directory, stop,
                           _halt=stop, _resume=resume)
    atexit.register(server.stop)
    return server


# -- one test's share ----------------------------------------------------------
def with_database(url: str, name: str) -> str:
    """``url`` pointing at the database ``name`` instead."""
    return urlsplit(url)._replace(path="/" + name).geturl()


_admin_lock = threading.Lock()


@functools.cache
def _admin(base_url: str):
    """One autocommit connection per server for CREATE/DROP DATABASE."""
    import psycopg

    conn = psycopg.connect(base_url, autocommit=True, connect_timeout=10)
    atexit.register(conn.close)
    return conn


def _admin_execute(base_url: str, sql: str) -> None:
    with _admin_lock:
        conn = _admin(base_url)
        if conn.closed or conn.broken:
            _admin.cache_clear()
            conn = _admin(base_url)
        conn.execute(sql)


def create_database(base_url: str, *, template: str | None = None,
                    prefix: str = "taskflow_test_") -> str:
    """Create a uniquely named database, a copy of ``template`` (default:
    ``template0``, which nobody may connect to: a session on ``template1``
    would make the copy fail); its URL.

    Its commits do not wait for the disk (``synchronous_commit = off``): a test
    database needs no durability, and on a busy disk every test would wait
    for fsyncs that SQLite's test runs (WAL, synchronous=NORMAL) never make.
    """
    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    _admin_execute(base_url, f'CREATE DATABASE "{name}" TEMPLATE "{template or "template0"}"')
    _admin_execute(base_url, f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    return with_database(base_url, name)


def drop_database(url: str, base_url: str) -> None:
    """Drop the database of ``url``, disconnecting whoever is still connected."""
    name = urlsplit(url).path.lstrip("/")
    with _admin_lock:
        modern = _admin(base_url).info.server_version >= 130000
    _admin_execute(base_url, f'DROP DATABASE IF EXISTS "{name}"'
                             + (" WITH (FORCE)" if modern else ""))


@contextlib.contextmanager
def fresh_database(base_url: str, *, template: str | None = None) -> Iterator[str]:
    """The URL of a new, empty database (or a copy of ``template``), dropped afterwards."""
    url = create_database(base_url, template=template)
    try:
        yield url
    finally:
        drop_database(url, base_url)


_spares: list[tuple[str, str]] = []  # (base_url, url) of emptied databases to reuse


def empty(url: str) -> None:
    """Make the database of ``url`` as new: its other sessions ended, its
    ``public`` schema (everything an application created) dropped and made anew."""
    import psycopg

    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                     " WHERE datname = current_database() AND pid != pg_backend_pid()")
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


@contextlib.contextmanager
def empty_database(base_url: str) -> Iterator[str]:
    """Like :func:`fresh_database`, two orders of magnitude cheaper: each
    process creates its databases once and empties one (:func:`empty`) for each
    use; they are dropped at exit.  For test suites with hundreds of tests:
    ``CREATE DATABASE`` costs 30-400 ms (it copies and syncs a template),
    emptying about 5 ms."""
    with _admin_lock:
        mine = [spare for spare in _spares if spare[0] == base_url]
        if mine:  # the last one given back
            _spares.remove(mine[-1])
    if mine:
        url = mine[-1][1]
        empty(url)
    else:
        url = create_database(base_url)
        atexit.register(drop_database, url, base_url)
    try:
        yield url
    finally:
        with _admin_lock:
            _spares.append((base_url, url))
