-- Schema version 10: objects, as the SQLite store's schema 7: what a
-- provider API of `hookctl serve` keeps besides subscriptions and events
-- (Svix applications, with a tombstone once deleted, and declared Svix
-- event types), which lived in each server's memory. data is the
-- provider's JSON kept as given (text: jsonb would refuse a \u0000 in a
-- value); key is a second unique name within the kind ('' none). Byte
-- order (COLLATE "C") as every other id.
CREATE TABLE objects (
    kind       text COLLATE "C" NOT NULL,
    id         text COLLATE "C" NOT NULL,
    key        text COLLATE "C" NOT NULL DEFAULT '',
    data       text NOT NULL DEFAULT '{}',
    deleted    boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE UNIQUE INDEX objects_key ON objects (kind, key) WHERE key <> '';
CREATE INDEX objects_created ON objects (kind, created_at, id);
