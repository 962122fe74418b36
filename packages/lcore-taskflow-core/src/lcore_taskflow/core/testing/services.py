"""Real PostgreSQL and Redis servers for tests: configured, found, or started here.

Standalone: the standard library, plus psycopg and redis-py when installed,
and nothing else of TaskFlow, so any project's tests can use it::

    url = postgres_url()              # None when there is no way to get one
    with fresh_database(url) as db_url:
        ...                           # a new database, dropped afterwards
    with empty_database(url) as db_url:
        ...                           # the same for a test, reusing an emptied one
    with redis_namespace() as prefix:
        ...                           # keys under a prefix of its own

Where each service comes from, first that works:

1. ``TASKFLOW_TEST_POSTGRES_URL`` / ``TASKFLOW_TEST_REDIS_URL``;
2. a server already listening on 127.0.0.1:5432 (user ``postgres``, trust
   auth) / 127.0.0.1:6379 (no password);
3. a private server in a temporary directory on a free port, stopped when the
   process exits; as root on Debian, ``apt-get install`` first brings
   ``postgresql`` / ``redis-server`` if their programs are missing;
4. none: the URL is ``None`` and :func:`find_postgres` / :func:`find_redis`
   say why in their ``note``.
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
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

POSTGRES_ENV = "TASKFLOW_TEST_POSTGRES_URL"
REDIS_ENV = "TASKFLOW_TEST_REDIS_URL"
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_REDIS = "redis://127.0.0.1:6379/0"
START_TIMEOUT = 60.0


@dataclass(frozen=True)
class Service:
    """A server to test against: its ``url``, or ``None`` and the reason in ``note``."""

    url: str | None
    note: str


@dataclass
class PrivateServer:
    """A server this process started; :meth:`stop` (also run at exit) ends it."""

    url: str
    directory: str
    _stop: Callable[[], None] = field(repr=False)
    _stopped: bool = field(default=False, repr=False)
    _halt: Callable[[], None] | None = field(default=None, repr=False)
    _resume: Callable[[], None] | None = field(default=None, repr=False)

    def halt(self) -> None:
        """Stop the server process but keep its data, to play an outage (PostgreSQL)."""
        if self._halt is None:
            raise NotImplementedError("this server cannot be halted and resumed")
        self._halt()

    def resume(self) -> None:
        """Start a halted server again on the same port, with its data."""
        if self._resume is None:
            raise NotImplementedError("this server cannot be halted and resumed")
        self._resume()

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            try:
                self._stop()
            finally:
                shutil.rmtree(self.directory, ignore_errors=True)


class ServiceError(RuntimeError):
    """A private server could not be installed or started; the message says why."""


# -- finding -------------------------------------------------------------------
def postgres_url() -> str | None:
    """The URL of a PostgreSQL server for tests (a maintenance database), or ``None``."""
    return find_postgres().url


def redis_url() -> str | None:
    """The URL of a Redis server for tests, or ``None``."""
    return find_redis().url


@functools.cache
def find_postgres() -> Service:
    """Where PostgreSQL comes from (see the module docstring); looked up once."""
    configured = os.environ.get(POSTGRES_ENV)
    if configured:
        return Service(configured, f"from {POSTGRES_ENV}")
    tried = []
    problem = _postgres_problem(LOCAL_POSTGRES)
    if problem is None:
        return Service(LOCAL_POSTGRES, "the server on 127.0.0.1:5432")
    tried.append(f"127.0.0.1:5432: {problem}")
    try:
        server = start_private_postgres()
    except ServiceError as exc:
        tried.append(f"private server: {exc}")
        return Service(None, f"no PostgreSQL for the tests (set {POSTGRES_ENV}): "
                             + "; ".join(tried))
    return Service(server.url, f"a private server in {server.directory}")


@functools.cache
def find_redis() -> Service:
    """Where Redis comes from (see the module docstring); looked up once."""
    configured = os.environ.get(REDIS_ENV)
    if configured:
        return Service(configured, f"from {REDIS_ENV}")
    tried = []
    problem = _redis_problem("127.0.0.1", 6379)
    if problem is None:
        return Service(LOCAL_REDIS, "the server on 127.0.0.1:6379")
    tried.append(f"127.0.0.1:6379: {problem}")
    try:
        server = start_private_redis()
    except ServiceError as exc:
        tried.append(f"private server: {exc}")
        return Service(None, f"no Redis for the tests (set {REDIS_ENV}): " + "; ".join(tried))
    return Service(server.url, f"a private server in {server.directory}")


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


def _redis_problem(host: str, port: int) -> str | None:
    """Why no usable Redis answers at ``host:port``, or ``None`` (a RESP PING)."""
    try:
        with socket.create_connection((host, port), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            answer = sock.recv(64)
    except OSError as exc:
        return f"nothing listening ({exc.strerror or exc})"
    if not answer.startswith(b"+PONG"):
        return f"PING answered {answer.strip().decode(errors='replace')!r}"
    return None


# -- starting ------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(cmd: list[str], what: str, **kwargs) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kwargs)
    if proc.returncode != 0:
        raise ServiceError(f"{what} failed ({proc.returncode}): "
                           f"{(proc.stderr or proc.stdout).strip()[-800:]}")


def _apt_install(package: str) -> None:
    """``apt-get install -y package`` as root on Debian, else a ServiceError."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise ServiceError(f"{package} is not installed, and installing it needs root "
                           "on Debian (apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # Parallel test processes may install at once: wait for dpkg's lock.
    install = ["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "-q", package]
    if subprocess.run(install, capture_output=True, env=env, timeout=900).returncode != 0:
        _run(["apt-get", "update", "-q"], "apt-get update", env=env)
        _run(install, f"apt-get install {package}", env=env)


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


def start_private_redis(port: int | None = None) -> PrivateServer:
    """Start a throw-away Redis on 127.0.0.1 that keeps nothing on disk, stopped at exit."""
    binary = shutil.which("redis-server")
    if binary is None:
        _apt_install("redis-server")
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServiceError("apt-get installed redis-server but it is not on PATH")
    directory = tempfile.mkdtemp(prefix="taskflow-redis-")
    port = port or _free_port()
    with open(os.path.join(directory, "server.log"), "wb") as log:
        proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", directory, "--daemonize", "no"],
            stdout=log, stderr=subprocess.STDOUT, cwd=directory)
    deadline = time.monotonic() + START_TIMEOUT
    while _redis_problem("127.0.0.1", port) is not None:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            with open(os.path.join(directory, "server.log"), errors="replace") as fh:
                tail = fh.read()[-800:]
            shutil.rmtree(directory, ignore_errors=True)
            raise ServiceError(f"redis-server did not start: {tail.strip()}")
        time.sleep(0.05)

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    server = PrivateServer(f"redis://127.0.0.1:{port}/0", directory, stop)
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


@contextlib.contextmanager
def redis_namespace(url: str | None = None) -> Iterator[str]:
    """A key prefix of its own (``taskflow-test:<random>:``); its keys are
    deleted afterwards when redis-py is installed and ``url`` (default:
    :func:`redis_url`) answers."""
    prefix = f"taskflow-test:{uuid.uuid4().hex[:12]}:"
    try:
        yield prefix
    finally:
        url = url or redis_url()
        try:
            import redis
        except ImportError:
            redis = None  # type: ignore[assignment]  # optional: no Redis client, no cleanup
        if url and redis is not None:
            client = redis.Redis.from_url(url)
            try:
                keys = list(client.scan_iter(match=prefix + "*", count=1000))
                if keys:
                    client.delete(*keys)
            finally:
                client.close()
