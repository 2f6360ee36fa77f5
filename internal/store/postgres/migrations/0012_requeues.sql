-- Schema version 12: the requeue log (store.RequeueLog). Each requeue
-- (replay, serve's resends, a run's handover) appends the delivery and
-- its attempt count then; deliveries tail follows the log by id to show
-- the replay of a delivery it never printed. Only a requeue writes it, so
-- triggers, claims and attempts cost nothing more; a requeue also deletes
-- the entries beyond the last 100000. The id is taken inside the
-- requeue's transaction: entries commit out of id order, and a follower
-- re-reads the ids missing below its cursor (store.RequeueGapLog).
CREATE TABLE IF NOT EXISTS requeues (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id text NOT NULL,
    attempts    integer NOT NULL
);
