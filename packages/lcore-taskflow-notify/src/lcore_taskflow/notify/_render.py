"""Emails from templates (Lcore's ``SimpleTemplate``): an HTML part and a plain-text part.

The HTML templates escape every value (``{{value}}``); the text templates
print values as they are (``{{!value}}``): plain text has nothing to escape.
Links are absolute: ``APP_PUBLIC_URL`` + ``APP_MOUNT_PREFIX`` + the frontend's
route, so a mail client can open them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lcore import SimpleTemplate

from ._mailer import one_line

TEMPLATES = Path(__file__).parent / "templates"
LABELS = {"assigned": "assigned to you", "mentioned": "mentions of you",
          "commented": "comments on tasks you watch",
          "status_changed": "changes to tasks you watch",
          "member_added": "added to a project", "digest": "daily digest"}


@functools.cache
def template(name: str) -> SimpleTemplate:
    """A compiled template of ``templates/`` (compiled once per process)."""
    return SimpleTemplate(source=(TEMPLATES / name).read_text("utf-8"))


def render(name: str, **values: Any) -> str:
    return template(name).render(**values)


def base_url(kernel: Any) -> str:
    """``APP_PUBLIC_URL`` (or ``http://localhost:<port>``) with the mount prefix."""
    config = kernel.config
    public = (config.get("public_url") or "").rstrip("/") or \
        f"http://localhost:{config.get('port', 8000)}"
    return public + kernel.url("/").rstrip("/")


def link(kernel: Any, project_id: int | None, task_id: int | None = None) -> str | None:
    """Where the frontend shows a task (or a project); ``None`` for neither."""
    if project_id is None:
        return None
    route = f"projects/{project_id}" + (f"/tasks/{task_id}" if task_id else "")
    return f"{base_url(kernel)}/frontend#/{route}"


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str


def notification(headline: str, *, project: str, task_title: str | None, summary: str | None,
                 url: str | None, kind: str = "") -> Rendered:
    """One event's email (the same for every recipient: rendered once per fan-out)."""
    lead = "You've been assigned" if kind == "assigned" else headline  # the seed's subject
    subject = "[TaskFlow] " + one_line(lead + (f": {task_title}" if task_title else ""), 200)
    values = {"subject": subject, "headline": headline, "project": project,
              "task_title": task_title or "", "summary": summary or "", "link": url or ""}
    return Rendered(subject, render("notification.html.tpl", **values),
                    render("notification.txt.tpl", **values).strip() + "\n")


def digest(day: str, items: list[dict[str, Any]], more: int) -> Rendered:
    subject = f"[TaskFlow] Your daily digest: {len(items) + more} update" + \
        ("s" if len(items) + more != 1 else "")
    values = {"subject": subject, "day": day, "items": items, "more": more}
    return Rendered(subject, render("digest.html.tpl", **values),
                    render("digest.txt.tpl", **values).strip() + "\n")


def footer(kind: str, unsubscribe: str, settings: str | None) -> tuple[str, str]:
    """The HTML and text footers with the unsubscribe link (added when the email is sent)."""
    why = f"You get this email for {LABELS.get(kind, kind)}."
    values = {"why": why, "unsubscribe": unsubscribe, "settings": settings or ""}
    return render("footer.html.tpl", **values), render("footer.txt.tpl", **values)
