-- Schema version 5: the provider ids `hookctl serve` keeps in a
-- subscription's metadata (a Stripe endpoint's we_…, a Svix endpoint's
-- ep_…, uid and application) are indexed, so a lookup by provider id reads
-- one row and a list page reads only its own rows instead of decoding
-- every subscription. The expressions are exactly those ListSubscriptions
-- writes for a metadata filter (metaExpr). The indexes are partial: a
-- subscription without the key (every one of Bond's, the CLI's) adds no
-- entry; a filter on the key (= or >) implies IS NOT NULL. Each ends in
-- (created_at, id), the list order, so a lookup (oldest first, LIMIT 1)
-- needs no sort. Stripe's list (newest first) walks the Stripe endpoints
-- in creation order.
CREATE INDEX subscriptions_meta_stripe_id ON subscriptions ((metadata->>'stripe_id'), created_at, id)
    WHERE (metadata->>'stripe_id') IS NOT NULL;
CREATE INDEX subscriptions_meta_stripe_created ON subscriptions (created_at, id)
    WHERE (metadata->>'stripe_id') > '';
CREATE INDEX subscriptions_meta_svix_id ON subscriptions ((metadata->>'svix_id'), (metadata->>'app_id'), created_at, id)
    WHERE (metadata->>'svix_id') IS NOT NULL;
CREATE INDEX subscriptions_meta_uid ON subscriptions ((metadata->>'uid'), (metadata->>'app_id'), created_at, id)
    WHERE (metadata->>'uid') IS NOT NULL;
CREATE INDEX subscriptions_meta_app_id ON subscriptions ((metadata->>'app_id'), created_at, id)
    WHERE (metadata->>'app_id') IS NOT NULL;
