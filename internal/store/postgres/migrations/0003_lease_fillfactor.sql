-- Schema version 3: room on each page of deliveries for lease updates. A
-- claim, a heartbeat and a requeue rewrite a delivery's lease columns,
-- which no index covers: with free space on the page PostgreSQL updates
-- the row in place (a HOT update) instead of adding an entry to each of
-- the table's ten indexes. Pages written from now on keep 40 % free.
ALTER TABLE deliveries SET (fillfactor = 60);
