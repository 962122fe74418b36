"""``/api/webhooks/``: webhooks per project, their delivery log, retries.

Configuring webhooks is the action ``webhooks:manage`` (admins, under the
standard ``role_policy``): a webhook sends project data to any URL.  Secrets
are write-only: the API shows their last four characters.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from lcore import Lcore, response
from lcore_taskflow.core import (
    ApiError,
    Event,
    Fields,
    Message,
    json_body,
    pagination,
    query_choice,
)

STATUSES = ("pending", "sending", "delivered", "failed")
HOOK_COLUMNS = "id, project_id, url, secret, events, active, created_at, updated_at"
MAX_HOOKS_PER_PROJECT = 20


def project_event_types(kernel) -> list[str]:
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


def hook_in_scope(kernel, hook_id: int) -> dict[str, Any]:
    """The webhook, if its project is visible and has the plugin on (404 otherwise)."""
    row = hook_or_404(kernel.db, hook_id)
    kernel.access().project(row["project_id"])
    return row


def hook_fields(kernel, data: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    fields = Fields(data)
    fields.text("url", required=creating, max_len=2000)
    fields.text("secret", min_len=16, max_len=200)
    fields.boolean("active")
    url = fields.values.get("url")
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            fields.add_error("url", "url must be an http:// or https:// address")
    if "events" in data or creating:
        known = project_event_types(kernel)
        chosen = data.get("events")
        if not isinstance(chosen, list) or not chosen or not all(
                isinstance(t, str) for t in chosen):
            fields.add_error("events", "events must be a non-empty list of event types")
        elif unknown := sorted(set(chosen) - set(known)):
            fields.add_error("events", Message("unknown event types: {unknown} (choose from "
                                               "{known})", unknown=", ".join(unknown),
                                               known=", ".join(known)))
        else:
            fields.values["events"] = json.dumps(sorted(set(chosen)))
    values = fields.result()
    if "active" in values:
        values["active"] = int(values["active"])
    return values


def build_webhooks_app(kernel, worker_of) -> Lcore:
    app = Lcore()

    @app.get("/events", name="webhooks_event_types", auth=True)
    def event_types():
        """The event types a webhook can subscribe to."""
        return {"events": project_event_types(kernel)}

    @app.get("/projects/<pid:int>", name="webhooks_list", auth="webhooks:manage")
    def list_hooks(pid):
        rows = kernel.db.fetchall(f"SELECT {HOOK_COLUMNS} FROM webhooks WHERE project_id = ?"
                                  " AND deleted_at IS NULL ORDER BY id", (pid,))
        return {"webhooks": [hook_out(r) for r in rows]}

    @app.post("/projects/<pid:int>", name="webhooks_create", auth="webhooks:manage")
    def create_hook(pid):
        """``{url, events, secret?, active?}``; without ``secret`` one is made and shown once."""
        values = hook_fields(kernel, json_body(), creating=True)
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
        response.status = 201
        out = hook_out(hook_or_404(db, hook_id))
        if generated:
            out["secret"] = values["secret"]  # the only time it is shown
        return out

    @app.patch("/<hid:int>", name="webhooks_update", auth="webhooks:manage")
    def update_hook(hid):
        values = hook_fields(kernel, json_body(), creating=False)
        db = kernel.db
        with db.transaction():
            hook_in_scope(kernel, hid)
            if values:
                db.update("webhooks", hid, values)
        return hook_out(hook_or_404(db, hid))

    @app.delete("/<hid:int>", name="webhooks_delete", auth="webhooks:manage")
    def delete_hook(hid):
        """Delete a webhook with its delivery log (pending deliveries are dropped)."""
        db = kernel.db
        with db.transaction():
            hook_in_scope(kernel, hid)
            db.delete("webhooks", hid)
        return {"id": hid, "deleted": True}

    @app.get("/<hid:int>/deliveries", name="webhooks_deliveries", auth="webhooks:manage")
    def deliveries(hid):
        """The delivery log, newest first; ``?status=`` filters, paginated."""
        db = kernel.db
        hook_in_scope(kernel, hid)
        page, limit, offset = pagination()
        status = query_choice("status", STATUSES)
        where, params = "webhook_id = ?", [hid]
        if status:
            where, params = where + " AND status = ?", [*params, status]
        rows = db.fetchall(
            "SELECT id, event_type, status, attempts, response_status, error, next_attempt_at,"
            f" created_at, updated_at, delivered_at, payload FROM webhook_deliveries"
            f" WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?", (*params, limit, offset))
        for row in rows:
            row["payload"] = json.loads(row["payload"])
        return {"deliveries": rows, "total": db.count("webhook_deliveries", where, params),
                "page": page, "limit": limit}

    @app.post("/<hid:int>/deliveries/<did:int>/retry", name="webhooks_retry",
              auth="webhooks:manage")
    def retry(hid, did):
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

    return app
