"""Slowing down password guessers per account, not only per address.

The per-client limit (``login_rate_limit``) stops one address; a guesser
spread over many addresses is stopped here: after ``free`` failed sign-ins
for one account name (``APP_LOGIN_ACCOUNT_FREE_FAILURES``, 10), each further
try must wait ``2 ** (failures - free)`` seconds, at most ``cap``
(``APP_LOGIN_ACCOUNT_MAX_DELAY``, 300 s): a slow trickle for a guesser, a
short wait at worst for the real user someone is trying to lock out.
Failures are counted in the database, so every server sees them; a
successful sign-in clears them.  Names that do not exist count the same way
(the answer must not tell them apart).
"""

from __future__ import annotations

import math
import time

from lcore_taskflow.core import ApiError

FORGET_AFTER = 86400.0


def _account(username: str) -> str:
    return username.strip().lower()[:200]


def check(db, username: str) -> None:
    """429 with ``Retry-After`` while the account is cooling down."""
    row = db.fetchone("SELECT locked_until FROM auth_login_failures WHERE account = ?",
                      (_account(username),))
    wait = (row["locked_until"] - time.time()) if row else 0
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise ApiError(429, "Too many failed sign-ins for this account: try again in "
                            "{seconds} s", headers={"Retry-After": str(seconds)},
                       params={"seconds": seconds})


def failed(db, username: str, free: int, cap: float) -> int:
    """Count a failure; the account's failures so far."""
    now = time.time()
    account = _account(username)
    with db.transaction():
        row = db.fetchone("SELECT failures, last_failure FROM auth_login_failures"
                          " WHERE account = ?", (account,))
        failures = 1 if row is None or now - row["last_failure"] > FORGET_AFTER \
            else row["failures"] + 1
        locked = now + min(2.0 ** min(failures - free, 30), cap) if failures > free else 0.0
        db.upsert("auth_login_failures", {"account": account, "failures": failures,
                                          "last_failure": now, "locked_until": locked},
                  conflict=("account",), update=("failures", "last_failure", "locked_until"))
        db.execute("DELETE FROM auth_login_failures WHERE last_failure < ?",
                   (now - FORGET_AFTER,))
    return failures


def succeeded(db, username: str) -> None:
    db.execute("DELETE FROM auth_login_failures WHERE account = ?", (_account(username),))
