"""Settings changed at runtime: described from the plugins' dataclasses, stored in
the database, applied on every server (SPEC §13, ``docs/plugins.md``).

A field of a ``taskflow_config_schema`` dataclass says what the plugins screen
may do with it through its ``metadata``:

* ``{"runtime": True}`` — an admin may change it while the servers run
  (``PUT /api/admin/plugins/<name>/settings``); every other key needs its
  ``APP_…`` variable and a restart;
* ``{"secret": True}`` — shown as ``***`` (so is every key whose name holds
  secret, password, token or key, see :func:`is_secret_field`);
* ``{"help": "..."}`` — the sentence the screen shows.

Precedence: a value stored from the screen overrides the default, the ``.env``
file and ``APP_*`` variables for that runtime key (the screen shows where each
value comes from); clearing it is storing the value you want.  Each kernel reads
a one-row version counter at most every ``APP_SETTINGS_REFRESH_SECONDS`` (5 s by
default) on its request path and reloads the stored values only when the
counter moved, so a change reaches every server within that delay.  Values are
written into ``kernel.config`` in place: code that keeps ``kernel.config`` and
reads the key on each use sees the change.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
import typing
from typing import Any

from . import _config as cfg

log = logging.getLogger("lcore_taskflow")
SECRET_WORDS = ("secret", "password", "token", "key")
MAX_TEXT = 2000


def is_secret_field(field: dataclasses.Field) -> bool:
    """Declared secret (``metadata={"secret": True}``) or named like one.

    ``password_iterations`` and ``password_min_length`` name a policy, not a
    secret: only names *ending* in a secret word count, besides the metadata.
    """
    if field.metadata.get("secret"):
        return True
    return cfg.is_secret(field.name) or field.name.endswith(SECRET_WORDS)


def is_runtime(field: dataclasses.Field) -> bool:
    return bool(field.metadata.get("runtime"))


def type_name(tp: Any) -> str:
    """``bool``, ``int``, ``float``, ``str``, ``list`` (of strings), ``int?`` (or empty)."""
    inner = cfg._optional(tp)
    if inner is not None:
        return type_name(inner) + "?"
    if typing.get_origin(tp) is list:
        return "list"
    return getattr(tp, "__name__", str(tp))


def _default(field: dataclasses.Field) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return None


def check_value(raw: Any, tp: Any) -> Any:
    """A JSON value converted to the field's type; ``ValueError`` says why not."""
    kind = type_name(tp).rstrip("?")
    if raw is None:
        if type_name(tp).endswith("?"):
            return None
        raise ValueError(f"expected {kind}, got null")
    if kind == "bool" and not isinstance(raw, bool):
        raise ValueError(f"expected true or false, got {json.dumps(raw)[:40]}")
    whole = isinstance(raw, int) or (isinstance(raw, float) and raw.is_integer())
    if kind in ("int", "float") and (isinstance(raw, bool) or not isinstance(raw, (int, float))
                                     or (kind == "int" and not whole)
                                     or (kind == "float" and raw != raw)):  # NaN
        raise ValueError(f"expected {'a whole number' if kind == 'int' else 'a number'}, "
                         f"got {json.dumps(raw)[:40]}")
    if kind == "str" and not isinstance(raw, str):
        raise ValueError(f"expected text, got {json.dumps(raw)[:40]}")
    if kind == "list" and not (isinstance(raw, str) or (
            isinstance(raw, list) and all(isinstance(v, str) for v in raw))):
        raise ValueError("expected a list of strings (or one comma-separated string)")
    texts = raw if isinstance(raw, list) else [raw] if isinstance(raw, str) else []
    for text in texts:
        if len(text) > MAX_TEXT:
            raise ValueError(f"at most {MAX_TEXT} characters")
        if any(ord(c) < 32 or ord(c) == 127 for c in text):
            raise ValueError("control characters (such as line breaks) are not allowed")
    return cfg.coerce(raw, tp)


