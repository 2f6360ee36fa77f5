-- Schema version 6: whether an attempt was asked for (a replay, a resend
-- from serve's APIs or the inspector: 1) or made by its delivery's
-- schedule (the first send, an automatic retry: 0). Svix's triggerType.
ALTER TABLE attempts ADD COLUMN manual INTEGER NOT NULL DEFAULT 0;
