-- Schema version 3: where a delivery comes from, and listen's verdict.
--
-- origin_id links a delivery to the one it derives from: the forward that
-- `listen` recorded for an event hookctl itself sent (one history, one
-- replay), or an edited resend from the inspector. kind says which
-- ('' ordinary, 'forward', 'edited', 'probe'). verdict is the signature
-- verdict `listen` gave a received event ('' when not verified).
ALTER TABLE deliveries ADD COLUMN origin_id TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN verdict TEXT NOT NULL DEFAULT '';
CREATE INDEX deliveries_origin ON deliveries (origin_id) WHERE origin_id <> '';
