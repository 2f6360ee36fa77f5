-- Schema version 8: fewer index entries written per delivery, as the
-- SQLite store's schema 2. Pending deliveries are in the claim indexes
-- already and succeeded ones are most of the table (a newest-first scan
-- by seq finds them at once); failed ones get a partial index of their
-- own. The full (status, seq) index took an entry for every new delivery
-- and another for every finished one (a finished delivery's update
-- changes its status, so it is never a HOT update).
CREATE INDEX deliveries_failed ON deliveries (seq) WHERE status = 'failed';
DROP INDEX deliveries_status;
