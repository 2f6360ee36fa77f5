package replay

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/ui"
)

// pruneAfterRead is a store on which a `store prune` (another process)
// runs right after the first page of deliveries is read.
type pruneAfterRead struct {
	store.Store
	once   sync.Once
	before time.Time
	err    error
}

func (p *pruneAfterRead) ListDeliveries(ctx context.Context, f store.DeliveryFilter) ([]*store.Delivery, error) {
	ds, err := p.Store.ListDeliveries(ctx, f)
	p.once.Do(func() {
		_, p.err = p.Store.(store.Pruner).Prune(ctx, p.before, 0, false)
	})
	return ds, err
}

// TestBulkReplaySkipsDeliveriesPrunedSinceRead: failed deliveries that
// replay --failed read (500 a page) and a prune deleted before their
// requeue (256 a batch) are skipped and counted; the others are
// replayed. Before, the batch's requeue failed with `delivery "…" not
// found` and the whole replay stopped (exit 1) with what was left unsent.
func TestBulkReplaySkipsDeliveriesPrunedSinceRead(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	seed, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	// 300 events with two failed deliveries each: the first 128 recent,
	// the others an hour old (the prune deletes those).
	now := time.Now()
	evs := make([]*store.Event, 300)
	dss := make([][]*store.Delivery, 300)
	for i := range evs {
		at := now.Add(-time.Minute)
		if i >= 128 {
			at = now.Add(-time.Hour)
		}
		evs[i] = &store.Event{ID: fmt.Sprintf("evt_%03d", i), Type: "card.created", Payload: []byte(`{}`), CreatedAt: at}
		dss[i] = []*store.Delivery{
			{URL: "http://127.0.0.1:1/a", MaxAttempts: 1, Status: store.DeliveryFailed, CreatedAt: at},
			{URL: "http://127.0.0.1:1/b", MaxAttempts: 1, Status: store.DeliveryFailed, CreatedAt: at},
		}
	}
	if err := seed.(store.BatchCreator).CreateEvents(ctx, evs, dss); err != nil {
		t.Fatal(err)
	}
	seed.Close()

	ps := &pruneAfterRead{before: now.Add(-30 * time.Minute)}
	ios, _, _, errOut := ui.Test()
	f := &cli.Factory{IOStreams: ios, Now: time.Now, OpenStore: func(ctx context.Context, dsn string) (store.Store, error) {
		s, err := sqlite.Open(ctx, path)
		ps.Store = s
		return ps, err
	}}
	defer f.Close()
	c := newCmd(f, nil)
	c.SetArgs([]string{"--failed", "--yes", "--no-retry", "--timeout", "2s"})
	c.SetOut(ios.ErrOut)
	c.SetErr(ios.ErrOut)
	err = c.Execute()
	if ps.err != nil {
		t.Fatal(ps.err)
	}
	// The first page: deliveries 1-500; the first batch (1-256) requeued,
	// the second (257-500) deleted since read; 501-600 never read.
	if err == nil || !strings.Contains(err.Error(), "256 of 256 replayed deliveries still failed") {
		t.Fatalf("replay: %v; want the 256 deliveries left replayed (and failed again)\n%s", err, errOut)
	}
	if !strings.Contains(errOut.String(), "244 deliveries deleted since the replay read them") {
		t.Errorf("replay does not say it skipped the 244 deleted deliveries:\n%s", errOut)
	}
}
