"""Which routes and paths a kernel answers, and what each route declares.

An app may hold several kernels (one per mount prefix); each knows its own
routes (``own``), the protection they declare (``rule``), and which missed
paths get TaskFlow's 404/405 rather than the host's (``owns_path``).
"""

from __future__ import annotations

from typing import Any

from lcore import HTTPError, Lcore, Route

from ._access import Rule, rule_of

#: Marks the environ of a probe for a path's slash twin: its own miss is not resolved.
_PROBE = "taskflow.slash_probe"


class Routing:
    """The routes of one kernel (see ``TaskFlow.own``/``owns``/``route_rule``)."""

    def __init__(self, kernel: Any):
        self.kernel = kernel
        self.routes: set[Route] = set()
        self._rules: dict[Route, Rule | None] = {}

    def own(self, route: Route) -> None:
        self.routes.add(route)

    def disown(self, route: Route) -> None:
        self.routes.discard(route)

    def rule(self, route: Route | None) -> Rule | None:
        """The protection ``route`` declares (cached), ``None`` if public."""
        if route is None:
            return None
        rules = self._rules
        if route not in rules:
            rules[route] = rule_of(route.config)
        return rules[route]

    def owns_path(self, path: str) -> bool:
        """Whether a missed ``path`` is this kernel's (answered by its 404/405)."""
        kernel = self.kernel
        if kernel.prefix:
            return path == kernel.prefix or path.startswith(kernel.prefix + "/")
        return kernel.owns_app or kernel.assembly.claims(path)

    def protected(self, rule: str) -> bool:
        """Whether a host route's ``rule`` is under ``APP_PROTECTED_PATHS``."""
        paths = self.kernel.config.get("protected_paths") or ()
        return bool(paths) and any(rule.startswith(p) for p in paths)

    def resolve_miss(self, environ: dict, error: Any) -> tuple[Route, dict] | None:
        """The kernel's catch-all route for a missed path it owns (``_compat.route_misses``)."""
        if environ.get(_PROBE) or not self.owns_path(environ.get("PATH_INFO") or "/"):
            return None
        environ["taskflow.miss"] = error
        if error.status_code == 404 and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            environ["taskflow.slash_twin"] = self.slash_twin(environ)
        return self.kernel.assembly.miss_route, {}

    def slash_twin(self, environ: dict) -> str | None:
        """The missed path with its trailing slash added or removed, when a route answers
        that (``/api/projects`` -> ``/api/projects/``, the seed's mount); else ``None``."""
        path = environ.get("PATH_INFO") or "/"
        twin = path[:-1] if path.endswith("/") else path + "/"
        if not twin or not twin.isprintable():  # no control character goes into Location
            return None
        probe = {"REQUEST_METHOD": environ["REQUEST_METHOD"], "PATH_INFO": twin, _PROBE: True}
        try:
            self.kernel.app.router.match(probe)
        except HTTPError:
            return None
        return twin


def kernels_of(app: Lcore) -> list[Any]:
    """Every TaskFlow kernel installed in ``app`` (one per prefix)."""
    return list(app.__dict__.get("taskflow_kernels", ()))


def owned_elsewhere(app: Lcore, route: Route) -> bool:
    """Whether any kernel of ``app`` owns ``route``."""
    return any(k.owns(route) for k in kernels_of(app))
