-- The notification outbox (namespace "notify"): the seed's notifications
-- table plus what an outbox needs.  A row is written 'pending' before any
-- network I/O and then marked 'sent', 'simulated' or 'failed' (with the
-- error); failed rows are retried by `taskflow notify retry` or
-- POST /api/notifications/retry.  Deleting a user keeps their history
-- (user_id becomes NULL, the recipient address stays).

CREATE TABLE notifications (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER REFERENCES users (id) ON DELETE SET NULL,
    type            TEXT NOT NULL DEFAULT 'email',
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT,
    html            INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'simulated', 'failed')),
    error           TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      REAL NOT NULL,
    updated_at      REAL,
    last_attempt_at REAL,
    sent_at         REAL
);
CREATE INDEX idx_notifications_user ON notifications (user_id, id);
CREATE INDEX idx_notifications_status ON notifications (status, id);
CREATE INDEX idx_notifications_user_status ON notifications (user_id, status, id);
CREATE INDEX idx_notifications_created ON notifications (created_at);
