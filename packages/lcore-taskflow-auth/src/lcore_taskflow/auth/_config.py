"""Configuration keys contributed by the auth package (validated by the kernel)."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass
class AuthConfig:
    """``APP_TOKEN_TTL``, ``APP_PREVIOUS_SECRET_KEYS`` (comma-separated), ... ."""

    token_ttl: int = dataclasses.field(default=3600, metadata={
        "runtime": True, "help": "Seconds a new sign-in stays valid"})
    previous_secret_keys: list[str] = dataclasses.field(default_factory=list,
                                                        metadata={"secret": True})
    cookie_secure: bool = False
    login_rate_limit: int = 5
    login_rate_window: int = 300
    register_rate_limit: int = 10
    register_rate_window: int = 3600
    registration_open: bool = dataclasses.field(default=True, metadata={
        "runtime": True, "help": "Anyone may create an account (POST /auth/register)"})
    # false: POST /auth/login and HTTP Basic refuse passwords (single sign-on only).
    password_login: bool = dataclasses.field(default=True, metadata={
        "runtime": True, "help": "Sign-in with a password (false: single sign-on only)"})
    # Per account name, whatever the address: failures before each try must
    # wait (2, 4, 8, ... s), and the longest wait.
    login_account_free_failures: int = 10
    login_account_max_delay: int = 300

    def validate(self) -> list[str]:
        errors = []
        if not 60 <= self.token_ttl <= 31 * 24 * 3600:
            errors.append(f"token_ttl: expected 60-2678400 seconds, got {self.token_ttl}")
        for name in ("login_rate_limit", "login_rate_window", "register_rate_limit",
                     "register_rate_window", "login_account_free_failures",
                     "login_account_max_delay"):
            if getattr(self, name) < 1:
                errors.append(f"{name}: must be at least 1, got {getattr(self, name)}")
        for i, key in enumerate(self.previous_secret_keys):
            if len(key) < 16:
                errors.append(f"previous_secret_keys: entry {i + 1} must be at least "
                              "16 characters")
        return errors
