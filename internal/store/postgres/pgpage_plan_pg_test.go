package postgres

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

var pgpageTypes = []string{"card.created", "card.status.active", "kyc.verification.success", "payment.succeeded", "transactions"}

// pgpageSeed writes n events, one delivery each, their types in turn
// (pgpageTypes: bench/cmd/seed -per-event 1's shape), but for one in 100
// of "rare.type".
func pgpageSeed(t *testing.T, db *DB, n int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; i += 500 {
		var evs []*store.Event
		var ds [][]*store.Delivery
		for j := i; j < min(i+500, n); j++ {
			typ := pgpageTypes[j%len(pgpageTypes)]
			if j%100 == 99 {
				typ = "rare.type"
			}
			evs = append(evs, &store.Event{Type: typ, Payload: []byte(`{}`)})
			ds = append(ds, []*store.Delivery{{URL: "http://x", Status: store.DeliverySucceeded}})
		}
		if err := db.CreateEvents(ctx, evs, ds); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPgpageTypePagePlan: a page of an event type's deliveries (deliveries
// list --event, a page of 1,000 after the cursor of the one before) is a
// range of deliveries_event_type from the cursor that reads the page's
// rows and no more, and no event. Before schema 17 the type was only on
// the event: each page walked the deliveries back from the cursor and
// looked up every one's event (5 lookups per row for a type of 1 in 5;
// ~65 ms per page of 1,000 in a store of 500,000). For a type of 1 in 5
// the planner may read the deliveries from the cursor by seq with the
// type as a filter (5 rows read per row shown, no event); for a rare type
// only the type's index reads the page alone. A prefix ('card.*') reads
// the deliveries from the cursor with the type as a filter, no event.
func TestPgpageTypePagePlan(t *testing.T) {
	ctx := context.Background()
	db := planDB(t)
	pgpageSeed(t, db, 5000)
	conn := planConn(t, db, "deliveries")
	var top int64
	if err := conn.QueryRow(ctx, `SELECT max(seq) FROM deliveries`).Scan(&top); err != nil {
		t.Fatal(err)
	}
	scan := regexp.MustCompile(`Index Scan Backward using (\S+) on deliveries d \(actual rows=(\d+) loops=1\)`)
	removed := regexp.MustCompile(`Rows Removed by Filter: (\d+)`)
	for _, c := range []struct {
		f       store.DeliveryFilter
		maxRead int // rows the scan may read: the page's and those of other types between them
	}{
		{store.DeliveryFilter{EventPattern: "card.created", Newest: true, Limit: 200}, 1005},
		{store.DeliveryFilter{EventPattern: "card.created", Newest: true, Limit: 200, BeforeSeq: top / 2}, 1005},
		{store.DeliveryFilter{EventPattern: "card.created", Newest: true, Limit: 200, BeforeSeq: top / 2, Status: store.DeliverySucceeded}, 1005},
		// 1 in 100: only the type's index reads no more than the page.
		{store.DeliveryFilter{EventPattern: "rare.type", Newest: true, Limit: 10, BeforeSeq: top / 2}, 10},
		{store.DeliveryFilter{EventPattern: "rare.type", Newest: true, Limit: 10}, 10},
	} {
		f := c.f
		q, args := deliveryListQuery(f)
		rows, err := conn.Query(ctx, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		got := planText(t, rows)
		if testing.Verbose() {
			t.Logf("%+v:\n%s", f, got)
		}
		read := -1
		if m := scan.FindStringSubmatch(got); m != nil {
			read, _ = strconv.Atoi(m[2])
			if m := removed.FindStringSubmatch(got); m != nil {
				n, _ := strconv.Atoi(m[1])
				read += n
			}
		}
		if read < f.Limit || read > c.maxRead || strings.Contains(got, "events") || strings.Contains(got, "Sort") {
			t.Errorf("%+v: plan\n%s\nwant a backward index range of deliveries reading the page's %d rows (%d at most), no event, no sort", f, got, f.Limit, c.maxRead)
		}
		if f.BeforeSeq > 0 && !strings.Contains(got, "seq < ") {
			t.Errorf("%+v: plan\n%s\nwant the range to start at the cursor (seq < …)", f, got)
		}
	}
	for _, f := range []store.DeliveryFilter{
		{EventPattern: "card.*", Newest: true, Limit: 200, BeforeSeq: top / 2},
		{EventPattern: "kyc.*", Newest: true, Limit: 200, BeforeSeq: top / 2},
	} {
		q, args := deliveryListQuery(f)
		rows, err := conn.Query(ctx, "EXPLAIN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		got := planText(t, rows)
		if testing.Verbose() {
			t.Logf("%+v:\n%s", f, got)
		}
		if strings.Contains(got, "events") || strings.Contains(got, "Seq Scan") {
			t.Errorf("%+v: plan\n%s\nwant the deliveries read by index with no event looked up", f, got)
		}
	}
}

// TestPgpageEventTypeOnEveryWrite: every way a delivery is written gives
// it its event's type (event_type, which the type filter reads): one
// event (CreateEvent), a batch (CreateEvents, whose deliveries cannot read
// the events the same statement writes), listen's records (WriteRecords),
// store import, and a batch naming an event already stored (its stored
// type, not the one given again). Each type's listing then holds its
// deliveries, as the join with events gave them.
func TestPgpageEventTypeOnEveryWrite(t *testing.T) {
	ctx := context.Background()
	db := planDB(t)
	now := time.Now()
	pgpageSeed(t, db, 20)
	if err := db.CreateEvent(ctx, &store.Event{ID: "ev-one", Type: "one.created", Payload: []byte(`{}`)},
		[]*store.Delivery{{URL: "http://x"}, {URL: "http://y"}}); err != nil {
		t.Fatal(err)
	}
	// The same event again in a batch, its type given differently: the
	// stored event (and type) stays.
	if err := db.CreateEvents(ctx, []*store.Event{{ID: "ev-one", Type: "other.type", Payload: []byte(`{}`)}},
		[][]*store.Delivery{{{URL: "http://z"}}}); err != nil {
		t.Fatal(err)
	}
	if err := db.WriteRecords(ctx, []store.Record{
		{Event: &store.Event{ID: "ev-rec", Type: "rec.received", Payload: []byte(`{}`), Source: store.SourceReceived, CreatedAt: now}},
		{Delivery: &store.Delivery{ID: "d-rec", EventID: "ev-rec", URL: "http://r", Status: store.DeliverySucceeded, CreatedAt: now, UpdatedAt: now}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.WriteRecords(ctx, []store.Record{
		{Delivery: &store.Delivery{ID: "d-rec2", EventID: "ev-one", URL: "http://r", Status: store.DeliverySucceeded, CreatedAt: now, UpdatedAt: now}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.ImportBatch(ctx, []store.Record{
		{Event: &store.Event{ID: "ev-imp", Type: "imp.created", Payload: []byte(`{}`), CreatedAt: now}},
		{Delivery: &store.Delivery{ID: "d-imp", EventID: "ev-imp", URL: "http://i", Status: store.DeliveryFailed, CreatedAt: now, UpdatedAt: now}},
		{Delivery: &store.Delivery{ID: "d-imp2", EventID: "ev-one", URL: "http://i", Status: store.DeliveryFailed, CreatedAt: now, UpdatedAt: now}},
	}); err != nil {
		t.Fatal(err)
	}
	var wrong, total int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE d.event_type IS DISTINCT FROM e.type), count(*)
		FROM deliveries d JOIN events e ON e.id = d.event_id`).Scan(&wrong, &total); err != nil {
		t.Fatal(err)
	}
	if wrong != 0 || total != 27 {
		t.Errorf("%d of %d deliveries have a type other than their event's (want 0 of 27)", wrong, total)
	}
	for pattern, want := range map[string]int{"one.created": 5, "other.type": 0, "rec.received": 1, "imp.created": 1, "card.created": 4, "card.*": 8, "*": 27} {
		ds, err := db.ListDeliveries(ctx, store.DeliveryFilter{EventPattern: pattern, Newest: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != want {
			t.Errorf("--event %s: %d deliveries, want %d", pattern, len(ds), want)
		}
	}
}

// TestPgpageMigrationFillsEventType: migration 17 gives the deliveries
// already stored their event's type (a store of schema 16 upgraded), and
// the type filter then finds them.
func TestPgpageMigrationFillsEventType(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	open := func() *DB {
		db, err := OpenDB(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	db := open()
	pgpageSeed(t, db, 30)
	if _, err := db.Pool().Exec(ctx, `DROP TRIGGER deliveries_event_type ON deliveries; DROP FUNCTION hookctl_delivery_event_type();
		ALTER TABLE deliveries DROP COLUMN event_type; DELETE FROM hookctl_schema_migrations WHERE version >= 17`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = open()
	if from, to, err := db.Migrate(ctx); err != nil || from != 16 || to != LatestVersion() {
		t.Fatalf("Migrate = %d, %d, %v; want 16, %d", from, to, err, LatestVersion())
	}
	var wrong int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM deliveries d JOIN events e ON e.id = d.event_id
		WHERE d.event_type IS DISTINCT FROM e.type`).Scan(&wrong); err != nil || wrong != 0 {
		t.Fatalf("%d deliveries without their event's type after the migration (%v)", wrong, err)
	}
	ds, err := db.ListDeliveries(ctx, store.DeliveryFilter{EventPattern: "card.created", Newest: true})
	if err != nil || len(ds) != 6 {
		t.Fatalf("--event card.created after the migration: %d deliveries (%v), want 6", len(ds), err)
	}
}
