"""How a TaskFlow route handles a request: scope, middleware, access, errors.

The kernel is itself an Lcore route plugin.  Lcore hands it every route of
the app; it wraps its *own* routes (those its plugins mounted) in TaskFlow's
pipeline and leaves the host's routes alone, except for what the host opted
into: an ``auth=`` rule on the route, ``APP_PROTECTED_PATHS``, or feature
names in ``APP_HOST_FEATURES``.  So installing TaskFlow into someone's app
changes nothing the host did not ask for.

The pipeline of one route is composed once, when Lcore builds the route's
callback (after every ``app.reset()``)::

    envelope            request state, trusted proxies, errors from middleware
      middleware...     the plugins' taskflow_middleware, by order (seed: 0..90)
        endpoint        access rule, handler, route plugins, JSON, error body

Errors never reach Lcore's app-wide error handlers (which belong to the host):
an ``HTTPError`` of a TaskFlow route becomes a finished ``HTTPResponse``
with TaskFlow's body (JSON, or a page from ``taskflow_render_error``).
"""

from __future__ import annotations

import functools
import logging
import traceback
import uuid
from typing import TYPE_CHECKING, Any, cast

from lcore import (
    BodyLimitMiddleware,
    HTTPError,
    HTTPResponse,
    SecurityHeadersMiddleware,
    ctx,
    request,
    response,
)

from . import _compat
from ._access import Rule, missing_identity, rule_of, unauthenticated
from ._db import OperationalError
from ._errors import ApiError, render
from ._json import dumps
from ._roles import is_share
from ._scoped import SCOPE_KEY, is_project_scoped
from ._validation import INT_MAX, INT_MIN, refuse_nul

if TYPE_CHECKING:
    from . import TaskFlow

log = logging.getLogger("lcore_taskflow")
ALL = "all"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Host features that are not middleware or route-plugin names.
ERRORS = "errors"


