"""Per-client rate limits on top of Lcore's ``rate_limit``.

Lcore warns at decoration time that its in-process token buckets are per
worker process (so ``gunicorn -w N`` allows N x the limit).  That is the
documented trade-off of this suite — pass ``backend=`` for a shared store —
so the warning is silenced here, in one place, instead of at every route.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

from lcore import rate_limit


def rate_limited(limit: int, per: int = 60, backend=None) -> Callable:
    """Allow ``limit`` requests per ``per`` seconds per client address (429 past it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return rate_limit(limit, per=per, backend=backend)
