"""``/api/webhooks/``: webhooks per project, their delivery log, retries.

Configuring webhooks is the action ``webhooks:manage`` (admins, under the
standard ``role_policy``): a webhook sends project data to any URL.  Secrets
are write-only: the API shows their last four characters.

The bodies are declared once as schemas: the handlers validate with them and
``/openapi.json`` describes them.  The handlers are named functions, each
taking the kernel and then the URL's values, registered from :data:`ROUTES`
(and :data:`WORKER_ROUTES`, whose handlers also need the delivery worker).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from lcore import Lcore
from lcore_taskflow.core import (
    N_,
    ApiError,
    Boolean,
    Event,
    Field,
    Invalid,
    Message,
    Route,
    Schema,
    Text,
    add_routes,
    json_body,
    pagination,
    query_choice,
)

if TYPE_CHECKING:
    from lcore_taskflow.core import TaskFlow

    from ._outbox import Worker

STATUSES = ("pending", "sending", "delivered", "failed")
HOOK_COLUMNS = "id, project_id, url, secret, events, active, created_at, updated_at"
MAX_HOOKS_PER_PROJECT = 20


# ------------------------------------------------------------- schemas
class EventTypes(Field):
    """A non-empty list of event type names.

    Unlike other fields, a ``null`` given is refused rather than read as "not
    given": a webhook must always subscribe to something.
    """

    def read(self, name: str, data: Mapping[str, Any],
             check: Callable[[Any], str | None] | None = None) -> Any:
        if name not in data and not self.required:
            return self.default  # not given: left out of the values
        chosen = data.get(name)
        if not isinstance(chosen, list) or not chosen or not all(
                isinstance(t, str) for t in chosen):
            raise Invalid("events must be a non-empty list of event types", full=True)
        problem = check(chosen) if check is not None else None
        if problem:
            raise Invalid(problem, full=True)
        return chosen

    def _json(self, ref: Any) -> dict[str, Any]:
        return {"type": "array", "items": {"type": "string"}, "minItems": 1}


def hook_url(*, required: bool = False) -> Text:
    return Text(required=required, max_len=2000, description="An http:// or https:// address",
                example="https://example.com/hooks/taskflow")


def hook_events(*, required: bool = False) -> EventTypes:
    return EventTypes(required=required,
                      description="Event types to deliver (GET /api/webhooks/events)")


class WebhookUpdate(Schema):
    """Some of a webhook's settings (what is left out stays)."""

    url = hook_url()
    secret = Text(min_len=16, max_len=200, description="Signs each delivery (write-only)")
    active = Boolean()
    events = hook_events()


class WebhookCreate(WebhookUpdate):
    """A new webhook; without ``secret`` one is made and shown in this answer only."""

    url = hook_url(required=True)
    events = hook_events(required=True)


def web_address(url: str) -> str | None:
    """Why ``url`` cannot be a webhook's address, or ``None``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return N_("url must be an http:// or https:// address")
    return None


def declared_events(kernel: TaskFlow) -> Callable[[list[str]], str | None]:
    """A check refusing event types that are not :func:`project_event_types`."""
    def check(chosen: list[str]) -> str | None:
        known = project_event_types(kernel)
        unknown = sorted(set(chosen) - set(known))
        if not unknown:
            return None
        return Message("unknown event types: {unknown} (choose from {known})",
                       unknown=", ".join(unknown), known=", ".join(known))
    return check


def hook_values(kernel: TaskFlow, schema: type[WebhookUpdate]) -> dict[str, Any]:
    """The request's webhook settings as columns; 422 naming each bad field."""
    values = schema.validate(json_body(), url=web_address, events=declared_events(kernel))
    if "events" in values:
        values["events"] = json.dumps(sorted(set(values["events"])))
    if "active" in values:
        values["active"] = int(values["active"])
    return values


# ------------------------------------------------------------- helpers
def project_event_types(kernel: TaskFlow) -> list[str]:
    """Declared event types whose events are about a project (core's and plugins')."""
    return sorted(t for t, cls in kernel.event_types().items()
                  if cls.project_id is not Event.project_id)


def hook_out(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: row[k] for k in ("id", "project_id", "url", "created_at", "updated_at")}
    out.update(events=json.loads(row["events"]), active=bool(row["active"]),
               secret_hint="…" + row["secret"][-4:])
    return out


def hook_or_404(db, hook_id: int) -> dict[str, Any]:
    row = db.fetchone(f"SELECT {HOOK_COLUMNS} FROM webhooks WHERE id = ? AND deleted_at IS NULL",
                      (hook_id,))
    if row is None:
        raise ApiError(404, "Webhook {hook_id} not found", params={"hook_id": hook_id})
    return row


def hook_in_scope(kernel: TaskFlow, hook_id: int) -> dict[str, Any]:
    """The webhook, if its project is visible and has the plugin on (404 otherwise)."""
    row = hook_or_404(kernel.db, hook_id)
    kernel.access().project(row["project_id"])
    return row


# ------------------------------------------------------------- handlers
def event_types(kernel: TaskFlow) -> dict[str, Any]:
    """The event types a webhook can subscribe to."""
    return {"events": project_event_types(kernel)}


