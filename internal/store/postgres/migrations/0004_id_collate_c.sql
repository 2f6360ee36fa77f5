-- Schema version 4: IDs compared byte-wise (COLLATE "C"), so the primary
-- keys also serve prefix lookups (id LIKE 'abc%': an index range under the
-- C collation whatever the database's), and the two text_pattern_ops
-- indexes that only did that go. Every delivery written (an insert, and the
-- update recording an attempt, which changes the indexed status and so is
-- never HOT) had one more index entry to add; every event one more. IDs are
-- ASCII: only the order in which ambiguous prefixes are listed may change.
-- Same type, so no table is rewritten; the indexes on these columns are
-- rebuilt.
ALTER TABLE events ALTER COLUMN id TYPE text COLLATE "C";
ALTER TABLE deliveries ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN event_id TYPE text COLLATE "C";
ALTER TABLE attempts ALTER COLUMN delivery_id TYPE text COLLATE "C";
DROP INDEX deliveries_id_prefix;
DROP INDEX events_id_prefix;
