package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// testPruneHistoryObjects: a prune deletes the tombstones of
// store.HistoryKinds (the places deleted Svix endpoints keep in their
// lists) written before its time, counted in its dry run, and only
// those: a newer one, a Svix application's tombstone (it keeps the
// application's messages from bringing it back) and live objects stay.
// Before, they were never deleted.
func testPruneHistoryObjects(t *testing.T, s store.Store) {
	p, ok := s.(store.Pruner)
	if !ok {
		t.Skip("not a Pruner")
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	old, recent := now.Add(-3*time.Hour), now.Add(-time.Minute)
	for _, o := range []*store.Object{
		{Kind: store.KindSvixEndpointGone, ID: "ep_old", Data: []byte(`{"app":"app_1"}`), Deleted: true, CreatedAt: old.Add(-time.Hour), UpdatedAt: old},
		{Kind: store.KindSvixEndpointGone, ID: "ep_old2", Data: []byte(`{"app":"app_1"}`), Deleted: true, CreatedAt: old, UpdatedAt: old},
		{Kind: store.KindSvixEndpointGone, ID: "ep_recent", Data: []byte(`{"app":"app_1"}`), Deleted: true, CreatedAt: old, UpdatedAt: recent},
		{Kind: "svix.app", ID: "app_gone", Data: []byte(`{}`), Deleted: true, CreatedAt: old, UpdatedAt: old},
		{Kind: "svix.app", ID: "app_1", Key: "shop", Data: []byte(`{}`), CreatedAt: old, UpdatedAt: old},
	} {
		must(t, s.Import(ctx, store.Record{Object: o}))
	}
	cut := now.Add(-time.Hour)
	want := store.PruneCounts{Objects: 2}
	if c, err := p.Prune(ctx, cut, 0, true); err != nil || c != want {
		t.Fatalf("dry run: %+v %v, want %+v", c, err, want)
	}
	if _, err := s.GetObject(ctx, store.KindSvixEndpointGone, "ep_old"); err != nil {
		t.Fatalf("the dry run deleted: %v", err)
	}
	if c, err := p.Prune(ctx, cut, 1, false); err != nil || c != want {
		t.Fatalf("prune (limit 1 counts events only): %+v %v, want %+v", c, err, want)
	}
	for _, id := range []string{"ep_old", "ep_old2"} {
		if _, err := s.GetObject(ctx, store.KindSvixEndpointGone, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s still there: %v", id, err)
		}
	}
	if _, err := s.GetObject(ctx, store.KindSvixEndpointGone, "ep_recent"); err != nil {
		t.Errorf("the newer place went: %v", err)
	}
	for _, id := range []string{"app_gone", "app_1"} {
		if _, err := s.GetObject(ctx, "svix.app", id); err != nil {
			t.Errorf("application %s went: %v", id, err)
		}
	}
	if c, err := p.Prune(ctx, cut, 0, false); err != nil || c != (store.PruneCounts{}) {
		t.Fatalf("second prune: %+v %v, want nothing", c, err)
	}
}
