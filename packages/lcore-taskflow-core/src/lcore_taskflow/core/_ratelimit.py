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


def quiet_loopback_warning() -> None:
    """Silence Lcore's per-request warning about loopback clients.

    Lcore assumes a loopback client means an unconfigured reverse proxy and
    warns on the first rate-limited request.  TaskFlow configures the proxy
    case explicitly (``APP_TRUSTED_PROXIES`` installs ``ProxyFixMiddleware``),
    and local clients are real clients, so the warning is only noise.
    """
    warnings.filterwarnings("ignore", message="rate_limit: resolved remote_addr",
                            category=RuntimeWarning)


def rate_limited(limit: int, per: int = 60, backend=None) -> Callable:
    """Allow ``limit`` requests per ``per`` seconds per client address (429 past it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return rate_limit(limit, per=per, backend=backend)
