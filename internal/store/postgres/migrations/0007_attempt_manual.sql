-- Schema version 7: whether an attempt was asked for (a replay, a resend
-- from serve's APIs or the inspector: true) or made by its delivery's
-- schedule (the first send, an automatic retry: false). Svix's
-- triggerType. A constant default: no table rewrite.
ALTER TABLE attempts ADD COLUMN manual boolean NOT NULL DEFAULT false;
