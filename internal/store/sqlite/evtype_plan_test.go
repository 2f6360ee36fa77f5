package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// A page of one type's events (events log --event card.created, the
// inspector's and serve's type filters) is read from the end of
// events_type_created, in list order, with no sort: the old plan found
// every event of the type through events_type and sorted them all, with
// the delivery counts run for each (3 s for a type of 100,000). A prefix
// pattern reads the index alone for the page's seqs, never the events'
// rows or counts, before it sorts.
func TestEvtypePlans(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	for i := 0; i < 300; i++ {
		typ := []string{"card.created", "card.status.active", "payment.succeeded"}[i%3]
		if err := s.CreateEvent(ctx, &store.Event{ID: fmt.Sprintf("evt_%d", i), Type: typ, Payload: []byte(`{}`)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	c := &store.EventCursor{CreatedAt: time.Now(), Seq: 100}
	for _, tc := range []struct {
		name          string
		f             store.EventFilter
		before, after *store.EventCursor
		sorts         bool
	}{
		{name: "one type, newest", f: store.EventFilter{TypePattern: "card.created", Limit: 50}},
		{name: "one type, before a cursor", f: store.EventFilter{TypePattern: "card.created", Limit: 50}, before: c},
		{name: "one type, oldest after a cursor", f: store.EventFilter{TypePattern: "card.created", Oldest: true, Limit: 50}, after: c},
		{name: "one type, no counts", f: store.EventFilter{TypePattern: "card.created", Limit: 11, NoCounts: true}},
		{name: "one type in a list", f: store.EventFilter{Types: []string{"card.created"}, Limit: 50}},
		{name: "a prefix", f: store.EventFilter{TypePattern: "card.*", Limit: 50}, sorts: true},
		{name: "types", f: store.EventFilter{Types: []string{"card.created", "payment.succeeded"}, Limit: 50}, sorts: true},
	} {
		q, args, err := listEventsSQL(tc.f, tc.before, tc.after)
		if err != nil {
			t.Fatal(err)
		}
		plan := queryPlan(t, s, q, args)
		got := strings.Join(plan, " | ")
		// The page's seqs: from the index alone.
		if !strings.Contains(got, "USING COVERING INDEX events_type_created (type") {
			t.Errorf("%s: plan %q, want the page's seqs read from events_type_created alone\n(%s)", tc.name, got, q)
		}
		// Sorted: only the seqs of a pattern's or a list's several types
		// (and the page itself, LIST SUBQUERY's rows, by the outer ORDER BY).
		sorts := strings.Count(got, "USE TEMP B-TREE FOR ORDER BY")
		if want := map[bool]int{false: 1, true: 2}[tc.sorts]; sorts != want {
			t.Errorf("%s: plan %q sorts %d times, want %d\n(%s)", tc.name, got, sorts, want, q)
		}
	}
}
