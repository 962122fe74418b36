"""Calendar feeds: secret iCalendar (RFC 5545) URLs of tasks with due dates.

``POST /api/users/me/calendar`` makes the caller's feed URL (the tasks
assigned to them, in the projects they can see *when the feed is read*);
``POST /api/projects/<pid>/calendar`` a project owner's feed of every task of
the project with a due date.  Each POST replaces the previous URL of the same
feed, which stops working at once; ``DELETE`` ends it.  The URL is the only
credential (calendar applications cannot sign in), so it is 32 random bytes
and the database keeps only its SHA-256.  ``GET /calendar/<token>.ics``
answers the feed with a quoted ETag and 304 for a matching ``If-None-Match``.

The feed lives outside ``/api/`` on purpose: every answer under ``/api/`` is
JSON (SPEC §13), a feed is ``text/calendar``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from icalendar import Calendar, Event
from lcore import HTTPResponse, Lcore, request
from lcore_taskflow.core import ApiError, Boolean, Number, Schema, String

if TYPE_CHECKING:
    from lcore_taskflow.core import TaskFlow

TOKEN_PREFIX = "tfc_"  # so secret scanners can spot a leaked feed URL
FEED_LIMIT = 2000  # events per feed, the soonest due first (rendering costs ~1 ms an event)
FEED_PAST_DAYS = 365  # tasks due longer ago than this are history, not calendar
PRODID = "-//TaskFlow for Lcore//lcore-taskflow-io//EN"
TOKEN_REFUSED = (403, "A personal access token or a share link cannot manage calendar feeds")
TOO_MANY = (429, "Too many requests from this account: wait Retry-After seconds")


class FeedUrl(Schema):
    """A new secret feed URL: shown this once (only its hash is kept)."""

    url = String(required=True, description="The iCalendar feed; anyone with it can read it")


class FeedState(Schema):
    """Whether the caller has a live feed URL (the URL itself cannot be shown again)."""

    active = Boolean(required=True)
    created_at = Number(required=True, nullable=True, description="Seconds since the epoch")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def account_of(kernel: TaskFlow, bucket: str | None = None, limit: int = 30,
               per: float = 60) -> dict[str, Any]:
    """The signed-in person; 403 for a personal access token (it never mints credentials)
    or a share link.  With ``bucket``, also counts the request against the account (not
    the address: people behind one proxy do not share a budget)."""
    user = kernel.current_user()
    if user.get("via") == "token" or user.get("role") == "share":
        raise ApiError(403, TOKEN_REFUSED[1])
    if bucket:
        kernel.limits.check(bucket, limit, per, key=f"user:{user['id']}")
    return user


def _feed_url(kernel: TaskFlow, token: str) -> str:
    parts = urlsplit(request.url)
    return f"{parts.scheme}://{parts.netloc}{kernel.url(f'/calendar/{token}.ics')}"


def new_feed(kernel: TaskFlow, user_id: int, scope: str, project_id: int | None = None) -> str:
    """A fresh token for ``(user_id, scope)``; the previous one of that feed stops now."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db = kernel.db
    with db.transaction():
        db.execute("DELETE FROM io_calendar_feeds WHERE user_id = ? AND scope = ?",
                   (user_id, scope))
        db.execute("INSERT INTO io_calendar_feeds (token_hash, user_id, project_id, scope,"
                   " created_at) VALUES (?, ?, ?, ?, ?)",
                   (digest(token), user_id, project_id, scope, time.time()))
    return token


def end_feed(kernel: TaskFlow, user_id: int, scope: str) -> None:
    with kernel.db.transaction():
        kernel.db.execute("DELETE FROM io_calendar_feeds WHERE user_id = ? AND scope = ?",
                          (user_id, scope))


def forget(kernel: TaskFlow, *, user_id: int | None = None, project_id: int | None = None) -> None:
    """Drop the feeds of a deleted user or project (io's event listener)."""
    with kernel.database() as db:
        if user_id is not None:
            db.execute("DELETE FROM io_calendar_feeds WHERE user_id = ?", (user_id,))
        if project_id is not None:
            db.execute("DELETE FROM io_calendar_feeds WHERE project_id = ?", (project_id,))


