-- Schema version 2: where a delivery comes from, and listen's verdict
-- (same meaning as SQLite's schema 3).
ALTER TABLE deliveries ADD COLUMN origin_id text NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN kind text NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN verdict text NOT NULL DEFAULT '';
CREATE INDEX deliveries_origin ON deliveries (origin_id) WHERE origin_id <> '';
