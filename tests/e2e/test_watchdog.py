"""scripts/watchdog.py on a real process tree: the envs it names, the stacks it asks for,
and nothing left running after its deadline."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

WATCHDOG = Path(__file__).resolve().parents[2] / "scripts" / "watchdog.py"


def test_the_watchdog_names_a_hung_env_dumps_its_stack_and_ends_it(tmp_path):
    # a fake tox env: a Python whose path names .tox/stuck/, as tox's env commands do
    bin_dir = tmp_path / ".tox" / "stuck" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").symlink_to(sys.executable)
    hung = textwrap.dedent("""
        import subprocess, sys, time
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        def waiting_forever():
            time.sleep(600)
        waiting_forever()
    """)
    stderr = tmp_path / "env.err"
    # the shell stands where scripts/test.sh does: the watchdog watches its children
    shell = subprocess.Popen(
        ["bash", "-c", f'"{bin_dir / "python"}" -c "$HUNG" 2>"{stderr}"; sleep 600'],
        env={**os.environ, "HUNG": hung, "PYTHONFAULTHANDLER": "1"})
    try:
        done = subprocess.run(
            [sys.executable, str(WATCHDOG), str(shell.pid), "--every", "0.02",
             "--deadline", "0.1", "--grace", "1"],
            capture_output=True, text=True, timeout=60)
        out = done.stdout
        assert done.returncode == 0, done.stderr
        assert "watchdog: 0 min; still running: stuck (0 min)" in out
        assert "deadline reached; still running: stuck" in out
        assert "waiting_forever" in stderr.read_text()  # its stack, by faulthandler
        time.sleep(0.5)
        left = [line for line in subprocess.run(["ps", "-eo", "args"], capture_output=True,
                                                text=True).stdout.splitlines()
                if str(bin_dir) in line]
        assert left == []  # the env's command and the server it started are gone
    finally:
        shell.kill()
        shell.wait(10)


def test_the_watchdog_leaves_when_the_run_ends_and_says_nothing_without_envs(tmp_path):
    shell = subprocess.Popen(["bash", "-c", "sleep 2"])
    done = subprocess.run([sys.executable, str(WATCHDOG), str(shell.pid), "--every", "0.01"],
                          capture_output=True, text=True, timeout=60)
    shell.wait(10)
    assert done.returncode == 0
    assert "still running: no env" in done.stdout
    assert "deadline" not in done.stdout
