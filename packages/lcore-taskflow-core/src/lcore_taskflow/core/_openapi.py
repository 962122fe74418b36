"""``/openapi.json``: an OpenAPI 3.1 document built from the routes themselves.

Nothing here is written by hand per endpoint.  The document is generated at
request time from the TaskFlow routes of the app, so every loaded plugin
contributes its part.  Each route gives:

* its path, method, name (``operationId``) and docstring (summary, text);
* ``auth=`` / ``auth_via=``: the security requirement, 401 and 403;
* ``body=`` (a :class:`Schema`), ``query=`` (a :class:`Query`): the request,
  400, 413 and 422 answers, from the same classes the handler validates with;
* ``returns=`` (a schema, a media type such as ``"text/html"``, or ``None``
  for no body) and ``status=`` (default 200): the success answer;
* ``responses=``: further answers, each a status or ``(status, schema)`` or
  ``(status, "what it means")`` (Lcore's route options cannot be dicts);
* a ``kernel.limits.limit`` decorator: 429 with ``Retry-After``;
* any of the above: 503 with ``Retry-After`` (the database is unavailable);
* integer path parameters: 404 (out of range or not found).

A route that declares none of ``returns``/``status``/``responses`` still
appears (path, method, auth, summary) with a ``default`` answer.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from lcore import HTTP_CODES, Route

from ._schema import MISSING, Query, Schema, describe

OPTIONS = ("body", "query", "returns", "status", "responses", "tags")
PLACEHOLDER = re.compile(r"<([^<>:]*)(?::([^<>:]*)(?::([^<>]*))?)?>")
REDIRECTS = (301, 302, 303, 307, 308)
METHODS = ("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE")
#: How each credential kind of ``auth_via`` is named in ``components.securitySchemes``.
SCHEMES = {
    "bearer": ("bearerAuth", {"type": "http", "scheme": "bearer",
                              "description": "A token from `POST /auth/login`."}),
    # The cookie's name is part of the HTTP contract (SPEC §4), whichever plugin signs it.
    "cookie": ("cookieAuth", {"type": "apiKey", "in": "cookie", "name": "session_user",
                              "description": "The signed session cookie that login sets; "
                                             "a write (POST, PUT, PATCH, DELETE) with it also "
                                             "needs the X-Requested-With header (any value) or "
                                             "an Origin header naming this server (CSRF "
                                             "protection)."}),
    "basic": ("basicAuth", {"type": "http", "scheme": "basic"}),
}
ERROR_SCHEMA = {
    "type": "object",
    "description": "Every 4xx and 5xx answer (outside /api/, an HTML page instead for 404 and "
                   "500 when the ui plugin is loaded and the client does not ask for JSON; "
                   "under /api/ always JSON).",
    "required": ["error", "status"],
    "properties": {
        "error": {"type": "string", "description": "What went wrong, for people"},
        "status": {"type": "integer", "description": "The HTTP status again"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "Validation errors: a message per field (422, 400)"},
        "traceback": {"type": "string", "description": "Debug mode only (500)"},
    },
}
MEANINGS = {
    400: "Malformed JSON, a body that is not a JSON object, or a bad query parameter",
    401: "No valid credentials (missing, malformed, expired or revoked)",
    403: "Signed in, but not allowed",
    404: "No such resource (or a number in the path out of range)",
    413: "The body is too large (JSON bodies: APP_JSON_BODY_LIMIT, 1 MiB by default)",
    422: "Validation failed: `fields` names each bad field",
    429: "Too many requests from this client: wait `Retry-After` seconds",
    503: "The database is unavailable (unreachable, or busy past its timeouts): "
         "try again after `Retry-After` seconds",
}


class DeclarationError(ValueError):
    """A route option of the API description is malformed."""


def check_declaration(options: Any) -> None:
    """Refuse malformed ``body``/``query``/``returns``/``status``/``responses`` at start-up."""
    for key in options:
        name = key.split(".", 1)[0]
        if name in OPTIONS and name != key:  # Lcore flattens a dict option into dotted keys
            raise DeclarationError(f"{name}= is a dict: declare a Schema subclass "
                                   "(responses=: a tuple such as ((404, 'why'),))")
    body, query = options.get("body"), options.get("query")
    if body is not None and not _is_schema(body):
        raise DeclarationError(f"body={body!r}: expected a Schema subclass")
    if query is not None and not (_is_schema(query) and issubclass(query, Query)):
        raise DeclarationError(f"query={query!r}: expected a Query subclass")
    returns = options.get("returns")
    if returns is not None and not (_is_schema(returns) or isinstance(returns, str)):
        raise DeclarationError(f"returns={returns!r}: expected a Schema subclass, a media "
                               "type such as 'text/html', or None")
    status = options.get("status", 200)
    if not _is_status(status):
        raise DeclarationError(f"status={status!r}: expected an HTTP status code")
    for item in options.get("responses") or ():
        code, what = item if isinstance(item, tuple) else (item, None)
        if not _is_status(code) or not (what is None or isinstance(what, str)
                                        or _is_schema(what)):
            raise DeclarationError(f"responses: {item!r}: expected a status, "
                                   "(status, Schema) or (status, 'description')")


def _is_schema(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, Schema)


def _is_status(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599


def document(kernel) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``kernel``'s routes as they are mounted now."""
    return Builder(kernel).build()


