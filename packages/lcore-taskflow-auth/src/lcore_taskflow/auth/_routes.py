"""The ``/auth/`` sub-app: login, register, me, logout, basic-demo."""

from __future__ import annotations

from typing import Any

from lcore import Lcore, auth_basic, ctx, hash_password, response, verify_password
from lcore_taskflow.core import events
from lcore_taskflow.core._api.users import create_user
from lcore_taskflow.core._errors import ApiError
from lcore_taskflow.core._ratelimit import rate_limited
from lcore_taskflow.core._validation import Fields, json_body

from ._identity import COOKIE_NAME, new_token

MAX_PASSWORD_LENGTH = 1024
LOGIN_COLUMNS = "id, username, email, role, is_active, password_hash"


class Credentials:
    """Checks a username and password in (nearly) constant time.

    An unknown username is verified against a dummy hash of the same cost, and
    an inactive user's password is verified before refusing, so the answer
    time does not reveal which usernames exist or are active.
    """

    def __init__(self, kernel):
        self.kernel = kernel
        self._dummy = hash_password("dummy password for timing",
                                    iterations=kernel.config.password_iterations)

    def check(self, db, username: str, password: str) -> dict[str, Any] | None:
        """The active user with these credentials, else ``None``."""
        row = db.fetchone(f"SELECT {LOGIN_COLUMNS} FROM users WHERE lower(username) ="
                          " lower(?)", (username,))
        ok = verify_password(password, row["password_hash"] if row else self._dummy)
        if not (row and ok and row["is_active"]):
            return None
        return {k: row[k] for k in ("id", "username", "email", "role")}

    def basic(self, username: str, password: str) -> bool:
        """The ``auth_basic`` check: a valid, active account."""
        if len(username) > 200 or len(password) > MAX_PASSWORD_LENGTH:
            return False
        with self.kernel.database() as db:
            return self.check(db, username, password) is not None


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


def _set_session_cookie(kernel, token: str) -> None:
    config = kernel.config
    response.set_cookie(COOKIE_NAME, token, secret=config.secret_key, path="/",
                        httponly=True, samesite="Lax", max_age=config.token_ttl,
                        secure=bool(config.cookie_secure))


def build_auth_app(kernel) -> Lcore:
    """The sub-app mounted at ``/auth/``; limits come from the validated config."""
    app = Lcore()
    config = kernel.config
    credentials = Credentials(kernel)

    @app.post("/login", name="login")
    @rate_limited(config.login_rate_limit, per=config.login_rate_window)
    def login():
        """Exchange a username and password for a token and a session cookie."""
        username, password = _login_fields()
        user = credentials.check(ctx.db, username, password)
        if user is None:
            raise ApiError(401, "Invalid username or password")
        token = new_token(kernel, user)
        _set_session_cookie(kernel, token)
        return {"token": token, "expires_in": config.token_ttl,
                "user": {"id": user["id"], "username": user["username"], "role": user["role"]}}

    @app.post("/register", name="register")
    @rate_limited(config.register_rate_limit, per=config.register_rate_window)
    def register():
        """Create a member account (a ``role`` in the body is ignored)."""
        if not config.registration_open:
            raise ApiError(403, "Registration is closed; ask an admin for an account")
        f = Fields(json_body())
        f.username(required=True)
        f.email("email", required=True)
        f.password(required=True)
        values = {**f.result(), "role": "member"}
        user = create_user(kernel, values, None, events.USER_REGISTERED)
        response.status = 201
        return {"id": user["id"], "username": user["username"], "role": user["role"]}

    @app.get("/me", name="me")
    def me():
        """The signed-in user, from the session cookie or a bearer token."""
        user = kernel.current_user()
        return {k: user.get(k) for k in ("id", "username", "email", "role")}

    @app.post("/logout", name="logout")
    def logout():
        """Clear the session cookie (a bearer token simply expires)."""
        response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="Lax",
                               secure=bool(config.cookie_secure))
        return {"message": "Logged out"}

    @app.get("/basic-demo", name="basic_demo")
    @rate_limited(config.login_rate_limit, per=config.login_rate_window)
    @auth_basic(credentials.basic, realm="TaskFlow", text="Authentication required")
    def basic_demo():
        """Protected by HTTP Basic Auth (any active account)."""
        return {"message": "Authenticated via HTTP Basic Auth!"}

    return app
