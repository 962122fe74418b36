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

from lcore_taskflow.core import ApiError

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
            "apprise_urls": f"expected a list of at most {MAX_APPRISE_URLS} URLs"})
    bad = [i for i, u in enumerate(urls)
           if not isinstance(u, str) or len(u) > 2000 or not URL_SCHEME.match(u)]
    if bad:
        raise ApiError(422, "Validation failed", fields={
            "apprise_urls": f"item {bad[0]} is not an Apprise URL (scheme://...)"})
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


class Preferences:
    """Reads and writes ``notification_settings``."""

    def __init__(self, kernel: Any):
        self.kernel = kernel

    def rows(self, db: Any, user_ids: list[int]) -> dict[int, dict[str, Any]]:
        """``{user_id: {"prefs": merged settings, "apprise_urls": [...]}}`` for ``user_ids``."""
        found: dict[int, dict[str, Any]] = {}
        if user_ids:
            marks = ", ".join("?" for _ in user_ids)
            for row in db.fetchall("SELECT user_id, prefs, apprise_urls FROM"
                                   f" notification_settings WHERE user_id IN ({marks})",
                                   list(user_ids)):
                found[row["user_id"]] = {"prefs": merged(json.loads(row["prefs"] or "{}")),
                                         "apprise_urls": json.loads(row["apprise_urls"] or "[]")}
        default = {"prefs": merged({}), "apprise_urls": []}
        return {uid: found.get(uid, default) for uid in user_ids}

    def get(self, db: Any, user_id: int) -> dict[str, Any]:
        return self.rows(db, [user_id])[user_id]

    def overrides(self, db: Any, user_id: int) -> dict[str, Any]:
        row = db.fetchone("SELECT prefs FROM notification_settings WHERE user_id = ?",
                          (user_id,))
        return json.loads(row["prefs"]) if row else {}

    def save(self, db: Any, user_id: int, settings: dict[str, dict[str, bool]] | None = None,
             urls: list[str] | None = None) -> None:
        """Merge ``settings`` into the user's overrides; replace their URLs when given."""
        with db.transaction():
            current = db.fetchone("SELECT prefs, apprise_urls FROM notification_settings"
                                  " WHERE user_id = ?", (user_id,))
            prefs = json.loads(current["prefs"]) if current else {}
            for kind, channels in (settings or {}).items():
                prefs.setdefault(kind, {}).update(channels)
            stored_urls = urls if urls is not None else (
                json.loads(current["apprise_urls"]) if current else [])
            db.upsert("notification_settings", {
                "user_id": user_id, "prefs": json.dumps(prefs, sort_keys=True),
                "apprise_urls": json.dumps(stored_urls), "updated_at": time.time()},
                conflict=("user_id",))
