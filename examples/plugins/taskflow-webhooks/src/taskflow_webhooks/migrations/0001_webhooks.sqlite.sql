-- Webhooks per project and their outbox (one row per delivery, which is also
-- the delivery log).  A webhook of a deleted project is tombstoned
-- (deleted_at) until its last deliveries are done, then purged.
CREATE TABLE webhooks (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    events     TEXT NOT NULL,           -- JSON list of event types
    active     INTEGER NOT NULL DEFAULT 1,
    deleted_at REAL,
    created_at REAL NOT NULL,
    updated_at REAL
);
CREATE INDEX idx_webhooks_project ON webhooks (project_id, active);

CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id      INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_type      TEXT NOT NULL,
    payload         TEXT NOT NULL,      -- the exact body sent (JSON)
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    response_status INTEGER,
    error           TEXT,
    created_at      REAL NOT NULL,
    updated_at      REAL,
    delivered_at    REAL
);
CREATE INDEX idx_webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX idx_webhook_deliveries_log ON webhook_deliveries (webhook_id, id);
