"""The fan-out: the inbox, email and chat rows of one event's notes, in its transaction.

Given the notes an event makes (``_notes``), :class:`FanOut` keeps only the
people who can still see the project (``kernel.project_viewers``: one query
for all of them) and are not the actor, reads everyone's preferences in one
query, and writes

* one ``inbox_items`` row per person whose inbox or digest wants it,
* one outbox row per email (``notifications``, kind set, the unsubscribe
  footer added by the email channel when it sends),
* one outbox row per person with chat URLs of their own (Apprise), and one
  for the instance's chat URLs when the project is workspace-visible,

with one ``executemany`` each, so 200 watchers cost a few statements, not
hundreds.  Sending is the worker's job; the request only writes rows.

Every row is written in its recipient's language (the profile's, else
``APP_DEFAULT_LANGUAGE``); a group's ``INSERT ... SELECT`` runs once per
language the catalogs provide.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any

from lcore_taskflow.core import Translator, available_languages, events
from lcore_taskflow.core import user_language as profile_language

from . import _render
from ._mailer import InvalidEmail, check_address, one_line
from ._notes import Group, Note, instance_headline
from ._prefs import Preferences, parse_urls, pref_sql

log = logging.getLogger("lcore_taskflow.notify")

INBOX_COLUMNS = ("user_id, kind, actor_id, actor, project_id, task_id, title, summary,"
                 " in_inbox, in_digest, created_at")
OUTBOX_COLUMNS = ("user_id, type, recipient, project_id, subject, body, body_text, html, kind,"
                  " status, next_attempt_at, created_at, message_id")


@dataclass(frozen=True)
class Context:
    """What every row of one fan-out shares."""

    event: Any
    project_id: int
    project: dict[str, Any]
    actor_id: int | None
    actor: str | None
    task_title: str | None
    url: str | None
    now: float

    @property
    def task_id(self) -> int | None:
        return self.event.task_id


def _project_id(event: Any) -> int | None:
    return event.project_id


class FanOut:
    """Writes the rows of notes and groups (one per kernel, the hub's)."""

    def __init__(self, kernel: Any, outbox: Any, prefs: Preferences):
        self.kernel = kernel
        self.outbox = outbox
        self.prefs = prefs

    # ------------------------------------------------------------ languages
    def translator(self, language: str) -> Translator:
        return Translator(self.kernel, language)

    def languages_of(self, db: Any, user_ids: list[int]) -> dict[int, str]:
        """Each user's language (profile, else the default), in one query."""
        if not user_ids:
            return {}
        marks = ", ".join("?" for _ in user_ids)
        rows = db.fetchall(f"SELECT id, language FROM users WHERE id IN ({marks})",
                           list(user_ids))
        found = {r["id"]: profile_language(self.kernel, r) for r in rows}
        default = profile_language(self.kernel, None)
        return {uid: found.get(uid, default) for uid in user_ids}

    def language_partitions(self, column: str) -> list[tuple[str, str, list[str]]]:
        """``(language, SQL condition, params)`` that split users by their language:
        the default language takes everyone whose profile names no other catalog."""
        default = profile_language(self.kernel, None)
        others = [code for code in available_languages(self.kernel) if code != default]
        if not others:
            return [(default, "1 = 1", [])]
        marks = ", ".join("?" for _ in others)
        parts = [(default, f"({column} IS NULL OR {column} NOT IN ({marks}))", others)]
        return parts + [(code, f"{column} = ?", [code]) for code in others]

    # -------------------------------------------------------------- fan-out
    def fan_out(self, event: Any, notes: list[Note], group: Group | None = None) -> None:
        """Write the rows of ``notes`` and ``group`` about ``event``'s project.

        Each person gets one note: a personal one (a mention) before the
        group's.  Nobody hears of their own action, and nobody hears of a
        project they cannot see: both are decided here, once, for every
        channel.  Everything joins the open transaction (the change's).
        """
        project_id = _project_id(event)
        if project_id is None:
            return
        actor_id = (event.actor or {}).get("id")
        firsts: dict[int, Note] = {}
        for note in notes:
            if note.user_id != actor_id:
                firsts.setdefault(note.user_id, note)
        kernel, db = self.kernel, self.kernel.db
        # not None whenever group still is, below
        condition: Any = kernel.project_viewers_where(project_id, "u") if group else None
        if group is not None and (condition is None or self._plugin_channels()):
            # Per-user access rules or a plugin channel's address(): one note each.
            for row in db.fetchall(group.candidates, group.params):
                if row["user_id"] != actor_id:
                    firsts.setdefault(row["user_id"], Note(row["user_id"], group.kind,
                                                           group.headline, group.summary))
            group = None
        instance = self._instance_urls(event)
        if not (firsts or group or instance):
            return
        visible = kernel.project_viewers(project_id, list(firsts)) if firsts else set()
        notes = [n for uid, n in firsts.items() if uid in visible]
        project = db.fetchone("SELECT name, visibility FROM projects WHERE id = ?",
                              (project_id,)) or {"name": "", "visibility": "private"}
        context = Context(event, project_id, project, actor_id or None,
                          event.actor_name if event.actor else None,
                          (getattr(event, "task", None) or {}).get("title"),
                          _render.link(kernel, project_id, event.task_id), time.time())
        wrote = self._personal(db, notes, context)
        if group is not None:
            exclude = [i for i in (actor_id, *firsts) if i]
            wrote |= self._group(db, group, condition, exclude, context)
        if instance and project["visibility"] == "workspace":
            # The instance's chat room is not access-checked: private projects stay out.
            headline = instance_headline([*(n.headline for n in notes if n.kind in (
                "commented", "status_changed")), *([group.headline] if group else [])], event)
            # The room is nobody's: the default language.
            room = self.translator(profile_language(kernel, None))
            self._insert(db, self._instance_rows(room.translate(headline), instance, context))
            wrote = True
        if wrote:
            # Each row's Message-ID names its id (as the outbox's own rows do): one
            # statement, found through the due index by this fan-out's timestamp.
            db.execute("UPDATE notifications SET message_id = '<notification-' ||"
                       f" CAST(id AS TEXT) || SUBSTR(message_id, {len(BULK_ID) + 1})"
                       " WHERE next_attempt_at = ? AND message_id LIKE ?",
                       (context.now, BULK_ID + ".%"))
            self.outbox.wake_after_commit(db)

    def _plugin_channels(self) -> bool:
        return any(name not in ("email", "apprise") for name in self.outbox.channels())

    def _personal(self, db: Any, notes: list[Note], c: Context) -> bool:
        """Rows for a few people, each with their own note (mentions, the assignee)."""
        if not notes:
            return False
        prefs = self.prefs.rows(db, [n.user_id for n in notes])
        speaks = self.languages_of(db, [n.user_id for n in notes])
        ts = {code: self.translator(code) for code in set(speaks.values())}
        # Each person's note in their own language, from here on (inbox, email, chat).
        notes = [Note(n.user_id, n.kind, ts[speaks[n.user_id]].translate(n.headline),
                      n.summary) for n in notes]
        inbox = [(n.user_id, n.kind, c.actor_id, c.actor, c.project_id, c.task_id, n.headline,
                  n.summary, int(p["inbox"]), int(p["digest"]), c.now)
                 for n in notes for p in [prefs[n.user_id]["prefs"][n.kind]]
                 if p["inbox"] or p["digest"]]
        if inbox:
            db.executemany(f"INSERT INTO inbox_items ({INBOX_COLUMNS}) VALUES"
                           " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", inbox)
        rows = self._email_rows(db, notes, prefs, c.project, c.task_title, c.url, c.project_id,
                                c.now, {uid: ts[code] for uid, code in speaks.items()})
        rows += self._chat_rows(notes, prefs, c.project, c.task_title, c.url, c.project_id,
                                c.now)
        self._insert(db, rows)
        return bool(rows)

    def _group(self, db: Any, group: Group, condition: tuple[str, list], exclude: list[int],
               c: Context) -> bool:
        """Rows for everyone ``group`` selects who can see the project: ``INSERT ... SELECT``
        (inbox, email), so 200 watchers cost three statements, not 200 rows in Python."""
        wrote = False
        for language, speaks, language_params in self.language_partitions("u.language"):
            wrote |= self._group_in(db, group, condition, exclude, c, self.translator(language),
                                    (speaks, language_params))
        return wrote

    def _group_in(self, db: Any, group: Group, condition: tuple[str, list], exclude: list[int],
                  c: Context, t: Translator, language: tuple[str, list[str]]) -> bool:
        """``_group`` for the people of one language."""
        visible_sql, visible_params = condition
        marks = ", ".join("?" for _ in exclude)
        people = (f" FROM users u WHERE u.id IN ({group.candidates}) AND {visible_sql}"
                  f" AND {language[0]}" + (f" AND u.id NOT IN ({marks})" if exclude else ""))
        params = [*group.params, *visible_params, *language[1], *exclude]
        kind = group.kind
        group = Group(kind, t.translate(group.headline), group.summary, group.candidates,
                      group.params)
        db.execute(
            f"INSERT INTO inbox_items ({INBOX_COLUMNS})"
            " SELECT g.id, ?, ?, ?, ?, ?, ?, ?, g.inbox, g.digest, ? FROM"
            f" (SELECT u.id, {pref_sql(kind, 'inbox', 'u.id')} AS inbox,"
            f" {pref_sql(kind, 'digest', 'u.id')} AS digest{people}) g"
            " WHERE g.inbox = 1 OR g.digest = 1",
            (kind, c.actor_id, c.actor, c.project_id, c.task_id, group.headline, group.summary,
             c.now, *params))
        msg = _render.notification(group.headline, project=c.project["name"],
                                   task_title=c.task_title, summary=group.summary, url=c.url,
                                   kind=kind, t=t)
        emails = db.execute(
            f"INSERT INTO notifications ({OUTBOX_COLUMNS})"
            " SELECT u.id, 'email', u.email, ?, ?, ?, ?, 1, ?, 'pending', ?, ?, ?"
            f"{people} AND {pref_sql(kind, 'email', 'u.id')} = 1",
            (c.project_id, msg.subject, msg.html, msg.text, kind, c.now, c.now, message_id(),
             *params)).rowcount
        chat = []
        if "apprise" in self.outbox.channels():
            for row in db.fetchall(
                    f"SELECT s.user_id, s.apprise_urls FROM notification_settings s"
                    f" JOIN users u ON u.id = s.user_id WHERE s.apprise_urls <> '[]'"
                    f" AND {pref_sql(kind, 'chat', 'u.id')} = 1 AND u.id IN"
                    f" (SELECT u.id{people})", params):
                text = chat_text(group.headline, c.project["name"], c.task_title,
                                 group.summary, c.url)
                chat += [(row["user_id"], "apprise", f"user:{row['user_id']}#{i}",
                          c.project_id, _subject(group.headline, c.task_title), text, text, 0,
                          kind, c.now, c.now, message_id())
                         for i in range(len(json.loads(row["apprise_urls"])))]
            self._insert(db, chat)
        return bool(emails or chat)

    @staticmethod
    def _insert(db: Any, rows: list[tuple]) -> None:
        if rows:
            db.executemany(f"INSERT INTO notifications ({OUTBOX_COLUMNS}) VALUES"
                           " (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)", rows)

    def _email_rows(self, db, notes, prefs, project, task_title, url, project_id,
                    now, ts: dict[int, Translator]) -> list[tuple]:
        """Email rows, plus a row per plugin channel (``taskflow_notify_channels``) that
        reaches the person: plugin channels follow the ``email`` setting."""
        wanted = [n for n in notes if prefs[n.user_id]["prefs"][n.kind]["email"]]
        if not wanted:
            return []
        marks = ", ".join("?" for _ in wanted)
        people = {r["id"]: r for r in db.fetchall(
            f"SELECT id, username, email FROM users WHERE id IN ({marks})",
            [n.user_id for n in wanted])}
        channels = {name: c for name, c in self.outbox.channels().items() if name != "apprise"}
        rendered: dict[tuple[str, str, str | None, str], _render.Rendered] = {}
        rows = []
        for note in wanted:
            t = ts[note.user_id]
            key = (note.kind, note.headline, note.summary, t.language)
            if key not in rendered:  # one rendering per distinct message, not per person
                rendered[key] = _render.notification(
                    note.headline, project=project["name"], task_title=task_title,
                    summary=note.summary, url=url, kind=note.kind, t=t)
            msg = rendered[key]
            for name, channel in channels.items():
                address = self._address(name, channel, people.get(note.user_id))
                if address:
                    rows.append((note.user_id, name, address, project_id, msg.subject,
                                 msg.html, msg.text, 1, note.kind, now, now, message_id()))
        return rows

    @staticmethod
    def _address(name: str, channel: Any, user: dict[str, Any] | None) -> str | None:
        if user is None:
            return None
        if name == "email":  # checked here: no per-row call for the common channel
            try:
                return check_address(user["email"])
            except InvalidEmail:
                log.warning("not emailing user %s: no valid address", user["id"])
                return None
        try:
            return channel.address(user)
        except Exception:  # one broken plugin must not cost the others their rows
            log.exception("notify channel %r: address() failed for user %s", name, user["id"])
            return None

    def _chat_rows(self, notes, prefs, project, task_title, url, project_id,
                   now) -> list[tuple]:
        """One row per chat URL of each person whose ``chat`` setting wants the note."""
        if "apprise" not in self.outbox.channels():
            return []
        rows = []
        for note in notes:
            setting = prefs[note.user_id]
            if not setting["prefs"][note.kind]["chat"]:
                continue
            text = chat_text(note.headline, project["name"], task_title, note.summary, url)
            rows += [(note.user_id, "apprise", f"user:{note.user_id}#{i}", project_id,
                      _subject(note.headline, task_title), text, text, 0, note.kind, now, now,
                      message_id()) for i in range(len(setting["apprise_urls"]))]
        return rows

    def _instance_urls(self, event: Any) -> list[str]:
        # the setting first: asking every plugin for its channels costs more than the rest
        # of an event's fan-out when no chat room is configured (most instances)
        configured = self.kernel.config.get("notify_apprise_urls", "")
        if not configured or isinstance(event, events.ProjectMemberAdded) or \
                "apprise" not in self.outbox.channels():
            return []
        return parse_urls(configured)

    @staticmethod
    def _instance_rows(headline: str, urls: list[str], c: Context) -> list[tuple]:
        text = chat_text(headline, c.project["name"], c.task_title, None, c.url)
        return [(None, "apprise", f"instance#{i}", c.project_id,
                 _subject(headline, c.task_title), text, text, 0, "activity", c.now, c.now,
                 message_id()) for i in range(len(urls))]


def _subject(headline: str, task_title: str | None) -> str:
    return one_line(headline + (f": {task_title}" if task_title else ""), 200)


def chat_text(headline: str, project: str, task_title: str | None, summary: str | None,
              url: str | None) -> str:
    parts = [f"{project}: {headline}" + (f": {task_title}" if task_title else "")]
    if summary:
        parts.append(summary)
    if url:
        parts.append(url)
    return "\n".join(parts)


BULK_ID = "<notification-hub"


def message_id() -> str:
    """A Message-ID for a row written in bulk: the id replaces ``hub`` after the insert."""
    return f"{BULK_ID}.{secrets.token_hex(8)}@taskflow>"
