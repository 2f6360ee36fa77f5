-- Schema version 18: the events page's and events log's filters by
-- source, provider and verdict read only the events they keep (SQLite's
-- schema 15, the same indexes). Without them a filter that matched few
-- events or none (verdict=rejected, source=received, provider=mono on a
-- store of triggered bond events) read every event newest first to fill
-- its page. Each index ends in (created_at, seq), the list order, so a
-- page is the newest entries of its range from the cursor. Source and
-- provider: one entry per event each. Verdict: partial indexes, holding
-- only the events listen verified (valid ones; rejected ones, invalid or
-- refused, which the invalid and refused filters narrow); their
-- conditions are the very terms store.EventSQL writes for those filters,
-- which is what lets the planner prove a query may use them.
--
-- Plain CREATE INDEX, in the migration's transaction: it holds off
-- writers of events (a trigger, listen's commits; not the worker, which
-- writes deliveries and attempts) while it reads the table: the four
-- indexes of 200,000 events took 0.84 s on a busy 2-core machine, the
-- whole migration, with the pass over 400,000 deliveries below, 1.6-2.9 s
-- (bench/README.md, "Session of 2026-12-07 evening"). They are built
-- last, so that events' writers wait for the build alone.
-- CREATE INDEX CONCURRENTLY cannot run in a transaction, and the
-- migrations run each in one, recorded in hookctl_schema_migrations by
-- the same commit: a migration killed half-way is rolled back whole
-- rather than leaving an INVALID index that IF NOT EXISTS would then
-- keep.
-- Deliveries stored long after their creation time (SQLite's schema 15,
-- the same table): the inspector's time range over more than
-- store.InspectRangeExact deliveries is a seq range found by two lookups
-- in deliveries_created, 2 s of slack either side. A delivery written
-- later than that after deliveries created after it (store import of an
-- older store's history) has a seq above that range and was left out;
-- one created just before the range, stored last, became its lowest seq,
-- hiding every delivery of the range below it. Such a delivery is
-- "late": created more than 2 s before the newest delivery stored
-- before it. The insert trigger lists it here; a delivery created within
-- 2 s of the server's clock is taken as not late without a lookup (the
-- lookup of the newest created_at cost 10-14 us per delivery, 2-3 times
-- the trigger's old cost; a writer whose clock runs more than 2 s ahead
-- of the server's breaks this as it broke the slack before). The range's
-- lookups skip the late ones, and its seq range is widened to the late
-- ones created in it. Entries of deleted deliveries stay: at worst they
-- widen a range. The deliveries already stored late are listed once here
-- (a pass over the table in seq order).
CREATE TABLE IF NOT EXISTS deliveries_late (
    seq        bigint PRIMARY KEY,
    created_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_late_created ON deliveries_late (created_at);
INSERT INTO deliveries_late (seq, created_at)
SELECT seq, created_at FROM (
    SELECT seq, created_at, max(created_at) OVER (ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS newest_before
    FROM deliveries) d
WHERE created_at < newest_before - interval '2 seconds'
ON CONFLICT DO NOTHING;
-- The trigger of schema 17 filled a delivery's event_type from events
-- named unqualified, so the inserting session's search_path chose the
-- table: an INSERT INTO hookctl.deliveries from a session whose path
-- does not start with hookctl's schema (psql, a restore with
-- search_path = '', another tool) read another schema's events, or
-- failed ("relation events does not exist"). The body now names the
-- store's schema (the one this migration runs in), and lists a late
-- delivery (above). A qualified name rather than SET search_path on the
-- function: a function with its own settings saves and restores them on
-- every call, once per delivery inserted.
DO $migration$
BEGIN
    EXECUTE format($fn$
CREATE OR REPLACE FUNCTION %1$I.hookctl_delivery_event_type() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF NEW.event_type IS NULL THEN
        SELECT type INTO NEW.event_type FROM %1$I.events WHERE id = NEW.event_id;
    END IF;
    -- A delivery stamped within 2 s of the server's clock is not late
    -- (the writers' clocks agree with it: no delivery stored before it
    -- was created later than now); only an older one pays the lookup.
    IF NEW.created_at < clock_timestamp() - interval '2 seconds' THEN
        IF NEW.created_at < (SELECT max(created_at) FROM %1$I.deliveries) - interval '2 seconds' THEN
            INSERT INTO %1$I.deliveries_late (seq, created_at) VALUES (NEW.seq, NEW.created_at) ON CONFLICT DO NOTHING;
        END IF;
    END IF;
    RETURN NEW;
END
$body$
$fn$, current_schema());
END
$migration$;
-- The events filters' indexes (above), last: the lock their build holds
-- on events lasts until the migration commits.
CREATE INDEX IF NOT EXISTS events_source_created ON events (source, created_at, seq);
CREATE INDEX IF NOT EXISTS events_provider_created ON events (provider, created_at, seq);
CREATE INDEX IF NOT EXISTS events_verdict_valid ON events (created_at, seq) WHERE verdict = 'valid';
CREATE INDEX IF NOT EXISTS events_verdict_rejected ON events (created_at, seq) WHERE substr(verdict, 1, 7) IN ('invalid', 'refused');
