"""lcore-taskflow-oidc: single sign-on for TaskFlow through an OpenID provider.

Nothing happens at import time.  The TaskFlow host loads :class:`OIDCPlugin`
through the ``lcore_taskflow.plugins`` entry point; any other Lcore app
installs :class:`TaskFlowOIDC`.  The OpenID Connect protocol (discovery,
PKCE, the code exchange, id_token validation with key rotation) is Authlib's;
:class:`OIDCClient` wraps it with the policy TaskFlow needs.
"""

from __future__ import annotations

__version__ = "0.3.0"

from ._accounts import Refused, email_verified, groups_of
from ._client import Authorization, OIDCClient, OIDCError
from ._config import OIDCConfig
from ._extension import TaskFlowOIDC
from ._plugin import OIDCPlugin

__all__ = ["Authorization", "OIDCClient", "OIDCConfig", "OIDCError", "OIDCPlugin", "Refused",
           "TaskFlowOIDC", "__version__", "email_verified", "groups_of"]
