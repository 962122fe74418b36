"""The ``/auth/`` sub-app: login, register, me, logout, password, basic-demo.

Every endpoint that checks a password (login, HTTP Basic, password change)
counts against one throttle bucket per client, ``password``: a guesser gains
nothing by switching endpoints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lcore import Lcore, request, response
from lcore_taskflow.core import ApiError, Fields, json_body

from ._identity import COOKIE_NAME, new_token, request_token, token_payload

MAX_PASSWORD_LENGTH = 1024


def _login_fields() -> tuple[str, str]:
    """``username`` and ``password`` of the body; 422 naming every bad field."""
    data = json_body()
    f = Fields(data)
    f.text("username", required=True, max_len=200)
    password = data.get("password")
    if password is None:
        f.add_error("password", "password is required")
    elif not isinstance(password, str):
        f.add_error("password", "password must be a string")
    elif not password:
        f.add_error("password", "password must not be empty")
    elif len(password) > MAX_PASSWORD_LENGTH:
        f.add_error("password", f"password must be at most {MAX_PASSWORD_LENGTH} characters")
    return f.result()["username"], password


def secure_cookies(kernel) -> bool:
    """``Secure`` when configured, when served over HTTPS, or behind a trusted HTTPS proxy."""
    env = request.environ
    if kernel.config.cookie_secure or env.get("wsgi.url_scheme") == "https":
        return True
    forwarded = (env.get("HTTP_X_FORWARDED_PROTO") or "").split(",")[0].strip().lower()
    return forwarded == "https" and env.get("REMOTE_ADDR") in kernel.trusted_proxies


def _cookie_path(kernel) -> str:
    return kernel.url("/")


def _set_session_cookie(kernel, token: str) -> None:
    config = kernel.config
    response.set_cookie(COOKIE_NAME, token, secret=config.secret_key, path=_cookie_path(kernel),
                        httponly=True, samesite="Lax", max_age=config.token_ttl,
                        secure=secure_cookies(kernel))


def _session(kernel, user: dict[str, Any]) -> dict[str, Any]:
    token = new_token(kernel, user)
    _set_session_cookie(kernel, token)
    return {"token": token, "expires_in": kernel.config.token_ttl,
            "user": {"id": user["id"], "username": user["username"], "role": user["role"]}}


def build_auth_app(kernel) -> tuple[Lcore, Callable[[str, str], dict[str, Any] | None]]:
    """The sub-app mounted at ``/auth/`` and the HTTP Basic check identification uses."""
    app = Lcore()
    config = kernel.config
    password_limit = kernel.limits.limit("password", config.login_rate_limit,
                                         config.login_rate_window)

    def basic_check(username: str, password: str) -> dict[str, Any] | None:
        """HTTP Basic credentials, throttled like every password check."""
        if len(username) > 200 or len(password) > MAX_PASSWORD_LENGTH:
            return None
        kernel.limits.check("password", config.login_rate_limit, config.login_rate_window)
        return kernel.users.authenticate(username, password)

    @app.post("/login", name="login", auth=False)
    @password_limit
    def login():
        """Exchange a username and password for a token and a session cookie."""
        username, password = _login_fields()
        user = kernel.users.authenticate(username, password)
        if user is None:
            raise ApiError(401, "Invalid username or password")
        return _session(kernel, user)

    @app.post("/register", name="register", auth=False)
    @kernel.limits.limit("register", config.register_rate_limit, config.register_rate_window)
    def register():
        """Create a member account (a ``role`` in the body is ignored)."""
        if not config.registration_open:
            raise ApiError(403, "Registration is closed; ask an admin for an account")
        data = json_body()
        f = Fields(data)
        f.username(required=True)
        f.email("email", required=True)
        f.password(required=True, policy=lambda pw: kernel.users.password_problem(
            pw, username=str(data.get("username") or ""), email=str(data.get("email") or "")))
        user = kernel.users.create({**f.result(), "role": "member"}, registered=True)
        response.status = 201
        return {"id": user["id"], "username": user["username"], "role": user["role"]}

    @app.get("/me", name="me", auth=True, auth_via=("bearer", "cookie"))
    def me():
        """The signed-in user, from the session cookie or a bearer token."""
        user = kernel.current_user()
        return {k: user.get(k) for k in ("id", "username", "email", "role")}

    @app.post("/logout", name="logout", auth=False, auth_via=("bearer", "cookie"))
    def logout():
        """Revoke the token (or the cookie's) this request signs in with; clear the cookie."""
        payload = token_payload(kernel, request_token(request, ("bearer", "cookie"), kernel))
        if payload is not None and payload.get("jti"):
            kernel.users.revoke(payload["jti"], payload["sub"], payload["exp"])
        response.delete_cookie(COOKIE_NAME, path=_cookie_path(kernel), httponly=True,
                               samesite="Lax", secure=secure_cookies(kernel))
        return {"message": "Logged out", "revoked": payload is not None}

    @app.post("/password", name="change_password", auth=True, auth_via=("bearer", "cookie"))
    @password_limit
    def change_password():
        """Change the signed-in user's password: every other token and cookie stops working."""
        user = kernel.current_user()
        data = json_body()
        f = Fields(data)
        current = data.get("current_password")
        if not isinstance(current, str) or not current:
            f.add_error("current_password", "current_password is required")
        f.password("new_password", required=True, policy=lambda pw: kernel.users.password_problem(
            pw, username=user["username"], email=user.get("email") or ""))
        values = f.result()
        if kernel.users.authenticate(user["username"], current) is None:
            raise ApiError(422, "Validation failed",
                           fields={"current_password": "current_password is not correct"})
        if values["new_password"] == current:
            raise ApiError(422, "Validation failed",
                           fields={"new_password": "new_password must differ from the current"})
        kernel.users.set_password(user["id"], values["new_password"], actor=user)
        fresh = kernel.users.authenticate(user["username"], values["new_password"])
        return _session(kernel, fresh)

    @app.get("/basic-demo", name="basic_demo", auth=True, auth_via=("basic",))
    def basic_demo():
        """Protected by HTTP Basic Auth (any active account)."""
        return {"message": "Authenticated via HTTP Basic Auth!",
                "user": kernel.current_user()["username"]}

    return app, basic_check
