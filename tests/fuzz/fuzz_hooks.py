"""Schemathesis hooks of the fuzz run (loaded through ``SCHEMATHESIS_HOOKS``).

Waitress trusts ``X-Forwarded-For`` from loopback (``--trusted-proxy``); each
request claims one of a few dozen client addresses, so per-client rate limits
still answer 429 now and then without hiding the routes behind them.
"""

from __future__ import annotations

import itertools

import schemathesis

# In turn, not at random: Hypothesis frowns on the random module inside a test case.
CLIENTS = itertools.cycle(f"198.51.100.{n}" for n in range(1, 65))


@schemathesis.hook
def before_call(context, case, kwargs) -> None:
    case.headers = {**(case.headers or {}), "X-Forwarded-For": next(CLIENTS)}
