"""Trello board exports (Board menu > Print, export and share > Export as JSON)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .plan import (
    ITEM_MAX,
    TEXT_MAX,
    TITLE_MAX,
    TRELLO_COLORS,
    Malformed,
    Plan,
    TaskPlan,
    clipped,
    clipped_name,
    date_of,
    load_json,
    number,
    status_of,
    text_of,
)


def _list(data: dict, key: str) -> list[dict]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise Malformed(f"Trello board: {key!r} must be a list")
    return [item for item in value if isinstance(item, dict)]


@dataclass
class _Board:
    """A board export's lists, members and labels by id; checklists and comments by card."""

    lists: dict[str, dict]
    members: dict[str, dict]
    labels: dict[str, dict]
    checklists: dict[str, list[dict]]
    comments: dict[str, list[dict]]


def _board(data: dict) -> _Board:
    checklists: dict[str, list[dict]] = {}
    for checklist in _list(data, "checklists"):
        checklists.setdefault(str(checklist.get("idCard")), []).append(checklist)
    comments: dict[str, list[dict]] = {}
    for action in _list(data, "actions"):
        if action.get("type") == "commentCard" and isinstance(action.get("data"), dict):
            card = action["data"].get("card") or {}
            comments.setdefault(str(card.get("id")), []).append(action)
    return _Board(lists={str(item.get("id")): item for item in _list(data, "lists")},
                  members={str(m.get("id")): m for m in _list(data, "members")},
                  labels={str(lb.get("id")): lb for lb in _list(data, "labels")},
                  checklists=checklists, comments=comments)


def trello(content: bytes, options: dict[str, Any]) -> Plan:
    """A Trello board export (Board menu > Print, export and share > Export as JSON).

    Lists become statuses (``options["mapping"]``: ``{list name: status}``, else by the list's
    name, else ``todo``); closed cards and the cards of closed lists become ``done`` tasks;
    checklists, comments (``commentCard`` actions), labels, due dates and members (matched
    later by email, then username) go with their card.
    """
    data = load_json(content, "Trello board")
    if not isinstance(data, dict) or not isinstance(data.get("cards"), list) \
            or not isinstance(data.get("lists"), list):
        raise Malformed("Trello board: expected a board export with \"lists\" and \"cards\" "
                        "(Trello: Menu > Print, export and share > Export as JSON)")
    mapping = options.get("mapping") or {}
    plan = Plan(project={"name": clipped_name(text_of(data.get("name")) or "Trello board"),
                         "description": text_of(data.get("desc"))[:TEXT_MAX]})
    board = _board(data)
    unmapped: set[str] = set()
    cards = sorted(_list(data, "cards"), key=lambda c: (number(c.get("pos")), str(c.get("id"))))
    for position, card in enumerate(cards, start=1):
        task = _card_task(plan, board, card, position, mapping, unmapped)
        if task is not None:
            plan.tasks.append(task)
    for name in sorted(unmapped):
        plan.note(f"list {name!r}", "no status mapping for this list: its cards are \"todo\" "
                                    "(send mapping={\"" + name + "\": \"in_progress\"} to change)")
    return plan


def _card_task(plan: Plan, board: _Board, card: dict, position: int,
               mapping: dict[str, str], unmapped: set[str]) -> TaskPlan | None:
    """The task of one card (``None``, with a note, when the card has no name)."""
    title = text_of(card.get("name")).strip()
    ref = f"card {position} {title[:40]!r}" if title else f"card {position}"
    if not title:
        plan.note(ref, "skipped: the card has no name")
        return None
    task = TaskPlan(ref=ref, title=clipped(plan, ref, "title", title, TITLE_MAX),
                    description=clipped(plan, ref, "description",
                                        text_of(card.get("desc")), TEXT_MAX))
    column = board.lists.get(str(card.get("idList"))) or {}
    list_name = text_of(column.get("name"))
    if card.get("closed") or column.get("closed"):
        task.status = "done"
    else:
        task.status = status_of(list_name, mapping) or "todo"
        if list_name and status_of(list_name, mapping) is None:
            unmapped.add(list_name)
    if card.get("due"):
        task.due_date = date_of(card.get("due"))
        if task.due_date is None:
            plan.note(ref, f"due date {text_of(card.get('due'))[:40]!r} is not a date: left "
                           "out")
    for member_id in _ids(card.get("idMembers")):
        member = board.members.get(str(member_id)) or {}
        task.people.append({k: text_of(member.get(k)) for k in ("email", "username")
                            if member.get(k)} or {"username": str(member_id)})
    task.labels = _trello_labels(card, board.labels)
    task.checklist = _checklist(plan, ref, board.checklists.get(str(card.get("id")), []))
    task.comments = _comments(plan, ref, board.comments.get(str(card.get("id")), []),
                              board.members)
    return task


def _checklist(plan: Plan, ref: str, checklists: list[dict]) -> list[dict[str, Any]]:
    """A card's checklist items in board order, every checklist of the card in one list."""
    items_out: list[dict[str, Any]] = []
    for checklist in sorted(checklists, key=lambda c: number(c.get("pos"))):
        items = checklist.get("checkItems")
        items = items if isinstance(items, list) else []
        for item in sorted((i for i in items if isinstance(i, dict)),
                           key=lambda i: number(i.get("pos"))):
            name = text_of(item.get("name")).strip()
            if not name:
                plan.note(ref, "a checklist item without a name: skipped")
                continue
            items_out.append({"title": clipped(plan, ref, "checklist item", name, ITEM_MAX),
                              "done": item.get("state") == "complete"})
    return items_out


def _comments(plan: Plan, ref: str, actions: list[dict],
              members: dict[str, dict]) -> list[dict[str, Any]]:
    """A card's ``commentCard`` actions as comments, oldest first, with their authors."""
    comments = []
    for action in sorted(actions, key=lambda a: text_of(a.get("date"))):
        body = text_of(action["data"].get("text")).strip()
        if not body:
            continue
        author = action.get("memberCreator")
        if not isinstance(author, dict):
            author = members.get(str(action.get("idMemberCreator"))) or {}
        comments.append({
            "body": clipped(plan, ref, "comment", body, TEXT_MAX),
            "person": {k: text_of(author.get(k)) for k in ("email", "username")
                       if author.get(k)},
            "name": text_of(author.get("fullName") or author.get("username"))})
    return comments


def _trello_labels(card: dict, board_labels: dict[str, dict]) -> list[dict[str, Any]]:
    found = card.get("labels")
    if not isinstance(found, list):
        found = [board_labels[str(i)] for i in _ids(card.get("idLabels"))
                 if str(i) in board_labels]
    labels = []
    for label in found:
        if not isinstance(label, dict):
            continue
        color = text_of(label.get("color")).lower()
        name = text_of(label.get("name")).strip() or color
        if name:
            labels.append({"name": name[:40], "color": TRELLO_COLORS.get(color, "#888888")})
    return labels


def _ids(value: Any) -> list[str]:
    """A list of ids from a card's ``idMembers`` / ``idLabels`` (anything else: none)."""
    return [str(v) for v in value if isinstance(v, (str, int))] if isinstance(value, list) \
        else []
