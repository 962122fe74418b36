"""Per-user notification preferences: each kind x each channel, on or off (SPEC §11).

Stored as the user's *overrides* of :data:`DEFAULTS` (JSON in
``notification_settings.prefs``), so a changed default reaches everyone who
did not choose otherwise.  ``chat`` is the Apprise channel: it only matters
for a user who has chat URLs of their own.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from lcore_taskflow.core import ApiError, Message

KINDS = ("assigned", "mentioned", "commented", "status_changed", "member_added")
CHANNELS = ("inbox", "email", "digest", "chat")
DEFAULTS: dict[str, dict[str, bool]] = {
    kind: {"inbox": True, "email": kind in ("assigned", "mentioned"), "digest": False,
           "chat": kind in ("assigned", "mentioned")}
    for kind in KINDS}
MAX_APPRISE_URLS = 10
URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]{1,31}://\S+$", re.IGNORECASE)


def merged(overrides: dict[str, Any]) -> dict[str, dict[str, bool]]:
    """The effective settings: the defaults with the user's overrides on top."""
    out = {kind: dict(channels) for kind, channels in DEFAULTS.items()}
    for kind, channels in (overrides or {}).items():
        if kind in out and isinstance(channels, dict):
            out[kind].update({c: bool(v) for c, v in channels.items() if c in CHANNELS})
    return out


def validate_settings(data: Any) -> dict[str, dict[str, bool]]:
    """``{kind: {channel: bool}}`` from a request body; 422 naming every bad key."""
    if not isinstance(data, dict):
        raise ApiError(422, "Validation failed", fields={
            "settings": "expected an object {kind: {channel: true|false}}"})
    errors: dict[str, str] = {}
    clean: dict[str, dict[str, bool]] = {}
    for kind, channels in data.items():
        if kind not in KINDS:
            errors[str(kind)[:64]] = f"unknown kind (one of {', '.join(KINDS)})"
            continue
        if not isinstance(channels, dict):
            errors[kind] = "expected an object {channel: true|false}"
            continue
        for channel, value in channels.items():
            key = f"{kind}.{str(channel)[:32]}"
            if channel not in CHANNELS:
                errors[key] = f"unknown channel (one of {', '.join(CHANNELS)})"
            elif not isinstance(value, bool):
                errors[key] = "must be true or false"
            else:
                clean.setdefault(kind, {})[channel] = value
    if errors:
        raise ApiError(422, "Validation failed", fields=errors)
    return clean


def validate_urls(urls: Any) -> list[str]:
    """A user's Apprise URLs: at most 10 strings that look like ``scheme://...``."""
    if not isinstance(urls, list) or len(urls) > MAX_APPRISE_URLS:
        raise ApiError(422, "Validation failed", fields={
            "apprise_urls": Message("expected a list of at most {max} URLs",
                                    max=MAX_APPRISE_URLS)})
    bad = [i for i, u in enumerate(urls)
           if not isinstance(u, str) or len(u) > 2000 or not URL_SCHEME.match(u)]
    if bad:
        raise ApiError(422, "Validation failed", fields={
            "apprise_urls": Message("item {index} is not an Apprise URL (scheme://...)",
                                    index=bad[0])})
    return list(dict.fromkeys(urls))


def mask_url(url: str) -> str:
    """``json://127.0.0.1:8080/hook`` -> ``json://127.0.0.1:8…``: the scheme and a hint.

    Apprise URLs carry their secrets anywhere after the scheme (tokens in the
    host part of ``tgram://``, in the path of ``discord://``), so everything
    but the first few characters is hidden.
    """
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest[:6]}…" if len(rest) > 6 else f"{scheme}://…"


def parse_urls(text: str) -> list[str]:
    """The URLs of ``APP_NOTIFY_APPRISE_URLS`` (separated by commas or white space)."""
    return [u for u in re.split(r"[\s,]+", text or "") if u]


def pref_sql(kind: str, channel: str, user_column: str) -> str:
    """SQL for whether the user in ``user_column`` wants ``kind`` by ``channel`` (1 or 0).

    ``kind`` and ``channel`` are checked against the fixed lists: they become
    SQL literals only after that.
    """
    if kind not in KINDS or channel not in CHANNELS:
        raise ValueError(f"unknown kind or channel: {kind!r}, {channel!r}")
    default = int(DEFAULTS[kind][channel])
    return (f"COALESCE((SELECT np.enabled FROM notification_prefs np WHERE np.user_id ="
            f" {user_column} AND np.kind = '{kind}' AND np.channel = '{channel}'), {default})")


class Preferences:
    """Reads and writes ``notification_prefs`` (overrides) and the users' chat URLs."""

    def __init__(self, kernel: Any):
        self.kernel = kernel

    def rows(self, db: Any, user_ids: list[int]) -> dict[int, dict[str, Any]]:
        """``{user_id: {"prefs": merged settings, "apprise_urls": [...]}}`` for ``user_ids``."""
        overrides: dict[int, dict[str, dict[str, bool]]] = {}
        urls: dict[int, list[str]] = {}
        if user_ids:
            marks = ", ".join("?" for _ in user_ids)
            for row in db.fetchall("SELECT user_id, kind, channel, enabled FROM"
                                   f" notification_prefs WHERE user_id IN ({marks})",
                                   list(user_ids)):
                overrides.setdefault(row["user_id"], {}).setdefault(
                    row["kind"], {})[row["channel"]] = bool(row["enabled"])
            for row in db.fetchall("SELECT user_id, apprise_urls FROM notification_settings"
                                   f" WHERE user_id IN ({marks})", list(user_ids)):
                urls[row["user_id"]] = json.loads(row["apprise_urls"] or "[]")
        default = merged({})
        return {uid: {"prefs": merged(overrides[uid]) if uid in overrides else default,
                      "apprise_urls": urls.get(uid, [])} for uid in user_ids}

    def get(self, db: Any, user_id: int) -> dict[str, Any]:
        return self.rows(db, [user_id])[user_id]

    def save(self, db: Any, user_id: int, settings: dict[str, dict[str, bool]] | None = None,
             urls: list[str] | None = None) -> None:
        """Store ``settings`` (only what differs from the defaults); replace URLs when given."""
        with db.transaction():
            for kind, channels in (settings or {}).items():
                for channel, enabled in channels.items():
                    if enabled == DEFAULTS[kind][channel]:
                        db.execute("DELETE FROM notification_prefs WHERE user_id = ? AND"
                                   " kind = ? AND channel = ?", (user_id, kind, channel))
                    else:
                        db.upsert("notification_prefs", {
                            "user_id": user_id, "kind": kind, "channel": channel,
                            "enabled": int(enabled)}, conflict=("user_id", "kind", "channel"))
            if urls is not None:
                db.upsert("notification_settings", {
                    "user_id": user_id, "apprise_urls": json.dumps(urls),
                    "updated_at": time.time()}, conflict=("user_id",))
