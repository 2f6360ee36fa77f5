// Package eventreads wraps a store to count how it is asked for events:
// tests of listings check they read a page's events in one query, and
// only the columns they show.
package eventreads

import (
	"context"

	"github.com/hookctl/hookctl/internal/store"
)

// Store counts GetEvent (One), GetEvents (Many) and GetEventHeads (Heads)
// calls; the wrapped store must be a store.EventsGetter.
type Store struct {
	store.Store
	One, Many, Heads int
}

func (s *Store) GetEvent(ctx context.Context, id string) (*store.Event, error) {
	s.One++
	return s.Store.GetEvent(ctx, id)
}

func (s *Store) GetEvents(ctx context.Context, ids []string) ([]*store.Event, error) {
	s.Many++
	return s.Store.(store.EventsGetter).GetEvents(ctx, ids)
}

func (s *Store) GetEventHeads(ctx context.Context, ids []string) ([]*store.EventHead, error) {
	s.Heads++
	return s.Store.GetEventHeads(ctx, ids)
}
