-- Schema version 12: an event's seq is never given again, as a
-- delivery's is since schema 11. seq was the rowid, the highest left
-- plus one: once store prune (or serve's reset) deleted the newest
-- events, the next ones took their seqs again, below the event cursor of
-- the inspector's live log, which did not show them. The table is
-- rebuilt with AUTOINCREMENT as 0011 rebuilt deliveries: the rows copied
-- in seq order (their seqs, which deliveries refer to, kept), then the
-- indexes built. The store runs a migration that says it rebuilds a
-- table (on this line: hookctl:rebuilds events) with foreign keys off,
-- and says on stderr when the table is large.
CREATE TABLE events_v12 (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    type         TEXT NOT NULL,
    provider     TEXT NOT NULL DEFAULT '',
    payload      BLOB NOT NULL,
    content_type TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL DEFAULT 'triggered',
    headers      TEXT,
    created_at   INTEGER NOT NULL,
    verdict      TEXT NOT NULL DEFAULT ''
);
INSERT INTO events_v12 (seq, id, type, provider, payload, content_type, source, headers, created_at, verdict)
SELECT seq, id, type, provider, payload, content_type, source, headers, created_at, verdict
FROM events ORDER BY seq;
DROP TABLE events;
ALTER TABLE events_v12 RENAME TO events;
CREATE INDEX events_created ON events (created_at);
CREATE INDEX events_type ON events (type);
CREATE INDEX events_svix_app ON events (json_extract(headers, '$."X-Hookctl-Svix-App"[0]'), created_at, seq)
    WHERE source = 'triggered' AND json_extract(headers, '$."X-Hookctl-Svix-App"[0]') IS NOT NULL;
CREATE INDEX events_svix_app_uid ON events (json_extract(headers, '$."X-Hookctl-Svix-App-Uid"[0]'), created_at, seq)
    WHERE source = 'triggered' AND json_extract(headers, '$."X-Hookctl-Svix-App-Uid"[0]') IS NOT NULL;
CREATE INDEX events_svix_event_id ON events (json_extract(headers, '$."X-Hookctl-Svix-Event-Id"[0]'), created_at, seq)
    WHERE source = 'triggered' AND json_extract(headers, '$."X-Hookctl-Svix-Event-Id"[0]') IS NOT NULL;