class Builder:
    """One document: the paths, and the components they refer to."""

    def __init__(self, kernel):
        self.kernel = kernel
        self.schemas: dict[str, dict[str, Any]] = {"Error": ERROR_SCHEMA}
        self.names: dict[type, str] = {}
        self.responses: dict[str, dict[str, Any]] = {}
        self.schemes: dict[str, dict[str, Any]] = {}
        self.operation_ids: set[str] = set()

    def build(self) -> dict[str, Any]:
        kernel = self.kernel
        paths: dict[str, dict[str, Any]] = {}
        tags: dict[str, str] = {}
        for route in self.routes():
            path, params = openapi_path(route.rule[len(kernel.prefix):])
            operation = self.operation(route, params)
            tags.setdefault(operation["tags"][0], self.owner(route))
            paths.setdefault(path, {})[route.method.lower()] = operation
        plugins = ", ".join(f"{i.name} {i.version}" for i in kernel.infos)
        components: dict[str, Any] = {"schemas": dict(sorted(self.schemas.items()))}
        if self.responses:
            components["responses"] = dict(sorted(self.responses.items()))
        if self.schemes:
            components["securitySchemes"] = self.schemes
        return {
            "openapi": "3.1.0",
            "info": {"title": kernel.config.app_name, "version": kernel.config.api_version,
                     "description": "Generated from the routes of the loaded plugins "
                                    f"({plugins}). Errors are JSON: `{{error, status}}`, "
                                    "plus `fields` for validation errors."},
            "servers": [{"url": kernel.url("") or "/"}],
            "tags": [{"name": t, "description": f"Routes of plugin {owner}"}
                     for t, owner in sorted(tags.items())],
            "paths": dict(sorted(paths.items())),
            "components": components,
        }

    def routes(self) -> list[Route]:
        """TaskFlow's own routes, without its catch-all and methods OpenAPI has no name for."""
        miss = self.kernel.assembly.miss_route
        return [r for r in self.kernel.app.routes
                if self.kernel.owns(r) and r is not miss and r.method in METHODS]

    def owner(self, route: Route) -> str:
        return self.kernel.assembly.owners.get(route, "?")

    def tag(self, route: Route) -> str:
        declared = route.config.get("tags")
        if declared:
            return declared[0] if isinstance(declared, (list, tuple)) else str(declared)
        mount = self.kernel.assembly.mounts.get(route) or ""
        mount = mount[len(self.kernel.prefix):].strip("/")
        return mount or self.owner(route)

    # ------------------------------------------------------------ operation
    def operation(self, route: Route, params: list[dict[str, Any]]) -> dict[str, Any]:
        config = route.config
        callback = inspect.unwrap(route.callback)
        summary, _, text = describe(callback).partition("\n")
        rule = self.kernel.route_rule(route)
        limit = rate_limit(route.callback)
        notes = [text.strip()] if text.strip() else []
        if rule is not None:
            notes.append(f"Requires {rule.describe()}.")
        if limit:
            notes.append(f"Rate limit: {limit[1]} requests per {limit[2]} s per client "
                         f"(bucket `{limit[0]}`).")
        operation: dict[str, Any] = {
            "tags": [self.tag(route)],
            "summary": summary or route.name or f"{route.method} {route.rule}",
            "operationId": self.operation_id(route),
        }
        if notes:
            operation["description"] = "\n\n".join(notes)
        if rule is not None and rule.role is not None:
            operation["x-taskflow-role"] = rule.role
        query = config.get("query")
        if query is not None:
            params = params + self.query_parameters(query)
        if params:
            operation["parameters"] = params
        body = config.get("body")
        if body is not None:
            media = "multipart/form-data" if body.has_files() else "application/json"
            operation["requestBody"] = {"required": True,
                                        "content": {media: {"schema": self.ref(body)}}}
        operation["responses"] = self.answers(route, rule, params, limit)
        operation["security"] = self.security(route, rule)
        operation["x-taskflow-auth"] = _auth_value(config.get("auth"))
        operation["x-taskflow-plugin"] = self.owner(route)
        return operation

    def operation_id(self, route: Route) -> str:
        base = route.name or re.sub(r"\W+", "_", f"{route.method}_{route.rule}").strip("_")
        name, n = base, 2
        while name in self.operation_ids:
            name, n = f"{base}_{n}", n + 1
        self.operation_ids.add(name)
        return name

    def query_parameters(self, query: type[Query]) -> list[dict[str, Any]]:
        fields = {**query.fields, **query.extra_parameters(self.kernel)}
        out = []
        for name, field in fields.items():
            param = {"name": name, "in": "query", "required": field.required,
                     "schema": field.json_schema(self.ref)}
            if field.description:
                param["description"] = field.description
            out.append(param)
        return out

    def security(self, route: Route, rule) -> list[dict[str, list]]:
        """Who may call: the credentials of ``auth_via``; optional on a public route."""
        kinds = rule.credentials if rule is not None else route.config.get("auth_via")
        if not kinds:
            return []
        names = []
        for kind in kinds:
            name, scheme = SCHEMES[kind]
            self.schemes[name] = scheme
            names.append({name: []})
        return names if rule is not None else [{}, *names]

    # ------------------------------------------------------------ responses
    def answers(self, route: Route, rule, params, limit) -> dict[str, Any]:
        config = route.config
        declared = any(k in config for k in ("returns", "status", "responses"))
        status = config.get("status", 200)
        out = {str(status): self.success(status, config.get("returns", MISSING))}
        implied = []
        if rule is not None:
            implied += [401] if rule.action is None and rule.role is None else [401, 403]
            if rule.role is not None:
                implied.append(404)
        if any(p["in"] == "path" and p["schema"].get("type") == "integer" for p in params):
            implied.append(404)
        body = config.get("body")
        if body is not None:
            implied += [400, 413] if body.has_files() else [400, 413, 422]
        if config.get("query") is not None:
            implied.append(400)
        if limit:
            implied.append(429)
        if implied:  # a route that checks anything asks the database: it may be down
            implied.append(503)
        for code in implied:
            out.setdefault(str(code), self.error(code))
        for item in config.get("responses") or ():
            code, what = item if isinstance(item, tuple) else (item, None)
            out[str(code)] = self.answer(code, what)
        if not declared:
            out["default"] = {"description": "Not described: the route declares no `returns`"}
        return dict(sorted(out.items()))

    def success(self, status: int, returns: Any) -> dict[str, Any]:
        answer: dict[str, Any] = {"description": HTTP_CODES.get(status, "Success")}
        if status in REDIRECTS:
            answer["headers"] = {"Location": {"required": True, "schema": {"type": "string"}}}
        if isinstance(returns, str):
            answer["content"] = {returns: {"schema": {"type": "string"}}}
        elif returns is not None and returns is not MISSING:
            answer["content"] = {"application/json": {"schema": self.ref(returns)}}
        return answer

    def answer(self, status: int, what: Any) -> dict[str, Any]:
        if _is_schema(what):
            return {"description": HTTP_CODES.get(status, "Answer"),
                    "content": {"application/json": {"schema": self.ref(what)}}}
        if status >= 400:
            return self.error(status, what)
        answer: dict[str, Any] = {"description": what or HTTP_CODES.get(status, "Answer")}
        if status in REDIRECTS:
            answer["headers"] = {"Location": {"required": True, "schema": {"type": "string"}}}
        return answer

    def error(self, status: int, meaning: str | None = None) -> dict[str, Any]:
        """An error answer: a shared component unless it has words of its own."""
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        if meaning:
            return {"description": meaning, "content": content}
        name = re.sub(r"\W", "", HTTP_CODES.get(status, f"Error{status}").title())
        if name not in self.responses:
            answer: dict[str, Any] = {"description": MEANINGS.get(status)
                                      or HTTP_CODES.get(status, "Error"), "content": content}
            if status in (429, 503):
                answer["headers"] = {"Retry-After": {
                    "required": True, "description": "Seconds until a request is allowed",
                    "schema": {"type": "integer", "minimum": 1}}}
            self.responses[name] = answer
        return {"$ref": f"#/components/responses/{name}"}

    # -------------------------------------------------------------- schemas
    def ref(self, schema: type[Schema]) -> dict[str, str]:
        """``schema`` as a component (registered once, under a unique name)."""
        name = self.names.get(schema)
        if name is None:
            name = schema.__name__
            if name in self.schemas:
                name = f"{schema.__module__.replace('.', '_')}_{name}"
            self.names[schema] = name
            self.schemas[name] = {}  # taken before recursing: a schema may contain itself
            self.schemas[name] = schema.json_schema(self.ref)
        return {"$ref": f"#/components/schemas/{name}"}


