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
  package) and ``"basic"`` (HTTP Basic).  Default: ``("bearer",)``;
* ``role="editor"`` on a route under a project: the caller needs that project
  role (``viewer``, ``commenter``, ``editor``, ``owner``; ``docs/access.md``)
  in the project whose id is the path argument ``project_arg`` (default
  ``"pid"``): 404 when they cannot see the project, 403 naming the role when
  theirs is lower.  Implies ``auth=True``.  Share links reach only such
  routes (and those declaring ``share=True``, which must filter with
  ``kernel.access().where()``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ._errors import ApiError
from ._i18n import N_, Message
from ._roles import RANK, ROLES

CREDENTIALS = ("bearer", "cookie", "basic")
DEFAULT_CREDENTIALS = ("bearer",)
SIGNED_IN = frozenset({"user", "authenticated", "signed-in"})


@dataclass(frozen=True)
class Rule:
    """A route's protection: ``action`` ``None`` means "any signed-in user".

    ``role``: the project role needed in the project named by the path
    argument ``project_arg``; ``share``: share links may call it.
    """

    action: str | None
    credentials: tuple[str, ...]
    role: str | None = None
    project_arg: str = "pid"
    share: bool = False

    def describe(self) -> str:
        who = "signed-in user" if self.action is None else f"permission {self.action!r}"
        return f"{who}, {self.role} of the project" if self.role else who


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
    role = options.get("role")
    if role is not None and role not in RANK:
        raise ValueError(f"role={role!r}: choose from {', '.join(ROLES)}")
    extra = {"role": role, "project_arg": options.get("project_arg") or "pid",
             "share": bool(options.get("share"))}
    if (raw is None or raw is False) and role is None:
        return None
    if raw is None or raw is False or raw is True or raw in SIGNED_IN:
        return Rule(None, credentials, **extra)
    if raw == "admin":
        return Rule("admin:access", credentials, **extra)
    if isinstance(raw, str) and raw:
        return Rule(raw, credentials, **extra)
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


def role_policy(user: dict[str, Any] | None, action: str,
                resource: Any = None) -> bool | None:
    """The seed's RBAC table for workspace actions: what each workspace role may do.

    * an admin may do everything (``True``);
    * a member or guest may ``users:update`` their own account, and any
      ``*:own`` action (a plugin asks for it after checking that the resource
      is theirs);
    * anonymous callers and share links may do nothing (``False``, a veto);
    * for everything else (``users:create``, ``admin:access``,
      ``notifications:batch``, ...) it has no opinion (``None``): denied
      unless another plugin allows it, so a plugin *can* allow a member an
      action.

    Project actions are not decided here but by project roles (route option
    ``role=``, ``kernel.access()``; ``docs/access.md``).  The auth package
    answers ``taskflow_authorize`` with this function; the testing kit uses
    the same function, so tests check the real policy.
    """
    if not user or user.get("role") == "share":
        return False
    if user.get("role") == "admin":
        return True
    if action == "users:update":
        return True if resource is not None and user.get("id") == resource else None
    return True if isinstance(action, str) and action.endswith(":own") else None


def missing_identity(kernel) -> ApiError:
    """The 401 of a protected route when nothing can identify users."""
    disabled = "auth" in kernel.config.get("plugins_disabled", ()) or (
        kernel.config.get("plugins_enabled") and "auth" not in kernel.config.plugins_enabled)
    why = (Message("lcore-taskflow-auth is disabled by the configuration") if disabled
           else Message("install lcore-taskflow-auth"))
    return ApiError(401, "Authentication required, but no identity plugin is loaded ({why})",
                    params={"why": why})


HOW = {"bearer": N_("Authorization: Bearer <token>"), "cookie": N_("the session cookie"),
       "basic": N_("HTTP Basic credentials")}


def unauthenticated(environ, credentials) -> ApiError:
    """The 401 of a request that identified nobody: why, and what the route accepts."""
    problem = environ.get("taskflow.auth_problem")
    if problem:
        return ApiError(401, problem)
    ways = [Message(HOW[c]) for c in credentials if c in HOW]
    if not ways:
        return ApiError(401, "Authentication required")
    accepted = ways[0]
    for way in ways[1:]:  # "A or B", each part translated where the answer is rendered
        accepted = Message("{first} or {then}", first=accepted, then=way)
    return ApiError(401, "Authentication required ({accepted})", params={"accepted": accepted})
