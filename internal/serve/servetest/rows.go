package servetest

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// EventRows is a store that counts the events ListEvents hands back: how
// many rows a request read.
type EventRows struct {
	store.Store
	rows atomic.Int64
}

// ListEvents implements store.Store, counting.
func (c *EventRows) ListEvents(ctx context.Context, f store.EventFilter) ([]*store.EventSummary, error) {
	l, err := c.Store.ListEvents(ctx, f)
	c.rows.Add(int64(len(l)))
	return l, err
}

// Take returns the count so far and starts again from zero.
func (c *EventRows) Take() int64 { return c.rows.Swap(0) }

// StartCounting runs a server over a fresh SQLite store whose event reads
// are counted.
func StartCounting(t testing.TB) (*Env, *EventRows) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	rc := &EventRows{Store: st}
	return StartWith(t, rc, nil), rc
}
