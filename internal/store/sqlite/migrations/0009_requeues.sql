-- Schema version 9: the requeue log (store.RequeueLog). Each requeue
-- (replay, serve's resends, a run's handover) appends the delivery and
-- its attempt count then; deliveries tail follows the log by id to show
-- the replay of a delivery it never printed. Only a requeue writes it, so
-- triggers, claims and attempts cost nothing more; the requeue that
-- appends also deletes the entries beyond the last 100000.
-- AUTOINCREMENT: an id is never taken again, also once pruned.
CREATE TABLE IF NOT EXISTS requeues (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id TEXT NOT NULL,
    attempts    INTEGER NOT NULL
);
