package postgres

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// TestPgidxEventTypePagePlan: a page of an event type's events (events log
// --event old.type, the inspector's events page and serve's type
// filters; newest or oldest first, from a cursor or not) of a type that
// is rare, or whose events are all old, reads the page's events from
// events_type_created (schema 19) in list order and no other event.
// Before, events_type held the type alone: the plan read every event of
// the type and sorted them, or walked events_created and threw away the
// events of other types (4,900 of them for old.type's newest page). A
// type of one event in five may still be read from events_created with
// the type as a filter (the planner's choice: about 5 rows read per row
// shown). A prefix pattern (card.*) still reads an index, never the
// table.
//
// The new index is of the default operator class: with text_pattern_ops
// the planner does not see that type = $1 fixes its first column, and
// read the type's entries whole and sorted them (see the migration).
func TestPgidxEventTypePagePlan(t *testing.T) {
	ctx := context.Background()
	db := planDB(t)
	var evs []*store.Event
	var ds [][]*store.Delivery
	base := time.Now().Add(-time.Hour)
	for i := 0; i < 5000; i++ {
		typ := pgpageTypes[i%len(pgpageTypes)]
		switch {
		case i < 100 && i%2 == 0:
			typ = "old.type" // 50, all among the oldest events
		case i%100 == 99:
			typ = "rare.type"
		}
		evs = append(evs, &store.Event{Type: typ, Provider: "bond", Payload: []byte(`{}`), CreatedAt: base.Add(time.Duration(i) * time.Millisecond)})
		ds = append(ds, []*store.Delivery{{URL: "http://x", Status: store.DeliverySucceeded}})
		if len(evs) == 500 {
			if err := db.CreateEvents(ctx, evs, ds); err != nil {
				t.Fatal(err)
			}
			evs, ds = nil, nil
		}
	}
	conn := planConn(t, db, "events")
	var midSeq int64
	if err := conn.QueryRow(ctx, `SELECT seq FROM events ORDER BY seq OFFSET 2500 LIMIT 1`).Scan(&midSeq); err != nil {
		t.Fatal(err)
	}
	mid := &store.EventCursor{CreatedAt: base.Add(2500 * time.Millisecond), Seq: midSeq}
	scan := regexp.MustCompile(`(?m)^(?:->\s+)?(Index Scan(?: Backward)?|Index Only Scan(?: Backward)?|Bitmap Heap Scan|Seq Scan) (?:using (\S+) )?on events(?: e\w*)?\s*\(actual rows=(\d+)`)
	removed := regexp.MustCompile(`Rows Removed by Filter: (\d+)`)
	for _, c := range []struct {
		name          string
		f             store.EventFilter
		before, after *store.EventCursor
		maxRead       int // events the scan may read
	}{
		{"rare type, newest page", store.EventFilter{TypePattern: "rare.type", Limit: 10}, nil, nil, 10},
		{"rare type, page before a cursor", store.EventFilter{TypePattern: "rare.type", Limit: 10}, mid, nil, 10},
		{"rare type, oldest after a cursor", store.EventFilter{TypePattern: "rare.type", Limit: 10, Oldest: true}, nil, mid, 10},
		{"rare type, no counts, no payload", store.EventFilter{TypePattern: "rare.type", Limit: 10, NoCounts: true, NoPayload: true}, mid, nil, 10},
		{"old type, newest page", store.EventFilter{TypePattern: "old.type", Limit: 10}, nil, nil, 10},
		{"old type, page before a cursor", store.EventFilter{TypePattern: "old.type", Limit: 10}, mid, nil, 10},
		{"old type as Types", store.EventFilter{Types: []string{"old.type"}, Limit: 10}, nil, nil, 10},
		// Prefixes read an index: the planner walks the list order's
		// index with the pattern as its filter (it did so before schema
		// 19 too: it takes LIKE 'old._%' as matching many events), or a
		// range of an index of events.type.
		{"common prefix", store.EventFilter{TypePattern: "card.*", Limit: 10}, nil, nil, -1},
		{"rare prefix", store.EventFilter{TypePattern: "old.*", Limit: 10}, nil, nil, -1},
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
		m := scan.FindStringSubmatch(got)
		if m == nil || m[1] == "Seq Scan" {
			t.Errorf("%s: events not read through an index:\n%s\n(%s)", c.name, got, q)
			continue
		}
		if c.maxRead < 0 {
			continue
		}
		if m[2] != "events_type_created" {
			t.Errorf("%s: events read through %q, want events_type_created:\n%s\n(%s)", c.name, m[2], got, q)
		}
		if n, _ := strconv.Atoi(m[3]); n > c.maxRead {
			t.Errorf("%s: %d events read for a page of %d:\n%s", c.name, n, c.maxRead, got)
		}
		for _, r := range removed.FindAllStringSubmatch(got, -1) {
			if n, _ := strconv.Atoi(r[1]); n > 0 {
				t.Errorf("%s: %s rows read and thrown away:\n%s", c.name, r[1], got)
			}
		}
		if n := strings.Count(got, "Sort Key"); n > 1 {
			t.Errorf("%s: %d sorts:\n%s", c.name, n, got)
		}
	}
}
