"""Configuration: defaults < ``.env`` file < ``APP_*`` environment, validated.

Every plugin contributes a dataclass of flat fields (``taskflow_config_schema``).
Values from the sources arrive as strings and are coerced to each field's type;
a value that does not fit stops start-up with a :class:`ConfigError` naming the
key, the expected type and where the value came from.

Lcore's own ``ConfigDict.validate_config`` maps a field ``smtp_host`` to the
key ``smtp.host``, so it validates nothing on keys that ``load_env('APP_')``
produced, and ``ConfigDict.load_dotenv`` writes into ``os.environ`` (shared by
every app in the process).  This module therefore does both jobs itself.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import re
import types
import typing
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from ._db.urls import check_url, describe_url

ENV_PREFIX = "APP_"
DEFAULT_SECRET = "change-me-in-production"
SECRET_SUFFIXES = ("secret", "secret_key", "secret_keys", "password", "passwords",
                   "apprise_urls")  # chat URLs carry their tokens in the path
REDACTED = "***"
#: A BCP 47 language tag as TaskFlow's catalogs name them (``de``, ``pt-BR``).
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")


class ConfigError(ValueError):
    """The configuration cannot be used; the message names each bad key."""


@dataclasses.dataclass
class CoreConfig:
    """Keys of the kernel itself (the seed's ``AppConfigSchema``)."""

    app_name: str = "TaskFlow API"
    debug: bool = False
    secret_key: str = dataclasses.field(default=DEFAULT_SECRET, metadata={
        "secret": True, "help": "Signs tokens and cookies; a long random string"})
    host: str = "127.0.0.1"
    port: int = 8080
    threads: int = 8
    # `taskflow serve` (waitress): connections held open at once (slow clients
    # included) and seconds an idle connection may stay.  See _cli.serve_options.
    connection_limit: int = 1000
    channel_timeout: int = 30
    # Worker processes serving this app (gunicorn -w); empty = detect.  Only
    # used to warn that in-process rate limits are per process without Redis.
    workers: int | None = None
    # Optional Redis: rate limits and cache shared by every process and server.
    redis_url: str = ""
    redis_prefix: str = "taskflow:"
    db_path: str = "./taskflow.db"
    database_url: str = ""  # empty: sqlite:/// + db_path
    db_busy_timeout: float = 10.0
    # PostgreSQL outages (see _db/breaker.py): a request waits at most this long for
    # a connection, then the database counts as down and every request answers 503
    # with Retry-After at once for db_retry_after seconds before the next try.
    db_pool_timeout: float = 0.5
    db_retry_after: float = 2.0
    mount_prefix: str = ""
    seed_demo: bool | None = None
    host_features: list[str] = dataclasses.field(default_factory=list)
    protected_paths: list[str] = dataclasses.field(default_factory=list)
    old_api_redirect: bool = False
    cors_origins: list[str] = dataclasses.field(default_factory=lambda: ["*"])
    hsts: bool = False
    trusted_proxies: list[str] = dataclasses.field(default_factory=list)
    rate_limit_default: int = 100
    rate_limit_window: int = 60
    max_upload_size: int = 10_485_760
    json_body_limit: int = 1_048_576
    upload_dir: str = "./uploads"
    password_iterations: int = 600_000
    password_min_length: int = 10
    plugins_disabled: list[str] = dataclasses.field(default_factory=list)
    plugins_enabled: list[str] = dataclasses.field(default_factory=list)
    trace_hooks: bool = False
    api_version: str = "1.0.0"
    docs: bool = True
    log_level: str = "INFO"
    # Who may create projects (the creator becomes its owner): "admins" (the
    # seed) or "members" (guests never).
    project_creators: str = dataclasses.field(default="admins", metadata={
        "runtime": True, "help": "Who may create projects: admins or members"})
    # Audit-log entries older than this go with `taskflow audit prune`.
    audit_retention_days: int = dataclasses.field(default=365, metadata={
        "runtime": True, "help": "Days `taskflow audit prune` keeps audit entries"})
    # The language of API messages and emails for a caller whose profile and
    # Accept-Language name none of the installed catalogs' languages.
    default_language: str = dataclasses.field(default="en", metadata={
        "help": "Language (BCP 47 code, en or de) when neither profile nor browser chooses"})
    # How often each server checks for settings changed on the plugins screen.
    settings_refresh_seconds: float = dataclasses.field(default=5.0, metadata={
        "help": "Seconds between each server's checks for settings changed at runtime"})

    def validate(self) -> list[str]:
        errors = []
        if self.audit_retention_days < 1:
            errors.append(f"audit_retention_days: expected at least 1, got "
                          f"{self.audit_retention_days}")
        if not 0 <= self.settings_refresh_seconds <= 3600:
            errors.append(f"settings_refresh_seconds: expected 0-3600, got "
                          f"{self.settings_refresh_seconds}")
        if not LANGUAGE_CODE.fullmatch(self.default_language):
            errors.append(f"default_language: expected a language code such as en or de, "
                          f"got {self.default_language!r}")
        if self.project_creators not in ("admins", "members"):
            errors.append(f"project_creators: expected admins or members, got "
                          f"{self.project_creators!r}")
        if not 0 < self.port < 65536:
            errors.append(f"port: expected 1-65535, got {self.port}")
        for key in ("db_pool_timeout", "db_retry_after"):
            if not 0 < getattr(self, key) <= 60:
                errors.append(f"{key}: expected seconds between 0 and 60, got "
                              f"{getattr(self, key)}")
        if self.threads < 1:
            errors.append(f"threads: expected at least 1, got {self.threads}")
        if self.connection_limit < 10:
            errors.append(f"connection_limit: expected at least 10, got {self.connection_limit}")
        if self.channel_timeout < 1:
            errors.append(f"channel_timeout: expected at least 1 s, got {self.channel_timeout}")
        if self.workers is not None and self.workers < 1:
            errors.append(f"workers: expected at least 1 or empty, got {self.workers}")
        if self.redis_url and not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            errors.append(f"redis_url: expected redis://host:port/db, rediss://... or "
                          f"unix://path, got {self.redis_url!r}")
        if self.max_upload_size <= 0:
            errors.append("max_upload_size: must be positive")
        if self.json_body_limit < 1024:
            errors.append(f"json_body_limit: expected at least 1024, got {self.json_body_limit}")
        if not 8 <= self.password_min_length <= 128:
            errors.append(f"password_min_length: expected 8-128, got {self.password_min_length}")
        if self.password_iterations < 1000:
            errors.append("password_iterations: must be at least 1000")
        if not self.debug and self.secret_key == DEFAULT_SECRET:
            errors.append(
                "secret_key: the default secret key is refused outside debug mode; "
                "set APP_SECRET_KEY to a long random string"
            )
        if len(self.secret_key) < 16 and not self.debug:
            errors.append("secret_key: must be at least 16 characters")
        elif not self.debug and estimated_bits(self.secret_key) < MIN_SECRET_BITS:
            errors.append(f"secret_key: too predictable (about {estimated_bits(self.secret_key)}"
                          f" bits; at least {MIN_SECRET_BITS} needed): use a long random "
                          "string, e.g. python -c 'import secrets; print(secrets.token_hex(32))'")
        prefix = self.mount_prefix
        if prefix and (not prefix.startswith("/") or any(c in prefix for c in "<>?#% ")):
            errors.append(f"mount_prefix: expected a path such as /pm, got {prefix!r}")
        for path in self.protected_paths:
            if not path.startswith("/"):
                errors.append(f"protected_paths: {path!r} must start with /")
        problem = check_url(self.database_url) if self.database_url else None
        if problem:
            errors.append(f"database_url (APP_DATABASE_URL): {problem}")
        return errors


MIN_SECRET_BITS = 64


def estimated_bits(secret: str) -> int:
    """A rough strength of ``secret``: the entropy of its characters times its length.

    The length counts at most twice the number of different characters, so
    repeating a short phrase adds nothing.  Catches the dangerous cases
    (``aaaaaaaaaaaaaaaa``, ``1234567812345678``, ``passwordpassword``), not a
    proof of randomness.
    """
    if not secret:
        return 0
    counts = Counter(secret)
    per_char = -sum(n / len(secret) * math.log2(n / len(secret)) for n in counts.values())
    return int(per_char * min(len(secret), 2 * len(counts)))


def read_dotenv(path: str | os.PathLike | None) -> dict[str, str]:
    """Parse a ``.env`` file into a dict without touching ``os.environ``."""
    if not path or not os.path.isfile(path):
        return {}
    values = {}
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            line = raw.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, _, value = line.partition("=")
            key, value = key.strip().removeprefix("export "), value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            values[key.strip()] = value
    return values


def _prefixed(source: Mapping[str, str], origin: str) -> dict[str, tuple[Any, str]]:
    out = {}
    for key, value in source.items():
        if key.startswith(ENV_PREFIX):
            out[key[len(ENV_PREFIX):].lower()] = (value, f"{origin} {key}")
    return out


def default_env_file(environ: Mapping[str, str]) -> str:
    """The ``.env`` file to read when none is named: ``$TASKFLOW_ENV_FILE``, else ``./.env``."""
    return environ.get("TASKFLOW_ENV_FILE") or ".env"


def gather_sources(
    overrides: Mapping[str, Any] | None,
    dotenv: str | os.PathLike | None,
    environ: Mapping[str, str] | None,
) -> dict[str, tuple[Any, str]]:
    """Merge the sources, later ones winning, remembering where each came from."""
    merged: dict[str, tuple[Any, str]] = {}
    for key, value in (overrides or {}).items():
        merged[key] = (value, f"setting {key!r}")
    merged.update(_prefixed(read_dotenv(dotenv), f"{os.fspath(dotenv or '')}:"))
    if environ is not None:
        merged.update(_prefixed(environ, "environment"))
    return merged


def _optional(tp: Any) -> Any:
    """``X`` for ``X | None`` (``Optional[X]``), else ``None``."""
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return rest[0] if len(rest) == 1 else None
    return None


def _type_name(tp: Any) -> str:
    inner = _optional(tp)
    if inner is not None:
        return f"{_type_name(inner)} or empty"
    return "list of strings" if typing.get_origin(tp) is list else getattr(tp, "__name__", str(tp))


def coerce(value: Any, tp: Any) -> Any:
    """Convert ``value`` (often a string from the environment) to ``tp``."""
    inner = _optional(tp)
    if inner is not None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return coerce(value, inner)
    if typing.get_origin(tp) is list:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, Iterable):
            return [str(v) for v in value]
        raise ValueError
    if tp is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ValueError
    if tp is int:
        if isinstance(value, bool):
            raise ValueError
        return int(str(value).strip().replace("_", ""))
    if tp is float:
        return float(value)
    if tp is str:
        if not isinstance(value, (str, int, float)):
            raise ValueError
        return str(value)
    return value


