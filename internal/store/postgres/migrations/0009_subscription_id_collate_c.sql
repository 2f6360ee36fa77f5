-- Schema version 9: subscription IDs compared byte-wise (COLLATE "C"), as
-- events' and deliveries' IDs are since version 4. On a database whose
-- default collation is not C, subscriptions were listed, and ambiguous
-- prefixes named, in that collation's order (case and punctuation folded),
-- unlike the SQLite store's byte order; only imported IDs that are not
-- UUIDs could tell. The primary key now also serves prefix lookups
-- (id LIKE 'abc%'), so the text_pattern_ops index that only did that goes.
-- Same type: no table is rewritten; the indexes on these columns are
-- rebuilt.
ALTER TABLE subscriptions ALTER COLUMN id TYPE text COLLATE "C";
ALTER TABLE deliveries ALTER COLUMN subscription_id TYPE text COLLATE "C";
DROP INDEX subscriptions_id_prefix;
