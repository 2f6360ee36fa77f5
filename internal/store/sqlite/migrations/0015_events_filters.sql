-- Schema version 15: the events page's and events log's filters by
-- source, provider and verdict read only the events they keep. Without an
-- index a filter that matched few events or none (verdict=rejected,
-- source=received, provider=mono on a store of triggered bond events)
-- read every event newest first to fill its page: 0.46-0.96 s for
-- 200,000 events under load, seconds at 1,000,000. Each index ends in
-- (created_at, seq), the list order, so a page is the newest entries of
-- its range from the cursor and stops at its limit.
--
-- Source and provider: one entry per event each, appended at the end of
-- its value's range (created_at grows). Verdict: partial indexes, so that
-- only events listen verified get an entry (a triggered event, verdict
-- '', pays only the test of the conditions): valid ones, and rejected
-- ones (invalid or refused: the filters invalid and refused read the
-- rejected index and test the verdict of its rows). The conditions are
-- the very terms store.EventSQL writes for those filters, as SQLite uses
-- a partial index only for a query whose WHERE has its condition's
-- terms. "not verified" (most events) needs none: the newest events
-- fill its page at once.
CREATE INDEX IF NOT EXISTS events_source_created ON events (source, created_at, seq);
CREATE INDEX IF NOT EXISTS events_provider_created ON events (provider, created_at, seq);
CREATE INDEX IF NOT EXISTS events_verdict_valid ON events (created_at, seq) WHERE verdict = 'valid';
CREATE INDEX IF NOT EXISTS events_verdict_rejected ON events (created_at, seq) WHERE substr(verdict, 1, 7) IN ('invalid', 'refused');
-- Deliveries stored long after their creation time: the inspector's time
-- range over more than store.InspectRangeExact deliveries is a seq range
-- found by two lookups in deliveries_created, 2 s of slack either side
-- (writers stamp created_at just before they insert). A delivery written
-- later than that after deliveries created after it (store import of an
-- older store's history) has a seq above that range and was left out; and
-- one created just before the range, stored last, became its lowest seq,
-- hiding every delivery of the range below it. Such a delivery is "late":
-- created more than 2 s before the newest delivery stored before it. The
-- store lists it here as it inserts it (lateMarks: only a delivery
-- created more than 2 s before the writer's clock is compared; an insert
-- trigger cost every single-event commit ~13 us of CPU, +12 %); the
-- range's lookups skip the late ones, and its seq range is widened to the
-- late ones created in it.
-- Entries of deleted deliveries stay (a seq is never given again): at
-- worst they widen a range. The deliveries already stored late are
-- listed once here (a pass over the table in seq order).
CREATE TABLE IF NOT EXISTS deliveries_late (
    seq        INTEGER PRIMARY KEY,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_late_created ON deliveries_late (created_at);
INSERT OR IGNORE INTO deliveries_late (seq, created_at)
SELECT seq, created_at FROM (
    SELECT seq, created_at, max(created_at) OVER (ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS newest_before
    FROM deliveries)
WHERE created_at < newest_before - 2000000;
