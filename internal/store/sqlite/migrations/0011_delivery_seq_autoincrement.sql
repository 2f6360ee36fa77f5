-- Schema version 11: a delivery's seq is never given again. seq was the
-- rowid (INTEGER PRIMARY KEY), which SQLite takes as the highest plus
-- one: once store prune (or serve's reset) deleted the newest deliveries,
-- the next ones took their seqs again, below the cursor of a follower
-- (deliveries tail, the inspector's live log) that had read them.
-- AUTOINCREMENT keeps the highest seq ever taken (sqlite_sequence), and
-- every insert takes one above it, whatever path writes the row. Adding
-- it takes a rebuild of the table: the rows are copied in seq order
-- (their seqs, which attempts refer to, kept), then the indexes built.
-- The store runs a migration that says it rebuilds a table (on this
-- line: hookctl:rebuilds deliveries) with foreign keys off, and says on
-- stderr when the table is large.
CREATE TABLE deliveries_v11 (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT NOT NULL UNIQUE,
    event_id         TEXT NOT NULL REFERENCES events (id),
    subscription_id  TEXT REFERENCES subscriptions (id) ON DELETE SET NULL,
    url              TEXT NOT NULL,
    method           TEXT NOT NULL DEFAULT '',
    scheme           TEXT NOT NULL DEFAULT '',
    secret           TEXT NOT NULL DEFAULT '',
    headers          TEXT,
    status           TEXT NOT NULL DEFAULT 'pending',
    attempt_count    INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL DEFAULT 0,
    schedule         TEXT NOT NULL DEFAULT '',
    next_attempt_at  INTEGER,
    last_error       TEXT NOT NULL DEFAULT '',
    last_status      INTEGER NOT NULL DEFAULT 0,
    run_id           TEXT NOT NULL DEFAULT '',
    lease_owner      TEXT NOT NULL DEFAULT '',
    lease_expires_at INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    event_seq        INTEGER REFERENCES events (seq),
    origin_id        TEXT NOT NULL DEFAULT '',
    kind             TEXT NOT NULL DEFAULT ''
);
INSERT INTO deliveries_v11 (seq, id, event_id, subscription_id, url, method, scheme, secret, headers,
    status, attempt_count, max_attempts, schedule, next_attempt_at, last_error, last_status, run_id,
    lease_owner, lease_expires_at, created_at, updated_at, event_seq, origin_id, kind)
SELECT seq, id, event_id, subscription_id, url, method, scheme, secret, headers,
    status, attempt_count, max_attempts, schedule, next_attempt_at, last_error, last_status, run_id,
    lease_owner, lease_expires_at, created_at, updated_at, event_seq, origin_id, kind
FROM deliveries ORDER BY seq;
DROP TABLE deliveries;
ALTER TABLE deliveries_v11 RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_run ON deliveries (run_id, next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_run_all ON deliveries (run_id);
CREATE INDEX deliveries_subscription ON deliveries (subscription_id, seq);
CREATE INDEX deliveries_created ON deliveries (created_at);
CREATE INDEX deliveries_event_seq ON deliveries (event_seq);
CREATE INDEX deliveries_failed ON deliveries (status) WHERE status = 'failed';
CREATE INDEX deliveries_origin ON deliveries (origin_id) WHERE origin_id <> '';