class Pipeline:
    """The middleware and route plugins of one kernel, and the wrapping of routes."""

    def __init__(self, kernel: TaskFlow):
        self.kernel = kernel
        self.middleware: list[Any] = []
        self.route_plugins: list[Any] = []
        self._security: SecurityHeadersMiddleware | None = None
        self._cors = None

    # ----------------------------------------------------------- contents
    def add(self, middleware=(), route_plugins=()) -> None:
        self.middleware = sorted([*self.middleware, *middleware],
                                 key=lambda m: getattr(m, "order", 50))
        self.route_plugins = [*self.route_plugins, *route_plugins]
        self._index()

    def remove(self, middleware=(), route_plugins=()) -> None:
        self.middleware = [m for m in self.middleware if m not in middleware]
        self.route_plugins = [p for p in self.route_plugins if p not in route_plugins]
        self._index()

    def _index(self) -> None:
        from lcore import CORSMiddleware

        self._security = next((m for m in self.middleware
                               if isinstance(m, SecurityHeadersMiddleware)), None)
        self._cors = next((m for m in self.middleware if isinstance(m, CORSMiddleware)), None)

    def names(self) -> list[str]:
        """Every feature name a host may list in ``APP_HOST_FEATURES``."""
        return [ERRORS, *(getattr(m, "name", None) or type(m).__name__ for m in self.middleware),
                *(getattr(p, "name", None) or type(p).__name__ for p in self.route_plugins)]

    def describe(self) -> list[dict[str, Any]]:
        """The middleware of TaskFlow's routes, in the order they run."""
        return [{"name": getattr(m, "name", None) or type(m).__name__,
                 "order": getattr(m, "order", 50), "class": type(m).__name__}
                for m in self.middleware]

    # ------------------------------------------------------------ wrapping
    def wrap(self, callback, route, features: frozenset[str] | None = None,
             protect: bool = False):
        """``callback`` inside TaskFlow's pipeline.

        ``features`` ``None`` means a TaskFlow route (everything applies);
        for a host route it is the set of features the host opted into, and
        ``protect`` says whether the host's protected paths cover it.
        """
        full = features is None
        opted: frozenset[str] = frozenset() if features is None else features
        wanted = (lambda item: True) if full or ALL in opted else (
            lambda item: (getattr(item, "name", None) or type(item).__name__) in opted)
        rule = rule_of(route.config)
        if rule is None and protect:
            rule = Rule(None, tuple(route.config.get("auth_via") or ("bearer",)))
        errors = full or ALL in opted or ERRORS in opted
        skip = set(route.skiplist)
        plugins = [p for p in self.route_plugins
                   if wanted(p) and getattr(p, "name", None) not in skip]
        chain = [m for m in self.middleware if wanted(m) and getattr(m, "name", None) not in skip]
        chain = route_body_limit(chain, route.config)
        if not (chain or plugins or errors or rule):
            return callback  # a host route that asked for nothing: exactly as the host wrote it
        inner = self._shielded(callback, rule, errors, self._scope_of(route) if full else None)
        for plugin in reversed(plugins):
            inner = plugin.apply(inner, route)
        declared = route.config.get("status") if full else None
        call = _compose(chain, self._endpoint(inner, errors, _declared_success(declared)))
        return functools.update_wrapper(self._envelope(call, errors), callback)

    def _scope_of(self, route) -> str | None:
        """The project-scoped plugin that mounted ``route``, if any."""
        owner = self.kernel.assembly.owners.get(route)
        return owner if owner and is_project_scoped(self.kernel.plugin(owner)) else None

    def _shielded(self, handler, rule: Rule | None, errors: bool, scope: str | None = None):
        """The handler behind its access rule; what it raises becomes its result.

        Route plugins (API version, request counter) wrap this, so they see
        every answer, errors included, as a returned value.  ``scope`` names
        the project-scoped plugin of the route: every project the route then
        opens through ``kernel.access()`` must have that plugin on (404).
        """
        kernel = self.kernel
        credentials = rule.credentials if rule else None

        @functools.wraps(handler)
        def shielded(**args):
            try:
                if scope is not None:
                    request.environ[SCOPE_KEY] = scope
                for value in args.values():
                    if value.__class__ is int and not INT_MIN <= value <= INT_MAX:
                        raise ApiError(404, "Not found: a number in the path is out of range")
                refuse_nul(request.query, args)
                if credentials is not None:
                    request.environ["taskflow.credentials"] = credentials
                    check(kernel, rule, args)
                    if scope is not None and rule.role is None \
                            and rule.project_arg in args:  # role= routes: in access.project
                        kernel.scopes.require(scope, args[rule.project_arg])
                return handler(**args)
            except HTTPResponse as answer:
                return answer
            except Exception as exc:
                if not errors:
                    raise
                return failure(exc)

        return shielded

    def _endpoint(self, inner, errors: bool, declared: int | None = None):
        """The handler's result as the answer: a dict is JSON.

        ``declared`` is the route's ``status=`` (201, 204, ...) when not 200:
        it becomes the real status of a dict (or, for 204, an empty) result
        unless the handler set another one itself; a 204 answer has no body.
        """
        kernel = self.kernel

        def endpoint(c):
            result = inner(**c.request.environ["taskflow.args"])
            if declared is not None and c.response.status_code == 200 and (
                    isinstance(result, dict) or (declared == 204 and result in (None, ""))):
                c.response.status = declared
                if declared == 204:
                    return ""
            if isinstance(result, dict):
                c.response.content_type = "application/json"
                return dumps(result)
            if errors and isinstance(result, HTTPError):
                return render(kernel, result)
            return result

        return endpoint

    def _envelope(self, call, errors: bool):
        kernel = self.kernel
        trusted = kernel.trusted_proxies
        json_limit = min(kernel.config.json_body_limit, kernel.config.max_upload_size)
        begin, end = kernel.connections.begin_request, kernel.connections.end_request

        def taskflow_route(**kwargs):
            environ = request.environ
            environ["taskflow.args"] = kwargs
            environ["taskflow.json_limit"] = json_limit
            _compat.trust_proxies(environ, trusted)
            begin()
            try:
                result = call(ctx)
                if errors and isinstance(result, HTTPError):  # refused by a middleware
                    result = render(kernel, result)
                elif environ["REQUEST_METHOD"] == "OPTIONS":  # a CORS preflight ends early
                    self._stamp(response)
            except HTTPResponse as answer:  # raised by a middleware (413 of the body limit)
                if not errors:
                    raise
                result = self._stamp(render(kernel, answer) if isinstance(answer, HTTPError)
                                     else answer)
            except Exception as exc:  # from a middleware (an identity lookup, say)
                if not errors:
                    raise
                result = self._stamp(render(kernel, failure(exc)))
            finally:
                end()
            return result

        return taskflow_route

    def _stamp(self, answer):
        """Headers of every answer, for one ended before the middleware set them.

        ``answer`` is an ``HTTPResponse`` or Lcore's global ``response``.
        """
        if not answer.get_header("X-Request-ID"):
            rid = request.get_header("X-Request-ID")
            answer.set_header("X-Request-ID", rid if rid and len(rid) <= 128 else str(uuid.uuid4()))
            answer.set_header("X-Response-Time", "0.00ms")
        for key, value in (self._security.headers.items() if self._security else ()):
            answer.set_header(key, value)
        for plugin in self.route_plugins:
            stamp = getattr(plugin, "stamp", None)
            if stamp is not None:
                stamp(answer)
        if self._cors is not None:
            _compat.cors_headers(self._cors, request.get_header("Origin"), answer)
        return answer


