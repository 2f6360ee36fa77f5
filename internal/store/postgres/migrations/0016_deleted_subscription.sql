-- Schema version 16: a delivery keeps the id of its deleted subscription.
-- subscription_id is ON DELETE SET NULL, so once `subscriptions delete`
-- ran, `deliveries list --subscription ID`, tail, `replay --failed
-- --subscription ID` and the inspector's filter no longer found its
-- history. DeleteSubscription now copies the id here first, for that
-- subscription's rows only. Adding a column without a default rewrites
-- no row; the index is partial, so it holds only those rows. COLLATE "C"
-- as subscription_id (schema 9): prefixes compare byte-wise.
ALTER TABLE deliveries ADD COLUMN IF NOT EXISTS deleted_subscription_id text COLLATE "C";
CREATE INDEX IF NOT EXISTS deliveries_deleted_subscription ON deliveries (deleted_subscription_id, seq)
    WHERE deleted_subscription_id IS NOT NULL;
