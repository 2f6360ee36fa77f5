-- Schema version 15: each requeue log entry keeps the transaction that
-- wrote it (txid_current(), set by the default, as schema 14 did for
-- deliveries and events). An entry's id is taken inside the requeue's
-- transaction, so entries commit out of id order; deliveries tail finds
-- those that committed below its cursor after its last read by
-- transaction (store.RequeueCommitLog: the transactions running at that
-- read, or begun after it; one indexed read per tick), however late,
-- rather than by re-reading the ids missing below its cursor for a
-- while (10 s, at most 1,000 of them). Entries written before this
-- version have none (NULL, not indexed): they committed long ago.
-- Adding a column without a default and then setting the default
-- rewrites no row.
ALTER TABLE requeues ADD COLUMN IF NOT EXISTS txid bigint;
ALTER TABLE requeues ALTER COLUMN txid SET DEFAULT txid_current();
CREATE INDEX IF NOT EXISTS requeues_txid ON requeues (txid) WHERE txid IS NOT NULL;
