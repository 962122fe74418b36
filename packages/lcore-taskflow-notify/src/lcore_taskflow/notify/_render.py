"""Emails from templates (Lcore's ``SimpleTemplate``): an HTML part and a plain-text part.

The HTML templates escape every value (``{{value}}``); the text templates
print values as they are (``{{!value}}``): plain text has nothing to escape.
Every email is in its recipient's language: the templates' texts go through
``_("...")`` (extracted into notify's catalog by ``scripts/i18n.py``), given
the recipient's :class:`lcore_taskflow.core.Translator`.
Links are absolute: ``APP_PUBLIC_URL`` + ``APP_MOUNT_PREFIX`` + the frontend's
route, so a mail client can open them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lcore import SimpleTemplate
from lcore_taskflow.core import N_, Translator, translator_for

from ._mailer import one_line

TEMPLATES = Path(__file__).parent / "templates"
LABELS = {"assigned": N_("assigned to you"), "mentioned": N_("mentions of you"),
          "commented": N_("comments on tasks you watch"),
          "status_changed": N_("changes to tasks you watch"),
          "member_added": N_("added to a project"), "digest": N_("daily digest")}


@functools.cache
def template(name: str) -> SimpleTemplate:
    """A compiled template of ``templates/`` (compiled once per process)."""
    return SimpleTemplate(source=(TEMPLATES / name).read_text("utf-8"))


def render(name: str, t: Translator, **values: Any) -> str:
    """``templates/<name>`` in ``t``'s language (``_`` and ``lang`` in the template)."""
    return template(name).render(_=t.gettext, lang=t.language, **values)


def translator_of(kernel: Any, user_id: int | None) -> Translator:
    """The texts of ``user_id``'s language (profile, else ``APP_DEFAULT_LANGUAGE``)."""
    row = None
    if user_id:
        with kernel.database() as db:
            row = db.fetchone("SELECT language FROM users WHERE id = ?", (user_id,))
    return translator_for(kernel, row)


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
                 url: str | None, t: Translator, kind: str = "") -> Rendered:
    """One event's email in ``t``'s language (rendered once per fan-out and language)."""
    headline = t.translate(headline)
    # the seed's subject
    lead = t.gettext("You've been assigned") if kind == "assigned" else headline
    subject = "[TaskFlow] " + one_line(lead + (f": {task_title}" if task_title else ""), 200)
    values = {"subject": subject, "headline": headline, "project": project,
              "task_title": task_title or "", "summary": summary or "", "link": url or ""}
    return Rendered(subject, render("notification.html.tpl", t, **values),
                    render("notification.txt.tpl", t, **values).strip() + "\n")


def digest(day: str, items: list[dict[str, Any]], more: int, t: Translator) -> Rendered:
    count = len(items) + more
    subject = "[TaskFlow] " + t.ngettext("Your daily digest: {n} update",
                                         "Your daily digest: {n} updates", count)
    items = [{**item, "headline": t.translate(item["headline"])} for item in items]
    values = {"subject": subject, "day": day, "items": items, "more": more}
    return Rendered(subject, render("digest.html.tpl", t, **values),
                    render("digest.txt.tpl", t, **values).strip() + "\n")


def label(kind: str, t: Translator) -> str:
    """What a kind of notification is called in ``t``'s language ("mentions of you")."""
    return t.translate(LABELS.get(kind, kind))


def footer(kind: str, unsubscribe: str, settings: str | None,
           t: Translator) -> tuple[str, str]:
    """The HTML and text footers with the unsubscribe link (added when the email is sent)."""
    why = t.gettext("You get this email for {what}.", what=label(kind, t))
    values = {"why": why, "unsubscribe": unsubscribe, "settings": settings or ""}
    return render("footer.html.tpl", t, **values), render("footer.txt.tpl", t, **values)
