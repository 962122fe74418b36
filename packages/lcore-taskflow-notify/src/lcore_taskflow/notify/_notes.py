"""What an event tells whom: notes (a person, a kind, a headline) and groups.

A :class:`Note` is for one person (a mention, the assignee); a :class:`Group`
is the same note for everyone an SQL query selects (a task's watchers).  The
mention parser, the headline wording shared by several events, and what the
instance's chat room hears are here; the hub (``_hub``) decides which notes an
event makes, the fan-out (``_fanout``) writes their rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lcore_taskflow.core import N_, Message, events

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
class Group:
    """The same note for every user id that ``candidates`` (SQL) selects: a task's watchers.

    Written with ``INSERT ... SELECT``: the people are never loaded into Python.
    """

    kind: str
    headline: Message
    summary: str | None
    candidates: str
    params: tuple[Any, ...]


def watchers_group(task_id: int, kind: str, headline: Message,
                   summary: str | None = None) -> Group:
    """``headline`` for everyone who watches ``task_id``."""
    return Group(kind, headline, summary, "SELECT user_id FROM task_watchers"
                 " WHERE task_id = ?", (task_id,))


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