def failure(exc: Exception) -> HTTPError:
    """The answer to an exception a handler or middleware did not expect.

    A database that cannot serve (unreachable, its breaker open, locked or
    timed out) is a 503 with ``Retry-After``, honestly temporary, and logged
    without a traceback; anything else is a 500 whose traceback is logged.
    """
    if isinstance(exc, OperationalError):
        seconds = getattr(exc, "retry_after", 1)
        log.warning("%s %s: database unavailable: %s", request.method, request.path, exc)
        return ApiError(503, "The database is unavailable: try again in {seconds} s",
                        params={"seconds": seconds},
                        headers={"Retry-After": str(seconds)})
    return HTTPError(500, "Internal Server Error", exc, traceback.format_exc())


class RouteBodyLimit(BodyLimitMiddleware):
    """The body limit of one route that declares ``body_limit=`` (bytes, or a callable
    giving them, read per request so a changed setting applies at once).

    It takes the place of the stack's ``body_limit`` for that route only: an import
    route may take 32 MiB while every other route stays at ``APP_MAX_UPLOAD_SIZE``.
    ``body_limit_setting=`` names the setting in the 413's message.
    """

    def __init__(self, limit, setting: str | None = None):
        super().__init__(max_size=0)
        self.limit = limit
        self.setting = setting

    def __call__(self, ctx, next_handler):
        size = int(self.limit() if callable(self.limit) else self.limit)
        if ctx.request.content_length > size:
            if self.setting:
                raise ApiError(413, "The request body is over the limit {setting} ({size} bytes)",
                               params={"setting": self.setting, "size": size})
            raise ApiError(413, "The request body is over the limit ({size} bytes)",
                           params={"size": size})
        ctx.request.environ["lcore.body_max_size"] = size  # Lcore's readers stop past it
        return next_handler(ctx)


def body_limit_of(options: Any) -> Any:
    """A route's ``body_limit=`` (``None`` when it declares none); ``ValueError`` naming a
    malformed one (assembly checks every plugin route with it)."""
    limit = options.get("body_limit")
    if limit is not None and not callable(limit) and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0):
        raise ValueError(f"body_limit={limit!r}: a positive number of bytes, or a callable "
                         "returning them")
    return limit


def route_body_limit(chain: list[Any], options: Any) -> list[Any]:
    """``chain`` with the route's own body limit in place of the stack's, if it declares one."""
    limit = body_limit_of(options)
    if limit is None:
        return chain
    own = RouteBodyLimit(limit, options.get("body_limit_setting"))
    return [own if isinstance(m, BodyLimitMiddleware) else m for m in chain]


def _declared_success(status: object) -> int | None:
    """The ``status=`` route option, when it is a success status other than 200."""
    if isinstance(status, int) and not isinstance(status, bool) and 200 < status < 300:
        return status
    return None


def _compose(chain, endpoint):
    """``chain[0](ctx, chain[1](ctx, ... endpoint(ctx)))``, built once per route."""
    call = endpoint
    for middleware in reversed(chain):
        call = functools.partial(middleware, next_handler=call)
    return call


def check(kernel: TaskFlow, rule: Rule, args: dict[str, Any]) -> None:
    """Enforce ``rule`` for the current request: 401, 403 or 404 (fail closed)."""
    user = kernel.current_user(required=False)
    if user is None:
        if not (kernel.implemented("taskflow_identify")
                or "taskflow.auth_problem" in request.environ):
            raise missing_identity(kernel)
        refusal = unauthenticated(request.environ, rule.credentials)
        if "basic" in rule.credentials:
            refusal.set_header("WWW-Authenticate", 'Basic realm="TaskFlow"')
        raise refusal
    scopes = user.get("scopes")  # a personal access token's
    if scopes is not None and "write" not in scopes and request.method not in SAFE_METHODS:
        raise ApiError(403, "This token has the read scope: it cannot change anything")
    if is_share(user) and not (rule.role or rule.share):
        raise ApiError(403, "A share link opens project {id} only",
                       params={"id": user["share_project"]})
    project_id = args.get(rule.project_arg) if rule.role is not None else None
    if rule.role is not None:
        kernel.access().project(cast(int, project_id), rule.role)  # the route's URL has it
    if rule.action is not None:  # a project route passes its project: the resource
        kernel.require(rule.action, project_id)
