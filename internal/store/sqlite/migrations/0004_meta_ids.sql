-- Schema version 4: the provider ids `hookctl serve` keeps in a
-- subscription's metadata (a Stripe endpoint's we_…, a Svix endpoint's
-- ep_…, uid and application) are indexed, so a lookup by provider id reads
-- one row and a list page reads only its own rows instead of decoding
-- every subscription. The expressions are exactly those ListSubscriptions
-- writes for a metadata filter (metaExpr). Subscriptions without a key
-- index NULL; Stripe's list (newest first) walks a partial index of the
-- Stripe endpoints in creation order.
CREATE INDEX subscriptions_meta_stripe_id ON subscriptions (json_extract(metadata, '$."stripe_id"'), created_at, id);
CREATE INDEX subscriptions_meta_stripe_created ON subscriptions (created_at, id)
    WHERE json_extract(metadata, '$."stripe_id"') > '';
CREATE INDEX subscriptions_meta_svix_id ON subscriptions (json_extract(metadata, '$."svix_id"'), json_extract(metadata, '$."app_id"'), created_at, id);
CREATE INDEX subscriptions_meta_uid ON subscriptions (json_extract(metadata, '$."uid"'), json_extract(metadata, '$."app_id"'), created_at, id);
CREATE INDEX subscriptions_meta_app_id ON subscriptions (json_extract(metadata, '$."app_id"'), created_at, id);
