package servetest

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// Rows is a store that counts the events, deliveries and attempts its
// lists hand back: how many rows a request read.
type Rows struct {
	store.Store
	rows atomic.Int64
}

// ListEvents implements store.Store, counting.
func (c *Rows) ListEvents(ctx context.Context, f store.EventFilter) ([]*store.EventSummary, error) {
	l, err := c.Store.ListEvents(ctx, f)
	c.rows.Add(int64(len(l)))
	return l, err
}

// ListAttemptRows implements store.Store, counting.
func (c *Rows) ListAttemptRows(ctx context.Context, f store.AttemptFilter) ([]*store.AttemptRow, error) {
	l, err := c.Store.ListAttemptRows(ctx, f)
	c.rows.Add(int64(len(l)))
	return l, err
}

// ListDeliveries implements store.Store, counting.
func (c *Rows) ListDeliveries(ctx context.Context, f store.DeliveryFilter) ([]*store.Delivery, error) {
	l, err := c.Store.ListDeliveries(ctx, f)
	c.rows.Add(int64(len(l)))
	return l, err
}

// ListAttempts implements store.Store, counting.
func (c *Rows) ListAttempts(ctx context.Context, id string) ([]*store.Attempt, error) {
	l, err := c.Store.ListAttempts(ctx, id)
	c.rows.Add(int64(len(l)))
	return l, err
}

// Take returns the count so far and starts again from zero.
func (c *Rows) Take() int64 { return c.rows.Swap(0) }

// StartCounting runs a server over a fresh SQLite store whose event and
// attempt reads are counted (opt as for Start).
func StartCounting(t testing.TB, opt func(*serve.Options)) (*Env, *Rows) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	rc := &Rows{Store: st}
	return StartWith(t, rc, opt), rc
}
