-- The outbox becomes a queue that several processes share (namespace "notify").
-- Portable to SQLite and PostgreSQL: added columns and a partial index only
-- (DOUBLE PRECISION is a REAL column on SQLite, an 8-byte float on PostgreSQL).
--
-- A row is *due* when next_attempt_at <= now.  Claiming a row sets
-- claimed_by, lease_until and next_attempt_at = lease_until, so a row whose
-- worker died becomes due again when its lease ends.  Terminal rows (sent,
-- simulated, and failed rows that will not be retried automatically) have
-- next_attempt_at NULL, which keeps them out of the index.
--
-- The seed's `type` column ('email') names the channel that delivers the row.
-- message_id is the stable Message-ID of the row (also the idempotency key of
-- other channels). Rows written before this migration get one at their next send.

ALTER TABLE notifications ADD COLUMN message_id TEXT;
ALTER TABLE notifications ADD COLUMN claimed_by TEXT;
ALTER TABLE notifications ADD COLUMN lease_until DOUBLE PRECISION;
ALTER TABLE notifications ADD COLUMN next_attempt_at DOUBLE PRECISION;

-- Rows left pending by an older version are due now, failed ones wait for a
-- manual retry, as they did before.
UPDATE notifications SET next_attempt_at = created_at WHERE status = 'pending';

CREATE INDEX idx_notifications_due ON notifications (next_attempt_at)
    WHERE next_attempt_at IS NOT NULL;