class Settings(dict):
    """The validated configuration: a dict with attribute access."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    @staticmethod
    def shown(key: str, value: Any) -> Any:
        """``value`` as it may be shown: ``***`` for a secret."""
        return REDACTED if is_secret(key) and value else value

    def redacted(self) -> dict[str, Any]:
        """A copy safe to show: every secret-looking value becomes ``***``, and
        so does the password of a URL (``database_url``)."""
        return {k: (REDACTED if is_secret(k) and v else
                    describe_url(v) if isinstance(v, str) else v) for k, v in self.items()}


def is_secret(key: str) -> bool:
    """``secret_key``, ``previous_secret_keys``, ``smtp_password``; not ``password_iterations``."""
    return key.endswith(SECRET_SUFFIXES)


def build_settings(
    schemas: Iterable[tuple[str, type]], sources: Mapping[str, tuple[Any, str]]
) -> Settings:
    """Validate ``sources`` against the fields of every schema."""
    settings, errors, owners = Settings(), [], {}
    for owner, schema in schemas:
        values, hints = {}, typing.get_type_hints(schema)
        for field in dataclasses.fields(schema):
            if field.name in owners and owners[field.name] != owner:
                errors.append(
                    f"{field.name}: declared by both {owners[field.name]} and {owner}"
                )
                continue
            owners[field.name] = owner
            if field.name not in sources:
                continue
            raw, origin = sources[field.name]
            try:
                values[field.name] = coerce(raw, hints[field.name])
            except (TypeError, ValueError):
                expected = _type_name(hints[field.name])
                errors.append(f"{field.name}: expected {expected}, got {raw!r} (from {origin})")
        try:
            instance = schema(**values)
        except (TypeError, ValueError) as exc:  # a schema's own __post_init__
            errors.append(f"{owner}: {exc}")
            continue
        validate = getattr(instance, "validate", None)
        if callable(validate):
            errors.extend(validate() or [])
        settings.update(dataclasses.asdict(instance))
    if errors:
        raise ConfigError("Invalid configuration:\n  " + "\n  ".join(errors))
    return settings


def unknown_keys(sources: Mapping[str, tuple[Any, str]], known: Iterable[str],
                 owners: Mapping[str, str] | None = None) -> list[str]:
    """A warning per configured key that no loaded plugin declares.

    Keys of installed but disabled plugins name their plugin; other keys get
    the closest valid key (a typo, usually).
    """
    known = set(known)
    messages = []
    for key, (_, origin) in sorted(sources.items()):
        if key in known:
            continue
        owner = (owners or {}).get(key)
        if owner:
            messages.append(f"{key} (from {origin}) belongs to plugin {owner}, which is "
                            "not loaded; it has no effect")
            continue
        close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]} (APP_{close[0].upper()})?" if close else ""
        messages.append(f"{key} (from {origin}) is not a TaskFlow setting{hint}")
    return messages


def coerce_like(value: Any, current: Any) -> Any:
    """``value`` converted to the type of a setting's ``current`` value."""
    for tp in (bool, int, float):
        if isinstance(current, tp):
            return coerce(value, tp)
    if isinstance(current, list):
        return coerce(value, list[str])
    return value if current is None else coerce(value, str)
