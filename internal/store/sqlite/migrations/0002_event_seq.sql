-- Schema version 2: fewer index pages written per delivery.
--
-- Deliveries find their event by its integer seq. Event ids are the
-- providers' random strings: an index on deliveries.event_id took a random
-- page for every new delivery (one more page rewritten per delivery at
-- commit); an index on the event's seq grows at its end, like the others.
-- event_id stays (it is the public key).
ALTER TABLE deliveries ADD COLUMN event_seq INTEGER REFERENCES events (seq);
UPDATE deliveries SET event_seq = (SELECT seq FROM events WHERE events.id = deliveries.event_id);
CREATE INDEX deliveries_event_seq ON deliveries (event_seq);
DROP INDEX deliveries_event;

-- Lists by status: pending deliveries are in the claim index already,
-- succeeded ones are most of the table (a newest-first scan finds them at
-- once), failed ones get a partial index of their own. A full status index
-- cost an insert per new delivery and a move per finished one.
CREATE INDEX deliveries_failed ON deliveries (status) WHERE status = 'failed';
DROP INDEX deliveries_status;
