"""The seed's two route plugins (Lcore ``setup``/``apply`` lifecycle)."""

from __future__ import annotations

import threading

from lcore import response


class APIVersionPlugin:
    """Adds ``X-API-Version`` and ``_api_version`` to every JSON answer.

    A route opts out with the route option ``skip_versioning=True``.
    """

    name = "api_version"
    api = 2

    def __init__(self, version: str = "1.0.0"):
        self.version = version

    def setup(self, app) -> None:
        self.app = app

    def apply(self, callback, route):
        if route.config.get("skip_versioning"):
            return callback
        version = self.version

        def wrapper(*args, **kwargs):
            response.set_header("X-API-Version", version)
            result = callback(*args, **kwargs)
            if isinstance(result, dict):
                result["_api_version"] = version
            return result

        return wrapper

    def stamp(self, answer) -> None:
        """The header, on an answer refused before any route plugin ran (413)."""
        answer.set_header("X-API-Version", self.version)


class RequestCounterPlugin:
    """Counts requests per route rule; ``/admin/stats`` and ``/debug/stats`` show them.

    Like the seed, each JSON answer carries its route's running count as
    ``_request_number``.  Counts are per process.
    """

    name = "request_counter"
    api = 2

    def __init__(self):
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def setup(self, app) -> None:
        self.app = app

    def apply(self, callback, route):
        key = f"{route.method} {route.rule}"
        counts, lock = self.counts, self._lock

        def wrapper(*args, **kwargs):
            with lock:
                number = counts[key] = counts.get(key, 0) + 1
            result = callback(*args, **kwargs)
            if isinstance(result, dict):
                result["_request_number"] = number
            return result

        return wrapper

    def get_stats(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counts)

    def close(self) -> None:
        pass
