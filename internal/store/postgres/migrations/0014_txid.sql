-- Schema version 13: each delivery (and event) keeps the transaction that wrote it
-- (txid_current(), set by the default, so every writer of any hookctl
-- version sets it). A delivery's seq is taken inside that transaction, so
-- deliveries commit out of seq order; the inspector's live log finds those
-- that committed after its last read below its cursor by transaction
-- (the transactions still running at that read, or begun after it: one
-- indexed read per tick, whatever the number of seqs below the cursor)
-- rather than by re-reading a window of missing seqs. Rows written before
-- this version have none (NULL, not indexed): they committed long ago.
-- Adding a column without a default and then setting the default
-- rewrites no row.
ALTER TABLE deliveries ADD COLUMN IF NOT EXISTS txid bigint;
ALTER TABLE deliveries ALTER COLUMN txid SET DEFAULT txid_current();
CREATE INDEX IF NOT EXISTS deliveries_txid ON deliveries (txid) WHERE txid IS NOT NULL;
-- The same for events (the live log's events without deliveries).
ALTER TABLE events ADD COLUMN IF NOT EXISTS txid bigint;
ALTER TABLE events ALTER COLUMN txid SET DEFAULT txid_current();
CREATE INDEX IF NOT EXISTS events_txid ON events (txid) WHERE txid IS NOT NULL;