class RuntimeSettings:
    """The database overlay of one kernel's runtime settings."""

    def __init__(self, kernel):
        self.kernel = kernel
        self.version: int | None = None  # the counter last applied; None: never read
        self.stored: dict[tuple[str, str], dict[str, Any]] = {}
        self._base: dict[str, Any] = {}   # key -> value before the overlay
        self._next_check = 0.0
        self._lock = threading.Lock()

    # ------------------------------------------------------------ schema
    def schemas(self, plugin: str) -> list[type]:
        return [s for owner, s in self.kernel.configuration.schemas if owner == plugin]

    def fields(self, plugin: str) -> dict[str, tuple[dataclasses.Field, Any]]:
        """``key -> (field, type)`` of every field ``plugin`` declares."""
        out = {}
        for schema in self.schemas(plugin):
            hints = typing.get_type_hints(schema)
            for field in dataclasses.fields(schema):
                out[field.name] = (field, hints[field.name])
        return out

    def is_secret(self, plugin: str, key: str) -> bool:
        known = self.fields(plugin).get(key)
        return known is None or is_secret_field(known[0])

    def describe(self, plugin: str, schemas: list[type] | None = None,
                 config: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """What the screen shows of each setting (``schemas`` of a disabled plugin)."""
        config = self.kernel.config if config is None else config
        out = []
        for schema in self.schemas(plugin) if schemas is None else schemas:
            hints = typing.get_type_hints(schema)
            for field in dataclasses.fields(schema):
                out.append(self._one(plugin, field, hints[field.name], config))
        return out

    def _one(self, plugin: str, field, tp, config) -> dict[str, Any]:
        key, secret = field.name, is_secret_field(field)
        env = cfg.ENV_PREFIX + key.upper()
        value = config.get(key, _default(field))
        default = _default(field)
        stored = self.stored.get((plugin, key))
        if stored is not None and is_runtime(field):
            source = "database"
        elif key in self.kernel.configuration.sources:
            source = self.kernel.configuration.sources[key][1]
        else:
            source = "default"
        return {
            "key": key, "env": env, "type": type_name(tp),
            "default": cfg.REDACTED if secret and default else default,
            "value": cfg.REDACTED if secret and value else value,
            "source": source, "secret": secret, "runtime": is_runtime(field),
            "restart": None if is_runtime(field) else f"restart needed: set {env}",
            "help": field.metadata.get("help", ""),
        }

    # ----------------------------------------------------------- changes
    def validate(self, plugin: str, body: dict[str, Any]) -> tuple[dict[str, Any], dict]:
        """``(values, errors)``: the new values by key, and a message per bad key."""
        fields, values, errors = self.fields(plugin), {}, {}
        for key, raw in body.items():
            known = fields.get(key)
            if known is None:
                errors[key] = f"plugin {plugin} has no setting {key!r}"
                continue
            field, tp = known
            if not is_runtime(field):
                errors[key] = (f"{key} cannot change while the server runs: set "
                               f"{cfg.ENV_PREFIX}{key.upper()} and restart")
                continue
            if is_secret_field(field) and raw == cfg.REDACTED:
                continue  # the masked value sent back: unchanged
            try:
                values[key] = check_value(raw, tp)
            except (TypeError, ValueError, OverflowError) as exc:  # Infinity is JSON to Python
                errors[key] = f"{key}: {exc}"
        if not errors:
            errors = self._check_schemas(plugin, values)
        return values, errors

    def _check_schemas(self, plugin: str, values: dict[str, Any]) -> dict[str, str]:
        """Run each dataclass's ``validate()`` on the current values with ``values``."""
        errors: dict[str, str] = {}
        for schema in self.schemas(plugin):
            names = [f.name for f in dataclasses.fields(schema)]
            current = {n: values.get(n, self.kernel.config.get(n)) for n in names}
            try:
                instance = schema(**current)
            except (TypeError, ValueError) as exc:
                errors[next(iter(values), plugin)] = str(exc)
                continue
            check = getattr(instance, "validate", None)
            for message in (check() or []) if callable(check) else []:
                key = message.split(":", 1)[0].split(" ", 1)[0]
                errors[key if key in values else next(iter(values), key)] = message
        return errors

    def store(self, plugin: str, values: dict[str, Any], actor_id: int | None) -> None:
        """Write ``values`` and bump the version, in the current transaction."""
        now = time.time()
        with self.kernel.database() as db:
            for key, value in values.items():
                db.execute(
                    "INSERT INTO plugin_settings (plugin, key, value, updated_at, updated_by)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (plugin, key) DO UPDATE SET"
                    " value = excluded.value, updated_at = excluded.updated_at,"
                    " updated_by = excluded.updated_by",
                    (plugin, key, json.dumps(value), now, actor_id))
            db.execute("UPDATE taskflow_settings_version SET version = version + 1"
                       " WHERE id = 1")

    # ------------------------------------------------------------ overlay
    def invalidate(self) -> None:
        """The configuration was rebuilt (a plugin added): apply the overlay again."""
        self.version, self._base, self._next_check = None, {}, 0.0

    def maybe_refresh(self) -> None:
        """On the request path: read the version if the interval passed (cheap)."""
        now = time.monotonic()
        if now < self._next_check or not self._lock.acquire(blocking=False):
            return
        try:
            self._next_check = now + float(self.kernel.config.get("settings_refresh_seconds",
                                                                  5.0))
            self.refresh()
        except Exception as exc:  # a database hiccup must not fail the request
            log.warning("runtime settings: could not check for changes: %s", exc)
        finally:
            self._lock.release()

    def refresh(self, force: bool = False) -> bool:
        """Reload and apply the stored values if the version moved; whether it did."""
        with self.kernel.database() as db:
            version = db.scalar("SELECT version FROM taskflow_settings_version WHERE id = 1")
            if version == self.version and not force:
                return False
            rows = db.fetchall("SELECT plugin, key, value, updated_at, updated_by"
                               " FROM plugin_settings")
        self.stored = {(r["plugin"], r["key"]): r for r in rows}
        self._apply()
        self.version = version
        return True

    def _apply(self) -> None:
        config = self.kernel.config
        for info in self.kernel.infos:
            fields = self.fields(info.name)
            wanted = {}
            for key, (field, tp) in fields.items():
                if not is_runtime(field):
                    continue
                self._base.setdefault(key, config.get(key))
                row = self.stored.get((info.name, key))
                wanted[key] = self._base[key] if row is None else self._load(info.name, row, tp)
            problems = self._check_schemas(info.name, wanted) if wanted else {}
            if problems:  # e.g. the environment changed under a stored value
                log.warning("runtime settings of %s not applied: %s", info.name,
                            "; ".join(problems.values()))
                continue
            config.update(wanted)  # in place: code holding kernel.config sees it

    def _load(self, plugin: str, row: dict[str, Any], tp: Any) -> Any:
        try:
            return check_value(json.loads(row["value"]), tp)
        except (TypeError, ValueError, OverflowError) as exc:
            log.warning("runtime setting %s of %s ignored: %s", row["key"], plugin, exc)
            return self._base[row["key"]]
