package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// A page of a common type's deliveries (the inspector's and serve's
// ?event=, deliveries list --event) reads the deliveries newest first in a
// seq window, each one's event by its primary key: no pass over the type's
// events and no sort. The old query found every event of the type through
// events_type_created and sorted all their deliveries for the page (a type
// of 100,000 in 500,000: 0.12–0.64 s).
func TestBigstoreTypePagePlans(t *testing.T) {
	s := openTemp(t)
	for _, tc := range []struct {
		name string
		f    store.DeliveryFilter
	}{
		{"one type", store.DeliveryFilter{EventPattern: "card.created"}},
		{"a prefix", store.DeliveryFilter{EventPattern: "card.*"}},
		{"one type, failed", store.DeliveryFilter{EventPattern: "card.created", Status: store.DeliveryFailed}},
		{"one type, succeeded", store.DeliveryFilter{EventPattern: "card.created", Status: store.DeliverySucceeded}},
		{"one type, sent", store.DeliveryFilter{EventPattern: "card.created", Source: store.DeliverySent}},
	} {
		f := tc.f
		f.Newest, f.Limit, f.AfterSeq, f.BeforeSeq = true, 51, 1000, 21001
		q, args := typeWindowSQL(f)
		got := strings.Join(queryPlan(t, s, q, args), " | ")
		if !strings.HasPrefix(got, "SEARCH d USING ") || !strings.Contains(got, "rowid>? AND rowid<?") {
			t.Errorf("%s: the window is not read from the deliveries by seq: %s", tc.name, got)
		}
		if !strings.Contains(got, "SEARCH e USING INTEGER PRIMARY KEY (rowid=?)") {
			t.Errorf("%s: each event not found by its seq: %s", tc.name, got)
		}
		if strings.Contains(got, "TEMP B-TREE") || strings.Contains(got, "events_type_created") {
			t.Errorf("%s: the type's events read and their deliveries sorted: %s", tc.name, got)
		}
	}
}

// Pages of a type's deliveries are the same rows, in the same order, as
// the one query through the events, whichever way each page is read: a
// type with fewer events than typeFewEvents, and one with more whose
// deliveries are common in the newest ones, rare there (the window does
// not fill the page: the rest below it), or both in turn.
func TestBigstoreTypePagesMatch(t *testing.T) {
	defer func(few int, win int64) { typeFewEvents, typeWindow = few, win }(typeFewEvents, typeWindow)
	typeFewEvents, typeWindow = 20, 30
	s := openTemp(t)
	ctx := context.Background()
	at := time.Now().Add(-time.Hour)
	n := 0
	add := func(typ string, deliveries int) {
		n++
		ds := make([]*store.Delivery, deliveries)
		for i := range ds {
			ds[i] = &store.Delivery{URL: "http://127.0.0.1:9/", Status: []string{store.DeliverySucceeded, store.DeliveryFailed}[(n+i)%2], CreatedAt: at}
		}
		if err := s.CreateEvent(ctx, &store.Event{ID: fmt.Sprintf("evt_%d", n), Type: typ, Payload: []byte(`{}`), CreatedAt: at}, ds); err != nil {
			t.Fatal(err)
		}
	}
	// old.type: 60 events long ago, then none among 200 newer
	// deliveries; card.created: one in three throughout; rare.type: 5.
	for range 60 {
		add("old.type", 2)
	}
	for i := range 300 {
		switch {
		case i%3 == 0:
			add("card.created", 1+i%2)
		case i%60 == 1:
			add("rare.type", 1)
		default:
			add("payment.succeeded", 1)
		}
	}
	// Late deliveries of old events (as listen's forwards of them: the
	// event is there already, its new delivery is the newest).
	for _, id := range []string{"evt_3", "evt_70"} {
		late := &store.Delivery{URL: "http://127.0.0.1:9/late", Status: store.DeliveryFailed, CreatedAt: at}
		if err := s.CreateEvent(ctx, &store.Event{ID: id, Type: "ignored", Payload: []byte(`{}`)}, []*store.Delivery{late}); err != nil {
			t.Fatal(err)
		}
	}
	for _, pattern := range []string{"card.created", "card.*", "old.type", "rare.type", "nope.none"} {
		for _, status := range []string{"", store.DeliveryFailed} {
			for _, limit := range []int{1, 7, 50, 1000} {
				all := store.DeliveryFilter{EventPattern: pattern, Status: status, Newest: true}
				q, args := listDeliveriesSQL(all)
				want, err := s.queryDeliveries(ctx, q, args)
				if err != nil {
					t.Fatal(err)
				}
				var got []*store.Delivery
				f := all
				f.Limit = limit
				for {
					page, err := s.ListDeliveries(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, page...)
					if len(page) < limit {
						break
					}
					f.BeforeSeq = page[len(page)-1].Seq
				}
				seqs := func(ds []*store.Delivery) []int64 {
					out := make([]int64, len(ds))
					for i, d := range ds {
						out[i] = d.Seq
					}
					return out
				}
				if !slices.Equal(seqs(got), seqs(want)) {
					t.Errorf("%s status %q, pages of %d: seqs\n got %v\nwant %v", pattern, status, limit, seqs(got), seqs(want))
				}
			}
		}
	}
}
