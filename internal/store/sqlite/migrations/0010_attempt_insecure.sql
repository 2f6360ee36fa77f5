-- Schema version 10: whether an attempt was sent accepting any TLS
-- certificate (trigger, worker, replay or serve --insecure: 1), so that
-- deliveries show --curl adds -k to its command. Attempts recorded
-- before are 0: hookctl did not keep it.
ALTER TABLE attempts ADD COLUMN insecure INTEGER NOT NULL DEFAULT 0;
