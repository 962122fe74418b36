"""The password policy: long enough, not common, not the account's own name.

The common-password list is the 30,000 most frequent leaked passwords that
ship with ``zxcvbn`` (Dropbox's strength estimator, maintained on PyPI), not
a list typed in here.  Checked case-insensitively, so ``Password`` and
``PASSWORD`` are as common as ``password``.
"""

from __future__ import annotations

import functools

from ._i18n import N_, Message

MAX_LENGTH = 1024


@functools.lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *, username: str = "", email: str = "",
                     min_length: int = 10) -> str | None:
    """Why ``password`` is refused, or ``None`` when it is acceptable."""
    if len(password) < min_length:
        return Message("password must be at least {min} characters", min=min_length)
    if len(password) > MAX_LENGTH:
        return Message("password must be at most {max} characters", max=MAX_LENGTH)
    if not password.strip():
        return N_("password must not be only spaces")
    folded = password.strip().lower()
    if len(set(folded)) < 3:
        return N_("password must not repeat one or two characters")
    names = {username.lower(), email.lower(), email.split("@")[0].lower()} - {""}
    if folded in names:
        return N_("password must not be your username or email address")
    if folded in common_passwords():
        return N_("password is one of the most common passwords; choose another")
    return None
