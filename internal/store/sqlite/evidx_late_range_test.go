package sqlite

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/storetest"
)

func TestEvidxInspectRangeLate(t *testing.T) {
	storetest.RunInspectRangeLate(t, func(t *testing.T) store.Store { return openTemp(t) }, nil)
}

// The deliveries a store of schema 14 holds stored late (imported before
// the upgrade) are listed by migration 15's pass over the table.
func TestEvidxInspectRangeLateUpgraded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v14.db")
	storetest.RunInspectRangeLate(t, func(t *testing.T) store.Store {
		s, err := OpenStore(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, func(t *testing.T, s store.Store) store.Store {
		return reopenAt(t, s.(*Store), path, 14)
	})
}

// Each writer lists the deliveries it stores late (created more than
// store.InspectRangeSlack before the newest stored before them), and only
// those: CreateEvent, CreateEvents, WriteRecords (listen) and Import.
func TestEvidxLateMarks(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	base := time.Now().Add(-time.Hour).UTC().Truncate(time.Microsecond)
	ev := func(id string, at time.Time) (*store.Event, []*store.Delivery) {
		return &store.Event{ID: id, Type: "card.created", Payload: []byte(`{}`), CreatedAt: at},
			[]*store.Delivery{{ID: "d-" + id, URL: "http://x", CreatedAt: at, UpdatedAt: at, Status: store.DeliverySucceeded}}
	}
	var evs []*store.Event
	var dss [][]*store.Delivery
	for i := 0; i < 50; i++ { // old, in order: none late
		e, ds := ev(fmt.Sprintf("inorder-%02d", i), base.Add(time.Duration(i)*time.Second))
		evs, dss = append(evs, e), append(dss, ds)
	}
	if err := s.CreateEvents(ctx, evs, dss); err != nil {
		t.Fatal(err)
	}
	e, ds := ev("fresh-1", time.Time{}) // stamped now
	ds[0].CreatedAt, ds[0].UpdatedAt = time.Time{}, time.Time{}
	if err := s.CreateEvent(ctx, e, ds); err != nil {
		t.Fatal(err)
	}
	e0, ds0 := ev("late-create", base.Add(10*time.Second))
	if err := s.CreateEvent(ctx, e0, ds0); err != nil {
		t.Fatal(err)
	}
	e1, ds1 := ev("fresh-2", time.Now())
	e2, ds2 := ev("late-batch", base.Add(20*time.Second))
	if err := s.CreateEvents(ctx, []*store.Event{e1, e2}, [][]*store.Delivery{ds1, ds2}); err != nil {
		t.Fatal(err)
	}
	e3, ds3 := ev("late-listen", base.Add(30*time.Second))
	ds3[0].EventID = e3.ID
	if err := s.WriteRecords(ctx, []store.Record{{Event: e3}, {Delivery: ds3[0]}}); err != nil {
		t.Fatal(err)
	}
	e4, ds4 := ev("late-import", base.Add(40*time.Second))
	ds4[0].EventID = e4.ID
	if err := s.Import(ctx, store.Record{Event: e4}); err != nil {
		t.Fatal(err)
	}
	if err := s.Import(ctx, store.Record{Delivery: ds4[0]}); err != nil {
		t.Fatal(err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT d.id FROM deliveries_late l JOIN deliveries d ON d.seq = l.seq AND d.created_at = l.created_at ORDER BY d.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		got = append(got, id)
	}
	want := []string{"d-late-batch", "d-late-create", "d-late-import", "d-late-listen"}
	if !slices.Equal(got, want) {
		t.Errorf("deliveries listed late: %v, want %v", got, want)
	}
}
