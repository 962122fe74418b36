"""The password policy: long enough, not common, not the account's own name.

The common-password list is the 30,000 most frequent leaked passwords that
ship with ``zxcvbn`` (Dropbox's strength estimator, maintained on PyPI), not
a list typed in here.  Checked case-insensitively, so ``Password`` and
``PASSWORD`` are as common as ``password``.
"""

from __future__ import annotations

import functools

MAX_LENGTH = 1024


@functools.lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *, username: str = "", email: str = "",
                     min_length: int = 10) -> str | None:
    """Why ``password`` is refused, or ``None`` when it is acceptable."""
    if len(password) < min_length:
        return f"password must be at least {min_length} characters"
    if len(password) > MAX_LENGTH:
        return f"password must be at most {MAX_LENGTH} characters"
    if not password.strip():
        return "password must not be only spaces"
    folded = password.strip().lower()
    if len(set(folded)) < 3:
        return "password must not repeat one or two characters"
    names = {username.lower(), email.lower(), email.split("@")[0].lower()} - {""}
    if folded in names:
        return "password must not be your username or email address"
    if folded in common_passwords():
        return "password is one of the most common passwords; choose another"
    return None
