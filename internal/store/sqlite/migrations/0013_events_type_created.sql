-- Schema version 13: events of one type in log order without reading
-- them all. A list filtered by type (events log --event card.created, the
-- inspector's and serve's type filters) found the type's events through
-- events_type (type alone) and sorted every one of them by created_at:
-- 3 s for 100,000 events of the type in a store of 500,000. With
-- created_at and seq in the index the newest ones are its last entries;
-- a prefix pattern (card.*) reads only the index (ListEvents picks the
-- page's seqs first).
CREATE INDEX events_type_created ON events (type, created_at, seq);
DROP INDEX events_type;
