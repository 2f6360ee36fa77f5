-- hookctl store schema, version 1: the whole data model of DESIGN.md.
-- Times are INTEGER microseconds since the Unix epoch (NULL = unset), maps
-- and slices are JSON text.

CREATE TABLE subscriptions (
    id                         TEXT PRIMARY KEY,
    callback_url               TEXT NOT NULL,
    events                     TEXT NOT NULL DEFAULT '[]',
    description                TEXT NOT NULL DEFAULT '',
    status                     TEXT NOT NULL DEFAULT 'enabled',
    secret                     TEXT NOT NULL DEFAULT '',
    previous_secret            TEXT NOT NULL DEFAULT '',
    previous_secret_expires_at INTEGER,
    provider                   TEXT NOT NULL DEFAULT '',
    scheme                     TEXT NOT NULL DEFAULT '',
    method                     TEXT NOT NULL DEFAULT '',
    headers                    TEXT,
    metadata                   TEXT,
    created_at                 INTEGER NOT NULL,
    updated_at                 INTEGER NOT NULL
);
CREATE INDEX subscriptions_created ON subscriptions (created_at);

CREATE TABLE events (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    type         TEXT NOT NULL,
    provider     TEXT NOT NULL DEFAULT '',
    payload      BLOB NOT NULL,
    content_type TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL DEFAULT 'triggered',
    headers      TEXT,
    created_at   INTEGER NOT NULL
);
CREATE INDEX events_created ON events (created_at);
CREATE INDEX events_type ON events (type);

CREATE TABLE deliveries (
    seq              INTEGER PRIMARY KEY,
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
    updated_at       INTEGER NOT NULL
);
-- Claims: pending deliveries by due time, then seq (the rowid, implicit in
-- every index), for all runs or one. Partial: a delivery leaves them when
-- its final attempt is recorded instead of being moved within them, and
-- they stay as small as the queue.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_run ON deliveries (run_id, next_attempt_at) WHERE status = 'pending';
-- A run's deliveries (summaries, counts); run_id never changes on attempts.
CREATE INDEX deliveries_run_all ON deliveries (run_id);
-- Lists by status, newest or oldest first (rowid order within a status).
CREATE INDEX deliveries_status ON deliveries (status);
CREATE INDEX deliveries_event ON deliveries (event_id);
CREATE INDEX deliveries_subscription ON deliveries (subscription_id, seq);
CREATE INDEX deliveries_created ON deliveries (created_at);

-- Attempts are keyed by their delivery's integer seq (not its random UUID):
-- new attempts append to the end of the key b-tree instead of dirtying a
-- random page each. The store maps the UUID at the SQL level.
CREATE TABLE attempts (
    delivery_seq     INTEGER NOT NULL REFERENCES deliveries (seq),
    number           INTEGER NOT NULL,
    started_at       INTEGER NOT NULL,
    duration_ns      INTEGER NOT NULL DEFAULT 0,
    request_url      TEXT NOT NULL DEFAULT '',
    request_method   TEXT NOT NULL DEFAULT '',
    request_headers  TEXT,
    response_status  INTEGER NOT NULL DEFAULT 0,
    response_headers TEXT,
    response_body    BLOB,
    error            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (delivery_seq, number)
);
