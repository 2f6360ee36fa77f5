-- Schema version 14: a delivery keeps the id of its deleted subscription.
-- subscription_id is ON DELETE SET NULL, so once `subscriptions delete`
-- ran, `deliveries list --subscription ID`, tail, `replay --failed
-- --subscription ID` and the inspector's filter no longer found its
-- history. DeleteSubscription now copies the id here first, for that
-- subscription's rows only (found through deliveries_subscription).
-- Adding a nullable column rewrites no row; the index is partial, so it
-- holds only those rows, and building it reads the table once (schema 13
-- to 14 of 1,000,000 deliveries: 0.4-2.7 s on a busy 2-core machine,
-- against 25 s for the schema 11 rebuild). A filter by subscription
-- reads one side, subscription_id or this one, each in its index's order
-- (store.DeliveryFilter.SubscriptionID).
ALTER TABLE deliveries ADD COLUMN deleted_subscription_id TEXT;
CREATE INDEX deliveries_deleted_subscription ON deliveries (deleted_subscription_id, seq)
    WHERE deleted_subscription_id IS NOT NULL;