# ---------------------------------------------------------------- the feed
TASK_COLUMNS = ("t.id, t.title, t.description, t.status, t.priority, t.due_date, t.project_id,"
                " t.created_at, t.updated_at, p.name AS project_name")


def feed_rows(kernel: TaskFlow, feed: dict[str, Any],
              owner: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The tasks of ``feed`` as ``owner`` may see them now, or ``None`` if the feed is void."""
    access = kernel.access(owner)
    since = (dt.date.today() - dt.timedelta(days=FEED_PAST_DAYS)).isoformat()
    conditions, params = ["t.due_date IS NOT NULL", "t.due_date >= ?"], [since]
    if feed["project_id"] is None:
        conditions.append("t.assignee_id = ?")
        params.append(owner["id"])
        access.and_where(conditions, params, "p.id", visibility="p.visibility")
    else:
        # A project feed is its owner's: it dies with their ownership.
        if access.role(feed["project_id"]) != "owner":
            return None
        conditions.append("t.project_id = ?")
        params.append(feed["project_id"])
    with kernel.database() as db:
        return db.fetchall(
            f"SELECT {TASK_COLUMNS} FROM tasks t JOIN projects p ON p.id = t.project_id"
            f" WHERE {' AND '.join(conditions)} ORDER BY t.due_date, t.id LIMIT ?",
            (*params, FEED_LIMIT))


def _stamp(seconds: float | None) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds or 0, tz=dt.timezone.utc).replace(microsecond=0)


def render(rows: list[dict[str, Any]], name: str, host: str, frontend: str) -> bytes:
    """The RFC 5545 calendar of ``rows``: one all-day event per task, on its due date.

    Deterministic (DTSTAMP is the task's last change, which RFC 5545 allows
    for a calendar without METHOD), so an unchanged feed keeps its ETag.
    Text goes through icalendar's escaping: a title cannot add properties.
    """
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for row in rows:
        due = dt.date.fromisoformat(str(row["due_date"])[:10])
        changed = _stamp(row["updated_at"] or row["created_at"])
        event = Event()
        event.add("uid", f"taskflow-task-{row['id']}@{host}")
        event.add("dtstamp", changed)
        event.add("last-modified", changed)
        event.add("dtstart", due)
        event.add("dtend", due + dt.timedelta(days=1))
        # A done task stays on the calendar, marked: CANCELLED would say it never happened.
        event.add("summary", ("✓ " if row["status"] == "done" else "") + row["title"])
        if row["description"]:
            event.add("description", row["description"])
        event.add("categories", [row["project_name"]])
        event.add("status", "CONFIRMED")
        event.add("priority", {"high": 1, "medium": 5, "low": 9}.get(row["priority"], 0))
        event.add("transp", "TRANSPARENT")
        event.add("url", f"{frontend}#/projects/{row['project_id']}/tasks/{row['id']}")
        cal.add_component(event)
    return cal.to_ical()


class RenderedFeeds:
    """The last few rendered feeds by ETag (rendering thousands of events takes a while;
    a calendar application polls the same feed every few minutes)."""

    def __init__(self, size: int = 64):
        self.size = size
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, tag: str) -> bytes | None:
        with self._lock:
            body = self._bodies.get(tag)
            if body is not None:
                self._bodies.move_to_end(tag)
            return body

    def put(self, tag: str, body: bytes) -> None:
        with self._lock:
            self._bodies[tag] = body
            while len(self._bodies) > self.size:
                self._bodies.popitem(last=False)


def etag_of(rows: list[dict[str, Any]], *context: str) -> str:
    """A strong ETag of the feed that ``render(rows, *context)`` makes, without rendering it:
    the body is a function of exactly these values."""
    digest_ = hashlib.sha256(json.dumps([PRODID, context, rows], sort_keys=True,
                                        default=str).encode())
    return '"' + digest_.hexdigest()[:32] + '"'


def serve_feed(kernel: TaskFlow, token: str, rendered: RenderedFeeds) -> HTTPResponse:
    feed: Any = None  # a row of the untyped ``db``
    if token.startswith(TOKEN_PREFIX) and len(token) < 100:
        with kernel.database() as db:
            feed = db.fetchone("SELECT user_id, project_id, scope FROM io_calendar_feeds"
                               " WHERE token_hash = ?", (digest(token),))
    # a row whenever rows is not None below (the 404 covers the rest)
    owner: Any = kernel.users.get(feed["user_id"]) if feed else None
    rows = feed_rows(kernel, feed, owner) if owner and owner["is_active"] else None
    if rows is None:
        raise ApiError(404, "No such calendar feed (it may have been replaced or ended)")
    parts = urlsplit(request.url)
    frontend = f"{parts.scheme}://{parts.netloc}{kernel.url('/frontend')}"
    name = (f"TaskFlow: {owner['username']}" if feed["project_id"] is None
            else f"TaskFlow: {rows[0]['project_name']}" if rows else "TaskFlow project")
    context = (name, parts.hostname or "taskflow", frontend)
    tag = etag_of(rows, *context)
    headers = {"ETag": tag, "Cache-Control": "private, no-cache"}
    # If-None-Match compares weakly (RFC 9110 13.1.2): W/"x" matches "x".
    wanted = [t.strip().removeprefix("W/") for t in
              (request.get_header("If-None-Match") or "").split(",")]
    if tag in wanted or "*" in wanted:
        return HTTPResponse(status=304, headers=headers)
    body = rendered.get(tag)
    if body is None:
        body = render(rows, *context)
        rendered.put(tag, body)
    return HTTPResponse(body, headers={
        **headers, "Content-Type": "text/calendar; charset=utf-8",
        "Content-Disposition": 'inline; filename="taskflow.ics"'})


# ---------------------------------------------------------------- routes
def add_routes(app: Lcore, kernel: TaskFlow) -> None:
    """Register the calendar routes on the io sub-app."""
    rendered = RenderedFeeds()

    @app.get("/api/users/me/calendar", name="io_calendar_state", auth=True,
             returns=FeedState, responses=(TOKEN_REFUSED,))
    def calendar_state():
        """Whether you have a calendar feed URL, and since when."""
        user = account_of(kernel)
        created = kernel.db.scalar("SELECT created_at FROM io_calendar_feeds"
                                   " WHERE user_id = ? AND scope = 'me'", (user["id"],))
        return {"active": created is not None, "created_at": created}

    @app.post("/api/users/me/calendar", name="io_calendar_create", auth=True, status=201,
              returns=FeedUrl, responses=(TOKEN_REFUSED, TOO_MANY))
    def calendar_create():
        """A new secret feed URL of the tasks assigned to you; the previous URL stops."""
        user = account_of(kernel, "io:calendar")
        return {"url": _feed_url(kernel, new_feed(kernel, user["id"], "me"))}

    @app.delete("/api/users/me/calendar", name="io_calendar_delete", auth=True, status=204,
                responses=(TOKEN_REFUSED,))
    def calendar_delete():
        """End your calendar feed URL."""
        end_feed(kernel, account_of(kernel)["id"], "me")
        return HTTPResponse(status=204)

    @app.post("/api/projects/<pid:int>/calendar", name="io_project_calendar_create", auth=True,
              role="owner", status=201, returns=FeedUrl, responses=(TOKEN_REFUSED, TOO_MANY))
    def project_calendar_create(pid):
        """A new secret feed URL of the project's tasks with due dates (owners)."""
        user = account_of(kernel, "io:calendar")
        return {"url": _feed_url(kernel, new_feed(kernel, user["id"], f"project:{pid}", pid))}

    @app.delete("/api/projects/<pid:int>/calendar", name="io_project_calendar_delete",
                auth=True, role="owner", status=204, responses=(TOKEN_REFUSED,))
    def project_calendar_delete(pid):
        """End your feed URL of this project."""
        end_feed(kernel, account_of(kernel)["id"], f"project:{pid}")
        return HTTPResponse(status=204)

    @app.get("/calendar/<token>.ics", name="io_calendar_feed", auth=False,
             responses=((200, "text/calendar (RFC 5545)"),
                        (304, "Unchanged since the ETag of If-None-Match"),
                        (404, "No such feed: replaced, ended, or its owner lost access")))
    @kernel.limits.limit("io:feed", 120, 60)
    def calendar_feed(token):
        """The iCalendar feed behind a secret URL (no other credentials)."""
        return serve_feed(kernel, token, rendered)
