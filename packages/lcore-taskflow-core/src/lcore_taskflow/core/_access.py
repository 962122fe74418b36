"""Who may call a route: the ``auth=`` rules, credentials and permission answers.

Core enforces every rule itself, so protection never depends on a plugin
being installed: with no identity plugin a protected route answers 401
saying so, with no permission plugin 403.  Plugins only *answer* the two
questions (``taskflow_identify``, ``taskflow_authorize``).

Route options (TaskFlow's own routes must declare ``auth``; a host's routes
opt in by declaring it):

* ``auth=False`` public; ``auth=True`` any signed-in user;
  ``auth="admin"`` users allowed ``admin:access``; ``auth="reports:view"``
  users allowed that action;
* ``auth_via=("bearer",)`` the credentials the route accepts, any of
  ``"bearer"`` (``Authorization: Bearer``), ``"cookie"`` (the signed session
  cookie; on POST/PUT/PATCH/DELETE only with CSRF protection, see the auth
  package) and ``"basic"`` (HTTP Basic).  Default: ``("bearer",)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ._errors import ApiError

CREDENTIALS = ("bearer", "cookie", "basic")
DEFAULT_CREDENTIALS = ("bearer",)
SIGNED_IN = frozenset({"user", "authenticated", "signed-in"})


@dataclass(frozen=True)
class Rule:
    """A route's protection: ``action`` ``None`` means "any signed-in user"."""

    action: str | None
    credentials: tuple[str, ...]

    def describe(self) -> str:
        return "signed-in user" if self.action is None else f"permission {self.action!r}"


def rule_of(options: Any) -> Rule | None:
    """The rule a route's options declare, ``None`` for a public route.

    Raises ``ValueError`` naming the problem for a malformed declaration.
    """
    raw = options.get("auth")
    credentials = tuple(options.get("auth_via") or DEFAULT_CREDENTIALS)
    unknown = [c for c in credentials if c not in CREDENTIALS]
    if unknown:
        raise ValueError(f"auth_via={credentials!r}: unknown credential kind "
                         f"{unknown[0]!r} (choose from {', '.join(CREDENTIALS)})")
    if raw is None or raw is False:
        return None
    if raw is True or raw in SIGNED_IN:
        return Rule(None, credentials)
    if raw == "admin":
        return Rule("admin:access", credentials)
    if isinstance(raw, str) and raw:
        return Rule(raw, credentials)
    raise ValueError(f"auth={raw!r}: expected True, False, 'admin' or an action name "
                     "such as 'reports:view'")


def decide(answers: Iterable[bool | None]) -> bool:
    """Combine several ``taskflow_authorize`` answers, independent of their order.

    Any explicit ``False`` denies; otherwise any ``True`` allows; when no
    plugin has an opinion (only ``None``), the request is denied.
    """
    allowed = False
    for answer in answers:
        if answer is False:
            return False
        if answer is True:
            allowed = True
    return allowed


def role_policy(user: dict[str, Any] | None, action: str, resource: Any = None) -> bool:
    """The seed's RBAC table: what each role may do.

    * an admin may do everything;
    * a member may ``users:update`` their own account, and any ``*:own``
      action (a plugin asks for it after checking that the resource is theirs);
    * every other action (``users:create``, ``projects:delete``,
      ``admin:access``, ``notifications:batch``, ...) is admin-only;
    * anonymous users may do nothing.

    The auth package answers ``taskflow_authorize`` with it; the testing kit
    uses the same function, so tests check the real policy.
    """
    if not user:
        return False
    if user.get("role") == "admin":
        return True
    if action == "users:update":
        return resource is not None and user.get("id") == resource
    return isinstance(action, str) and action.endswith(":own")


def missing_identity(kernel) -> ApiError:
    """The 401 of a protected route when nothing can identify users."""
    disabled = "auth" in kernel.config.get("plugins_disabled", ()) or (
        kernel.config.get("plugins_enabled") and "auth" not in kernel.config.plugins_enabled)
    why = ("lcore-taskflow-auth is disabled by the configuration" if disabled
           else "install lcore-taskflow-auth")
    return ApiError(401, f"Authentication required, but no identity plugin is loaded ({why})")


HOW = {"bearer": "Authorization: Bearer <token>", "cookie": "the session cookie",
       "basic": "HTTP Basic credentials"}


def unauthenticated(environ, credentials) -> ApiError:
    """The 401 of a request that identified nobody: why, and what the route accepts."""
    problem = environ.get("taskflow.auth_problem")
    if problem:
        return ApiError(401, problem)
    accepted = " or ".join(HOW[c] for c in credentials if c in HOW)
    return ApiError(401, f"Authentication required ({accepted})" if accepted
                    else "Authentication required")
