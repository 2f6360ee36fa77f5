-- Schema version 13: whether an attempt was sent accepting any TLS
-- certificate (trigger, worker, replay or serve --insecure: true), so
-- that deliveries show --curl adds -k to its command. Attempts recorded
-- before are false: hookctl did not keep it. A constant default: no
-- table rewrite.
ALTER TABLE attempts ADD COLUMN IF NOT EXISTS insecure boolean NOT NULL DEFAULT false;
