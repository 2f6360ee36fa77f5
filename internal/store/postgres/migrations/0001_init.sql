-- hookctl store schema, version 1. Times are Unix nanoseconds (bigint, 0 =
-- unset) so both backends round-trip them exactly; maps and lists are jsonb
-- (NULL for a nil map or list).

CREATE TABLE subscriptions (
    id                          text PRIMARY KEY,
    callback_url                text NOT NULL,
    events                      jsonb,
    description                 text NOT NULL DEFAULT '',
    status                      text NOT NULL,
    secret                      text NOT NULL DEFAULT '',
    previous_secret             text NOT NULL DEFAULT '',
    previous_secret_expires_at  bigint NOT NULL DEFAULT 0,
    provider                    text NOT NULL DEFAULT '',
    scheme                      text NOT NULL DEFAULT '',
    method                      text NOT NULL DEFAULT '',
    headers                     jsonb,
    metadata                    jsonb,
    created_at                  bigint NOT NULL,
    updated_at                  bigint NOT NULL
);
CREATE INDEX subscriptions_id_prefix ON subscriptions (id text_pattern_ops);

CREATE TABLE events (
    id            text PRIMARY KEY,
    seq           bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    type          text NOT NULL,
    provider      text NOT NULL DEFAULT '',
    payload       bytea,
    content_type  text NOT NULL DEFAULT '',
    source        text NOT NULL,
    headers       jsonb,
    created_at    bigint NOT NULL
);
CREATE INDEX events_id_prefix ON events (id text_pattern_ops);
CREATE INDEX events_created ON events (created_at, seq);
CREATE INDEX events_type ON events (type text_pattern_ops);

CREATE TABLE deliveries (
    id                text PRIMARY KEY,
    seq               bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    event_id          text NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    subscription_id   text REFERENCES subscriptions (id) ON DELETE SET NULL,
    url               text NOT NULL,
    method            text NOT NULL DEFAULT '',
    scheme            text NOT NULL DEFAULT '',
    secret            text NOT NULL DEFAULT '',
    headers           jsonb,
    status            text NOT NULL,
    attempt_count     integer NOT NULL DEFAULT 0,
    max_attempts      integer NOT NULL DEFAULT 0,
    schedule          text NOT NULL DEFAULT '',
    next_attempt_at   bigint NOT NULL DEFAULT 0,
    last_error        text NOT NULL DEFAULT '',
    last_status       integer NOT NULL DEFAULT 0,
    run_id            text NOT NULL DEFAULT '',
    lease_owner       text NOT NULL DEFAULT '',
    lease_expires_at  bigint NOT NULL DEFAULT 0,
    created_at        bigint NOT NULL,
    updated_at        bigint NOT NULL
);
CREATE INDEX deliveries_id_prefix ON deliveries (id text_pattern_ops);
-- The outbox: what ClaimDue scans.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, seq) WHERE status = 'pending';
CREATE INDEX deliveries_event ON deliveries (event_id);
CREATE INDEX deliveries_subscription ON deliveries (subscription_id);
CREATE INDEX deliveries_run ON deliveries (run_id) WHERE run_id <> '';
CREATE INDEX deliveries_status_seq ON deliveries (status, seq);
CREATE INDEX deliveries_created ON deliveries (created_at);

CREATE TABLE attempts (
    delivery_id       text NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    number            integer NOT NULL,
    started_at        bigint NOT NULL,
    duration_ns       bigint NOT NULL DEFAULT 0,
    request_url       text NOT NULL DEFAULT '',
    request_method    text NOT NULL DEFAULT '',
    request_headers   jsonb,
    response_status   integer NOT NULL DEFAULT 0,
    response_headers  jsonb,
    response_body     bytea,
    error             text NOT NULL DEFAULT '',
    PRIMARY KEY (delivery_id, number)
);
