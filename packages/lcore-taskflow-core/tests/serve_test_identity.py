"""Core alone under ``taskflow serve`` (waitress), signed in by ``X-Test-User``.

Started as its own process by the tests that need real HTTP on a TaskFlow
without the auth package (core's tox envs install only core).
"""

from __future__ import annotations

import sys

from lcore_taskflow.core import create_app, serve
from lcore_taskflow.core.testing import HeaderIdentity

if __name__ == "__main__":
    sys.exit(serve(create_app(plugins=[HeaderIdentity()], discover=False, dotenv=None)))
