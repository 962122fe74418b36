"""The testing kit with the real auth plugin: ``taskflow_app(auth=True)`` and real tokens."""

from __future__ import annotations

from pathlib import Path

import lcore_taskflow.auth
from lcore_taskflow.core.testing import private_imports


def test_kit_login_gives_a_real_bearer_token(taskflow_app, taskflow_login):
    app = taskflow_app(auth=True)
    alice = taskflow_login("alice", app=app)
    assert alice.token and alice.get("/auth/me").json["username"] == "alice"
    assert alice.with_token(None).get("/api/projects/").status == 401
    # No HeaderIdentity next to auth: the test header identifies nobody.
    assert alice.with_token(None).as_user("admin").get("/api/projects/").status == 401


def test_kit_login_says_why_it_failed(taskflow_app, taskflow_login):
    app = taskflow_app(auth=True)
    try:
        taskflow_login("alice", "wrong-password", app=app)
    except AssertionError as exc:
        assert "login of 'alice' failed" in str(exc) and "401" in str(exc)
    else:
        raise AssertionError("a wrong password signed in")


def test_auth_imports_only_cores_public_api():
    """Plugins stay plugins: never another feature package, never a ``_private`` core module."""
    assert private_imports(Path(lcore_taskflow.auth.__file__).parent) == []
