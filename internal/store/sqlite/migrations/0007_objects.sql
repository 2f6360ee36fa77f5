-- Schema version 7: objects, what a provider API of `hookctl serve` keeps
-- besides subscriptions and events: Svix applications (their name, uid,
-- metadata; a tombstone once deleted, so that their messages never bring
-- them back) and declared Svix event types. They lived in the server's
-- memory: a restart lost them, and two servers sharing a store each had
-- their own. data is the provider's JSON, kept as given; key is a second
-- unique name within the kind ('' none: an application's uid).
CREATE TABLE objects (
    kind       TEXT NOT NULL,
    id         TEXT NOT NULL,
    key        TEXT NOT NULL DEFAULT '',
    data       TEXT NOT NULL DEFAULT '{}',
    deleted    INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE UNIQUE INDEX objects_key ON objects (kind, key) WHERE key <> '';
CREATE INDEX objects_created ON objects (kind, created_at, id);
