"""The notification hub: who hears of what, written in the transaction of the change.

Core's events arrive inside the transaction that made the change
(``taskflow_event``).  The hub turns one event into *notes* (a person, a
kind, a headline), keeps only the people who can still see the project
(``kernel.project_viewers``: one query for all of them) and are not the
actor, reads everyone's preferences in one query, and writes

* one ``inbox_items`` row per person whose inbox or digest wants it,
* one outbox row per email (``notifications``, kind set, the unsubscribe
  footer added by the email channel when it sends),
* one outbox row per person with chat URLs of their own (Apprise), and one
  for the instance's chat URLs when the project is workspace-visible,

with one ``executemany`` each, so 200 watchers cost a few statements, not
hundreds.  Sending is the worker's job; the request only writes rows.

Headlines are :class:`lcore_taskflow.core.Message` s: every row is written
in its recipient's language (the profile's, else ``APP_DEFAULT_LANGUAGE``);
a group's ``INSERT ... SELECT`` runs once per language the catalogs provide.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from lcore_taskflow.core import N_, Message, Translator, available_languages, events
from lcore_taskflow.core import user_language as profile_language

from . import _render
from ._mailer import InvalidEmail, check_address, one_line
from ._prefs import Preferences, parse_urls, pref_sql

log = logging.getLogger("lcore_taskflow.notify")

# Code spans (``...`` fences and `inline`) are taken out before looking for
# mentions: "@bob" in a snippet of code calls nobody.
CODE = re.compile(r"```.*?(?:```|$)|`[^`\n]*`", re.DOTALL)
# "@name" not preceded by a word character, '.', '/', '@' (an email address,
# a URL path) and not followed by more of a name or an address.
MENTION = re.compile(r"(?<![\w.@/+-])@([A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,62}[A-Za-z0-9_])?)"
                     r"(?![\w@-])")
MAX_MENTIONS = 20
# Core's codes in headlines: English keeps the code itself, other languages name it.
STATUS_NAMES = {"todo": N_("todo"), "in_progress": N_("in_progress"), "done": N_("done")}
ROLE_NAMES = {"viewer": N_("viewer"), "commenter": N_("commenter"), "editor": N_("editor"),
              "owner": N_("owner")}
SUMMARY_CHARS = 300
INBOX_COLUMNS = ("user_id, kind, actor_id, actor, project_id, task_id, title, summary,"
                 " in_inbox, in_digest, created_at")
OUTBOX_COLUMNS = ("user_id, type, recipient, project_id, subject, body, body_text, html, kind,"
                  " status, next_attempt_at, created_at, message_id")


def mentions(text: str | None) -> list[str]:
    """The usernames ``text`` mentions (lower-cased, in order, at most 20)."""
    if not text:
        return []
    names = MENTION.findall(CODE.sub(" ", text))
    return list(dict.fromkeys(n.lower() for n in names))[:MAX_MENTIONS]


def excerpt(text: str | None) -> str:
    text = (text or "").strip()
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


@dataclass(frozen=True)
class Note:
    """Tell ``user_id`` of something of ``kind``: ``headline`` (who did what)."""

    user_id: int
    kind: str
    headline: Message
    summary: str | None = None


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


@dataclass(frozen=True)
class Group:
    """The same note for every user id that ``candidates`` (SQL) selects: a task's watchers.

    Written with ``INSERT ... SELECT``: the people are never loaded into Python.
    """

    kind: str
    headline: Message
    summary: str | None
    candidates: str
    params: tuple[Any, ...]


def _project_id(event: Any) -> int | None:
    return event.project_id


class Hub:
    """Turns events into inbox, email and chat rows (one per kernel)."""

    def __init__(self, kernel: Any, outbox: Any):
        self.kernel = kernel
        self.outbox = outbox
        self.prefs = Preferences(kernel)

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

    # ------------------------------------------------------------ watchers
    def watch(self, db: Any, task_id: int, user_id: int | None) -> bool:
        """``user_id`` watches ``task_id`` (no-op when they already do); whether it is new."""
        if not user_id:
            return False
        return db.upsert("task_watchers", {"task_id": task_id, "user_id": user_id,
                                           "created_at": time.time()},
                         conflict=("task_id", "user_id"), update=()) == 1

    def unwatch(self, db: Any, task_id: int, user_id: int) -> bool:
        cur = db.execute("DELETE FROM task_watchers WHERE task_id = ? AND user_id = ?",
                         (task_id, user_id))
        return cur.rowcount == 1

    def watchers(self, db: Any, task_id: int) -> list[int]:
        return [r["user_id"] for r in db.fetchall(
            "SELECT user_id FROM task_watchers WHERE task_id = ?", (task_id,))]

    # -------------------------------------------------------------- events
    def handle(self, event: Any) -> None:
        """React to one of core's events (inside its transaction)."""
        handler = HANDLERS.get(type(event))
        if handler is not None:
            handler(self, event)

    def _task_created(self, event: events.TaskCreated) -> None:
        task = event.task
        self.watch(self.kernel.db, task["id"], task.get("creator_id"))
        notes = self._mention_notes(event, task.get("description"),
                                    N_("{actor} mentioned you in a task"))
        self.fan_out(event, notes)

    def _task_assigned(self, event: events.TaskAssigned) -> None:
        task, actor = event.task, event.actor_name
        assignee = event.assignee["id"]
        db = self.kernel.db
        self.watch(db, task["id"], assignee)
        notes = [Note(assignee, "assigned", Message("{actor} assigned a task to you",
                                                    actor=actor))]
        headline = Message("{actor} assigned the task to {assignee}", actor=actor,
                           assignee=event.assignee["username"])
        self.fan_out(event, notes, self._watchers_group(task["id"], "status_changed", headline))

    def _task_updated(self, event: events.TaskUpdated) -> None:
        changes, actor = event.changes, event.actor_name
        headlines = []
        if "status" in changes:
            status = changes["status"][1]
            headlines.append(Message("{actor} moved the task to {status}", actor=actor,
                                     status=Message(STATUS_NAMES.get(status, status))))
        if "due_date" in changes:
            new = changes["due_date"][1]
            headlines.append(Message("{actor} changed the due date to {date}", actor=actor,
                                     date=new) if new
                             else Message("{actor} removed the due date", actor=actor))
        if "assignee_id" in changes and changes["assignee_id"][1] is None:
            # assignments: _task_assigned
            headlines.append(Message("{actor} unassigned the task", actor=actor))
        group = self._watchers_group(event.task["id"], "status_changed",
                                     joined(headlines)) if headlines else None
        notes = []
        if "description" in changes:
            old, new = changes["description"]  # only who the edit newly mentions
            notes = self._mention_notes(event, new, N_("{actor} mentioned you in a task"),
                                        skip=set(mentions(old)))
        self.fan_out(event, notes, group)

    def _comment_added(self, event: events.CommentAdded) -> None:
        body, actor = event.comment.get("body"), event.actor_name
        notes = self._mention_notes(event, body, N_("{actor} mentioned you in a comment"))
        # A mentioned watcher hears of the mention only (a personal note wins).
        self.fan_out(event, notes, self._watchers_group(
            event.task["id"], "commented", Message("{actor} commented", actor=actor),
            excerpt(body)))

    def _member_added(self, event: events.ProjectMemberAdded) -> None:
        member = event.member
        if "user_id" not in member:  # a team: its people are told nothing (yet)
            return
        headline = Message("{actor} added you to {project} as {role}",
                           actor=event.actor_name, project=event.project["name"],
                           role=Message(ROLE_NAMES.get(member["role"], member["role"])))
        self.fan_out(event, [Note(member["user_id"], "member_added", headline)])

    @staticmethod
    def _watchers_group(task_id: int, kind: str, headline: Message,
                        summary: str | None = None) -> Group:
        return Group(kind, headline, summary, "SELECT user_id FROM task_watchers"
                     " WHERE task_id = ?", (task_id,))

    def _mention_notes(self, event: Any, text: str | None, what: str,
                       skip: set[str] = frozenset()) -> list[Note]:
        names = [n for n in mentions(text) if n not in skip]
        if not names:
            return []
        marks = ", ".join("?" for _ in names)
        found = self.kernel.db.fetchall(
            f"SELECT id FROM users WHERE LOWER(username) IN ({marks})", names)
        headline = Message(what, actor=event.actor_name)
        return [Note(row["id"], "mentioned", headline, excerpt(text)) for row in found]

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
        condition = kernel.project_viewers_where(project_id, "u") if group else None
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
        if isinstance(event, events.ProjectMemberAdded) or \
                "apprise" not in self.outbox.channels():
            return []
        return parse_urls(self.kernel.config.get("notify_apprise_urls", ""))

    @staticmethod
    def _instance_rows(headline: str, urls: list[str], c: Context) -> list[tuple]:
        text = chat_text(headline, c.project["name"], c.task_title, None, c.url)
        return [(None, "apprise", f"instance#{i}", c.project_id,
                 _subject(headline, c.task_title), text, text, 0, "activity", c.now, c.now,
                 message_id()) for i in range(len(urls))]


def instance_headline(shared: list[Message], event: Any) -> Message:
    """What the instance's chat room hears of an event: never a personal "... you"."""
    actor = event.actor_name
    if isinstance(event, events.CommentAdded):
        return Message("{actor} commented", actor=actor)
    if isinstance(event, events.TaskCreated):
        return Message("{actor} created the task", actor=actor)
    if isinstance(event, events.TaskAssigned):
        return Message("{actor} assigned the task to {assignee}", actor=actor,
                       assignee=event.assignee["username"])
    return shared[0] if shared else Message("{actor} updated the task", actor=actor)


def joined(headlines: list[Message]) -> Message:
    """Several changes of one edit in one headline ("...; ...")."""
    headline = headlines[0]
    for more in headlines[1:]:
        headline = Message("{first}; {then}", first=headline, then=more)
    return headline


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


HANDLERS = {
    events.TaskCreated: Hub._task_created,
    events.TaskAssigned: Hub._task_assigned,
    events.TaskUpdated: Hub._task_updated,
    events.CommentAdded: Hub._comment_added,
    events.ProjectMemberAdded: Hub._member_added,
}
