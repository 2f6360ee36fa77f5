-- Schema version 2: deliveries find their event by its integer seq.
-- Event ids are the providers' random strings: an index on
-- deliveries.event_id took a random page for every new delivery (one more
-- page rewritten per delivery at commit); an index on the event's seq
-- grows at its end, like the others. event_id stays (it is the public key).
ALTER TABLE deliveries ADD COLUMN event_seq INTEGER REFERENCES events (seq);
UPDATE deliveries SET event_seq = (SELECT seq FROM events WHERE events.id = deliveries.event_id);
CREATE INDEX deliveries_event_seq ON deliveries (event_seq);
DROP INDEX deliveries_event;
