"""The permission policy (the seed's RBAC table), answered through ``taskflow_authorize``.

* an admin may do everything;
* a member may ``users:update`` their own account only, and any ``*:own``
  action (a plugin asks for it after checking that the resource is theirs);
* every other action (``users:create``, ``projects:delete``,
  ``admin:access``, ``notifications:batch``, ...) is admin-only;
* anonymous users may do nothing.
"""

from __future__ import annotations

from typing import Any


def decide(user: dict[str, Any] | None, action: str, resource: Any = None) -> bool:
    """Whether ``user`` may perform ``action`` on ``resource``."""
    if not user:
        return False
    if user.get("role") == "admin":
        return True
    if action == "users:update":
        return resource is not None and user.get("id") == resource
    return isinstance(action, str) and action.endswith(":own")
