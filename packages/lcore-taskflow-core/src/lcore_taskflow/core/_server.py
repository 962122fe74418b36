"""Running the server: ``taskflow serve`` and :func:`serve` with waitress.

The options (flags over ``APP_*`` settings), trusted proxies, the open-file
limit a connection limit needs, and one line instead of a traceback when the
socket cannot be bound.
"""

from __future__ import annotations

import argparse
import dataclasses
import errno
import logging
import signal
import socket
import sys
from collections.abc import Callable, Sequence
from typing import Any

from . import __version__
from . import _config as config
from ._kernel import TaskFlow

NO_WAITRESS = ("taskflow serve needs waitress: pip install waitress (the extra "
               "lcore-taskflow-core[server] brings it)")
# What a trusted proxy may tell us: the client's address (per-client rate
# limits, logs) and the scheme it was reached by (Secure cookies).  The same
# two headers gunicorn's --forwarded-allow-ips trusts with TaskFlow.
PROXY_HEADERS = frozenset({"x-forwarded-for", "x-forwarded-proto"})


def config_default(key: str) -> Any:
    """Core's default for ``key`` (what a flag falls back to without ``APP_*``)."""
    return {f.name: f.default for f in dataclasses.fields(config.CoreConfig)}[key]


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``taskflow serve`` (also those of examples/taskflow_server/app.py)."""
    def option(flag: str, key: str, kind: type, text: str) -> None:
        parser.add_argument(flag, type=kind, metavar=key.upper(), help=(
            f"{text} (default: APP_{key.upper()} or {config_default(key)})"))

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


def cmd_serve(kernel: TaskFlow, args) -> int:
    try:
        from ._waitress import create_server  # keeps connections open after a 304
    except ImportError:
        print(NO_WAITRESS, file=sys.stderr)
        return 2

    cfg = kernel.config
    options = serve_options(cfg, args)
    assert kernel.app is not None  # an assembled kernel
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
