package postgres

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// The events page's and events log's filters by source, provider and
// verdict read a page from an index of their own in list order (schema
// 18): before, a filter that matched few events or none walked
// events_created newest first and tested every event (here 3,000 rows
// removed by the filter for a page that is empty). Each plan here reads
// no row it does not keep but the other kind of rejected events, and
// sorts at most once.
func TestEvidxFilterPlans(t *testing.T) {
	ctx := context.Background()
	db := planDB(t)
	var evs []*store.Event
	var ds [][]*store.Delivery
	base := time.Now().Add(-time.Hour)
	for i := 0; i < 3000; i++ {
		e := &store.Event{ID: fmt.Sprintf("evt_%d", i), Type: "card.created", Provider: "bond", Payload: []byte(`{}`),
			CreatedAt: base.Add(time.Duration(i) * time.Millisecond)}
		if i%500 == 7 { // a few received events, valid or rejected
			e.Source, e.Provider = store.SourceReceived, "stripe"
			e.Verdict = []string{"valid", "invalid: bad signature", "refused: forwarding loop"}[i/500%3]
		}
		evs, ds = append(evs, e), append(ds, nil)
	}
	if err := db.CreateEvents(ctx, evs, ds); err != nil {
		t.Fatal(err)
	}
	conn := planConn(t, db, "events")
	mid := &store.EventCursor{CreatedAt: base.Add(1500 * time.Millisecond), Seq: 1500}
	removed := regexp.MustCompile(`Rows Removed by Filter: (\d+)`)
	for _, c := range []struct {
		name          string
		f             store.EventFilter
		before, after *store.EventCursor
		index         string
	}{
		{"rejected (matches 4)", store.EventFilter{Verdict: store.VerdictRejected, Limit: 51}, nil, nil, "events_verdict_rejected"},
		{"rejected before a cursor", store.EventFilter{Verdict: store.VerdictRejected, Limit: 51}, mid, nil, "events_verdict_rejected"},
		{"invalid", store.EventFilter{Verdict: store.VerdictInvalid, Limit: 51}, nil, nil, "events_verdict_rejected"},
		{"refused, oldest after a cursor", store.EventFilter{Verdict: store.VerdictRefused, Limit: 51, Oldest: true}, nil, mid, "events_verdict_rejected"},
		{"valid", store.EventFilter{Verdict: store.VerdictValid, Limit: 51, NoPayload: true}, nil, nil, "events_verdict_valid"},
		{"received", store.EventFilter{Source: store.SourceReceived, Limit: 51}, nil, nil, "events_source_created"},
		{"a source of its own (none)", store.EventFilter{Source: "imported", Limit: 51}, mid, nil, "events_source_created"},
		{"provider", store.EventFilter{Providers: []string{"stripe"}, Limit: 51}, nil, nil, "events_provider_created"},
		{"provider none, no counts", store.EventFilter{Providers: []string{"mono"}, Limit: 1001, NoCounts: true, NoPayload: true}, mid, nil, "events_provider_created"},
	} {
		q, args, err := listEventsQuery(c.f, c.before, c.after)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := conn.Query(ctx, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		got := planText(t, rows)
		if testing.Verbose() {
			t.Logf("%s:\n%s", c.name, got)
		}
		// In list order from the index, or (few rows match) a bitmap of
		// the index's entries sorted.
		if !strings.Contains(got, "using "+c.index+" on events") && !strings.Contains(got, "Bitmap Index Scan on "+c.index) {
			t.Errorf("%s: plan does not read %s:\n%s\n(%s)", c.name, c.index, got, q)
		}
		// The rows the filter throws away: the other kind of rejected
		// events for invalid and refused (at most the 4 rejected ones).
		for _, m := range removed.FindAllStringSubmatch(got, -1) {
			if n, _ := strconv.Atoi(m[1]); n > 4 {
				t.Errorf("%s: %s rows read and thrown away:\n%s", c.name, m[1], got)
			}
		}
		// One sort at most: the page's rows by the outer ORDER BY.
		if n := strings.Count(got, "Sort Key"); n > 1 {
			t.Errorf("%s: %d sorts:\n%s", c.name, n, got)
		}
	}
}
