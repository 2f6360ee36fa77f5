-- Schema version 6: the ids `hookctl serve` keeps in the headers of a Svix
-- message's event (its application's id and uid, its eventId) are
-- indexed, so a message list page, an eventId de-duplication or an
-- application restored from its messages reads only that application's
-- rows instead of decoding every event in the store. The expressions are
-- exactly those ListEvents writes for a header filter (headerExpr); the
-- indexes are partial, so an event without the header (every event but
-- Svix messages) adds no entry, and an event hookctl received (listen's,
-- with all its sender's headers) is not even parsed: the source is tested
-- first, and queries for these keys name it as a literal. Each ends in
-- (created_at, seq), the list order.
CREATE INDEX events_svix_app ON events ((headers->'X-Hookctl-Svix-App'->>0), created_at, seq)
    WHERE source = 'triggered' AND (headers->'X-Hookctl-Svix-App'->>0) IS NOT NULL;
CREATE INDEX events_svix_app_uid ON events ((headers->'X-Hookctl-Svix-App-Uid'->>0), created_at, seq)
    WHERE source = 'triggered' AND (headers->'X-Hookctl-Svix-App-Uid'->>0) IS NOT NULL;
CREATE INDEX events_svix_event_id ON events ((headers->'X-Hookctl-Svix-Event-Id'->>0), created_at, seq)
    WHERE source = 'triggered' AND (headers->'X-Hookctl-Svix-Event-Id'->>0) IS NOT NULL;
