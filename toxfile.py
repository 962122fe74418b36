"""tox's inline plugin: find the interpreters pyenv installed, without shell set-up.

tox looks for ``python3.10`` ... ``python3.13`` on PATH, and pyenv keeps them
in ``~/.pyenv/versions/<version>/bin``, which is on PATH only in a shell set
up for pyenv.  The ``virtualenv-pyenv`` discovery plugin cannot help with
current tox: tox sets ``VIRTUALENV_PYTHON=<0``, which the plugin fails to
parse, and then it finds nothing.  So the version directories are appended to
PATH here, after everything already on it.
"""

from __future__ import annotations

import glob
import os

from tox.plugin import impl


@impl
def tox_add_core_config(core_conf, state) -> None:
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = sorted(glob.glob(os.path.join(root, "versions", "3.*", "bin")))
    path = os.environ.get("PATH", "").split(os.pathsep)
    os.environ["PATH"] = os.pathsep.join(path + [d for d in found if d not in path])