def list_hooks(kernel: TaskFlow, pid: int) -> dict[str, Any]:
    """A project's webhooks, oldest first (secrets as their last four characters)."""
    rows = kernel.db.fetchall(f"SELECT {HOOK_COLUMNS} FROM webhooks WHERE project_id = ?"
                              " AND deleted_at IS NULL ORDER BY id", (pid,))
    return {"webhooks": [hook_out(r) for r in rows]}


def create_hook(kernel: TaskFlow, pid: int) -> dict[str, Any]:
    """``{url, events, secret?, active?}``; without ``secret`` one is made and shown once."""
    values = hook_values(kernel, WebhookCreate)
    generated = "secret" not in values
    values.setdefault("secret", secrets.token_urlsafe(32))
    db = kernel.db
    with db.transaction():
        kernel.access().project(pid)  # 404 when missing, or webhooks is off there
        if db.count("webhooks", "project_id = ? AND deleted_at IS NULL",
                    (pid,)) >= MAX_HOOKS_PER_PROJECT:
            raise ApiError(422, "A project has at most {MAX_HOOKS_PER_PROJECT} webhooks",
                           params={"MAX_HOOKS_PER_PROJECT": MAX_HOOKS_PER_PROJECT})
        hook_id = db.insert("webhooks", {**values, "project_id": pid})
    out = hook_out(hook_or_404(db, hook_id))
    if generated:
        out["secret"] = values["secret"]  # the only time it is shown
    return out


def update_hook(kernel: TaskFlow, hid: int) -> dict[str, Any]:
    """Change a webhook's address, events, secret or whether it is active."""
    values = hook_values(kernel, WebhookUpdate)
    db = kernel.db
    with db.transaction():
        hook_in_scope(kernel, hid)
        if values:
            db.update("webhooks", hid, values)
    return hook_out(hook_or_404(db, hid))


def delete_hook(kernel: TaskFlow, hid: int) -> dict[str, Any]:
    """Delete a webhook with its delivery log (pending deliveries are dropped)."""
    db = kernel.db
    with db.transaction():
        hook_in_scope(kernel, hid)
        db.delete("webhooks", hid)
    return {"id": hid, "deleted": True}


def deliveries(kernel: TaskFlow, hid: int) -> dict[str, Any]:
    """The delivery log, newest first; ``?status=`` filters, paginated."""
    db = kernel.db
    hook_in_scope(kernel, hid)
    page, limit, offset = pagination()
    status = query_choice("status", STATUSES)
    where = "webhook_id = ?"
    params: list[Any] = [hid]
    if status:
        where += " AND status = ?"
        params.append(status)
    rows = db.fetchall(
        "SELECT id, event_type, status, attempts, response_status, error, next_attempt_at,"
        f" created_at, updated_at, delivered_at, payload FROM webhook_deliveries"
        f" WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?", (*params, limit, offset))
    for row in rows:
        row["payload"] = json.loads(row["payload"])
    return {"deliveries": rows, "total": db.count("webhook_deliveries", where, params),
            "page": page, "limit": limit}


def retry(kernel: TaskFlow, worker_of: Callable[[TaskFlow], Worker], hid: int,
          did: int) -> dict[str, Any]:
    """Send a failed delivery again now (its attempts start over)."""
    db = kernel.db
    with db.transaction():
        hook_in_scope(kernel, hid)
        done = db.execute(
            "UPDATE webhook_deliveries SET status = 'pending', attempts = 0,"
            " next_attempt_at = ?, updated_at = ? WHERE id = ? AND webhook_id = ?"
            " AND status = 'failed'", (time.time(), time.time(), did, hid)).rowcount
        if not done:
            raise ApiError(409, "Delivery {did} of webhook {hid} is not a failed delivery",
                           params={"did": did, "hid": hid})
        db.after_commit(worker_of(kernel).wake)
    return {"id": did, "status": "pending"}


MANAGE = "webhooks:manage"

ROUTES: tuple[Route, ...] = (
    ("GET", "/events", event_types, dict(name="webhooks_event_types", auth=True)),
    ("GET", "/projects/<pid:int>", list_hooks, dict(name="webhooks_list", auth=MANAGE)),
    ("POST", "/projects/<pid:int>", create_hook, dict(
        name="webhooks_create", auth=MANAGE, body=WebhookCreate, status=201)),
    ("PATCH", "/<hid:int>", update_hook, dict(
        name="webhooks_update", auth=MANAGE, body=WebhookUpdate)),
    ("DELETE", "/<hid:int>", delete_hook, dict(name="webhooks_delete", auth=MANAGE)),
    ("GET", "/<hid:int>/deliveries", deliveries, dict(name="webhooks_deliveries", auth=MANAGE)),
)

#: Routes whose handlers take the kernel and then the plugin's ``worker_of``.
WORKER_ROUTES: tuple[Route, ...] = (
    ("POST", "/<hid:int>/deliveries/<did:int>/retry", retry, dict(
        name="webhooks_retry", auth=MANAGE)),
)


def build_webhooks_app(kernel: TaskFlow, worker_of: Callable[[TaskFlow], Worker]) -> Lcore:
    """The ``/api/webhooks/`` sub-app: :data:`ROUTES` and :data:`WORKER_ROUTES`."""
    app = Lcore()
    add_routes(app, ROUTES, kernel)
    add_routes(app, WORKER_ROUTES, kernel, worker_of)
    return app
