"""Watch the tox envs below PID: say what is still running, and end what outlives a deadline.

    python scripts/watchdog.py PID [--every MINUTES] [--deadline MINUTES]

Every ``--every`` minutes it prints one line naming the tox envs that are
still running and for how long, so a run cut off from outside (CI's time
limit) still says where it was.  At ``--deadline`` minutes (0: never) it
ends the envs still running: first SIGABRT to their Python processes, whose
faulthandler (PYTHONFAULTHANDLER, set by tox.ini) prints every thread's
stack into the env's output, then SIGTERM and SIGKILL.  tox then reports
those envs as failed, with their output, and the run ends with its summary
instead of being killed blind.  A hung test fails sooner by pytest-timeout
(tox.ini); this catches what runs outside a test (a fuzzer, a process that
never exits).  Linux only (it reads /proc); stdlib only.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import time
from pathlib import Path

#: A process belongs to the tox env whose directory its command line names.
_ENV = re.compile(r"/\.tox/([^/\s]+)/")
#: tox itself (its own venv's ``bin/tox``), which must live on to report.
_TOX = re.compile(r"/bin/tox(\s|$)")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command name in parentheses may hold spaces: the ppid follows the last ')'
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, parents before their children."""
    tree, found, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(0), []):
            found.append(child)
            todo.append(child)
    return found


def _cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode("utf-8", "replace").strip()


def _started(pid: int) -> float:
    """Seconds since boot when ``pid`` started."""
    try:
        ticks = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return 0.0
    return ticks / os.sysconf("SC_CLK_TCK")


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, ended but not yet waited for, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _uptime() -> float:
    return float(Path("/proc/uptime").read_text().split()[0])


def running_envs(root: int) -> dict[str, list[int]]:
    """The tox envs with a process below ``root``: env name -> its pids."""
    envs: dict[str, list[int]] = {}
    for pid in descendants(root):
        match = _ENV.search(_cmdline(pid))
        if match:
            envs.setdefault(match.group(1), []).append(pid)
    return envs


def status(envs: dict[str, list[int]]) -> str:
    now = _uptime()
    parts = [f"{env} ({(now - min(_started(p) for p in pids)) / 60:.0f} min)"
             for env, pids in sorted(envs.items())]
    return ", ".join(parts) or "no env"


def _signal(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except OSError:
            pass  # gone already


def _below_tox(root: int) -> list[int]:
    """Every process below ``root`` but tox itself and this watchdog: the envs' commands
    and whatever they started (servers, browsers), so none keeps tox's pipes open."""
    return [pid for pid in descendants(root)
            if pid != os.getpid() and not _TOX.search(_cmdline(pid))]


def end(root: int, grace: float = 10) -> None:
    """Stack dumps of the envs' Python processes, then an end to everything below tox."""
    envs = running_envs(root)
    print(f"watchdog: deadline reached; still running: {status(envs)}. Their Python "
          "stacks follow in each env's output (SIGABRT), then SIGTERM, then SIGKILL",
          flush=True)
    pids = [pid for env_pids in envs.values() for pid in env_pids]
    _signal([p for p in pids if "python" in _cmdline(p)], signal.SIGABRT)
    time.sleep(grace)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        _signal(_below_tox(root), sig)
        time.sleep(grace)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pid", type=int,
                        help="the process whose tox envs to watch (tox, or the shell running it)")
    parser.add_argument("--every", type=float, default=5, help="minutes between lines (5)")
    parser.add_argument("--deadline", type=float, default=0,
                        help="minutes after which the envs still running are ended (0: never)")
    parser.add_argument("--grace", type=float, default=10,
                        help="seconds between SIGABRT, SIGTERM and SIGKILL (10)")
    args = parser.parse_args(argv)
    poll = min(5.0, args.every * 60)
    start = time.monotonic()
    next_line = args.every * 60
    while _alive(args.pid):
        time.sleep(poll)
        elapsed = time.monotonic() - start
        if args.deadline and elapsed >= args.deadline * 60:
            end(args.pid, args.grace)
            return 0
        if elapsed >= next_line:
            print(f"watchdog: {elapsed / 60:.0f} min; still running: "
                  f"{status(running_envs(args.pid))}", flush=True)
            next_line += args.every * 60
    return 0


if __name__ == "__main__":
    sys.exit(main())