def openapi_path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    """``/x/<id:int>`` as ``/x/{id}`` with its path parameters."""
    params = []

    def replace(match: re.Match) -> str:
        name, kind, conf = match.group(1), match.group(2) or "re", match.group(3)
        params.append({"name": name, "in": "path", "required": True,
                       "schema": _path_schema(kind, conf)})
        return "{" + name + "}"

    path = PLACEHOLDER.sub(replace, rule) or "/"
    return path, params


def _path_schema(kind: str, conf: str | None) -> dict[str, Any]:
    if kind == "int":
        return {"type": "integer", "format": "int64"}
    if kind == "float":
        return {"type": "number"}
    if kind == "path":
        return {"type": "string", "minLength": 1}
    return {"type": "string", "pattern": f"^{conf or '[^/]+'}$"}


def rate_limit(callback: Any) -> tuple[str, int, float] | None:
    """``(bucket, limit, per)`` of a ``kernel.limits.limit`` decorator on ``callback``."""
    while callback is not None:
        found = getattr(callback, "rate_limit", None)
        if isinstance(found, tuple):
            return found
        callback = getattr(callback, "__wrapped__", None)
    return None


def _auth_value(auth: Any) -> Any:
    return auth if isinstance(auth, (bool, str)) else str(auth)


__all__ = ["DeclarationError", "check_declaration", "document", "openapi_path"]
