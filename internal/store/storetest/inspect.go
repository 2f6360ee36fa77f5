package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// RunInspector checks a store's store.Inspector: newest-first keyset
// pages, filters, the text search, the scan window, the live tail, rows by
// ID and the overview's aggregates.
func RunInspector(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := context.Background()
	s := open(t)
	defer s.Close()
	in, ok := s.(store.Inspector)
	if !ok {
		t.Fatalf("%T does not implement store.Inspector", s)
	}
	now := time.Now().UTC()
	var ids []string
	for i := range 30 {
		typ := "card.created"
		if i%3 == 0 {
			typ = "kyc.verification.success"
		}
		e := newEvent(fmt.Sprintf("evt-%02d", i), typ)
		e.CreatedAt = now
		if i == 17 {
			e.Payload = []byte(`{"event":"card.created","needle":"haystack-17"}`)
			e.Source, e.Verdict = store.SourceReceived, "valid"
		}
		d := newDelivery(fmt.Sprintf("http://127.0.0.1:1/%d", i%2))
		d.CreatedAt = now
		if i%5 == 0 {
			d.Status, d.AttemptCount, d.LastStatus = store.DeliveryFailed, 5, 500
		} else {
			d.Status, d.AttemptCount, d.LastStatus = store.DeliverySucceeded, 1, 200
		}
		must(t, s.CreateEvent(ctx, e, []*store.Delivery{d}))
		must(t, s.Import(ctx, store.Record{Attempt: &store.Attempt{DeliveryID: d.ID, Number: d.AttemptCount, StartedAt: now,
			Duration: time.Duration(i+1) * time.Millisecond, RequestURL: d.URL, RequestMethod: "POST"}}))
		ids = append(ids, d.ID)
	}
	// Newest first, keyset pages.
	pg, err := in.InspectDeliveries(ctx, store.InspectQuery{Limit: 10})
	must(t, err)
	if len(pg.Rows) != 10 || pg.Rows[0].ID != ids[29] || pg.NextBefore == 0 {
		t.Fatalf("first page: %d rows, first %s, next %d", len(pg.Rows), pg.Rows[0].ID, pg.NextBefore)
	}
	if pg.Rows[0].EventType != "card.created" || pg.Rows[0].Provider != "bond" || pg.Rows[0].Latency != 30*time.Millisecond {
		t.Errorf("row columns: %+v latency %v", pg.Rows[0], pg.Rows[0].Latency)
	}
	pg2, err := in.InspectDeliveries(ctx, store.InspectQuery{Limit: 10, BeforeSeq: pg.NextBefore})
	must(t, err)
	if len(pg2.Rows) != 10 || pg2.Rows[0].ID != ids[19] {
		t.Fatalf("second page starts at %v", pg2.Rows)
	}
	// Filters.
	count := func(q store.InspectQuery) int {
		q.Limit = 100
		p, err := in.InspectDeliveries(ctx, q)
		must(t, err)
		return len(p.Rows)
	}
	for name, c := range map[string]struct {
		q    store.InspectQuery
		want int
	}{
		"status":      {store.InspectQuery{Status: store.DeliveryFailed}, 6},
		"type":        {store.InspectQuery{TypePattern: "kyc.*"}, 10},
		"exact type":  {store.InspectQuery{TypePattern: "card.created"}, 20},
		"provider":    {store.InspectQuery{Provider: "mono"}, 0},
		"source":      {store.InspectQuery{Source: store.SourceReceived}, 1},
		"search":      {store.InspectQuery{Search: "haystack-17"}, 1},
		"search miss": {store.InspectQuery{Search: "nothing-like-it"}, 0},
		"combined":    {store.InspectQuery{Status: store.DeliverySucceeded, TypePattern: "card.created"}, 16},
	} {
		if got := count(c.q); got != c.want {
			t.Errorf("%s: %d rows, want %d", name, got, c.want)
		}
	}
	// A filtered query scans a bounded window and says where to go on.
	pw, err := in.InspectDeliveries(ctx, store.InspectQuery{Search: "haystack-17", Window: 5, Limit: 10})
	must(t, err)
	if len(pw.Rows) != 0 || !pw.Partial || pw.NextBefore == 0 {
		t.Errorf("windowed search: %d rows, partial %v, next %d", len(pw.Rows), pw.Partial, pw.NextBefore)
	}
	// Live tail: after a seq, oldest first.
	tail, err := in.InspectDeliveries(ctx, store.InspectQuery{AfterSeq: pg.Rows[3].Seq, Limit: 100})
	must(t, err)
	if len(tail.Rows) != 3 || tail.Rows[0].ID != ids[27] {
		t.Errorf("tail: %d rows", len(tail.Rows))
	}
	// The tail of an empty cursor is everything, oldest first.
	all, err := in.InspectDeliveries(ctx, store.InspectQuery{Tail: true, Limit: 100})
	must(t, err)
	if len(all.Rows) != 30 || all.Rows[0].ID != ids[0] {
		t.Errorf("tail from 0: %d rows", len(all.Rows))
	}
	// By ID.
	rows, err := in.InspectByIDs(ctx, []string{ids[17], ids[3], "missing"})
	must(t, err)
	if len(rows) != 2 {
		t.Errorf("by ids: %d rows", len(rows))
	}
	for _, r := range rows {
		if r.ID == ids[17] && (r.Verdict != "valid" || r.Source != store.SourceReceived) {
			t.Errorf("received row: verdict %q source %q", r.Verdict, r.Source)
		}
	}
	// Events without deliveries: what listen received and did not forward.
	maxBefore, err := in.MaxEventSeq(ctx)
	must(t, err)
	lone := newEvent("evt-lone", "card.created")
	lone.CreatedAt, lone.Source, lone.Verdict = now, store.SourceReceived, "invalid: no matching signature"
	must(t, s.CreateEvent(ctx, lone, nil))
	maxAfter, err := in.MaxEventSeq(ctx)
	must(t, err)
	if maxAfter <= maxBefore {
		t.Errorf("max event seq %d after %d", maxAfter, maxBefore)
	}
	evs, err := in.InspectEvents(ctx, store.EventQuery{Since: now.Add(-time.Minute)})
	must(t, err)
	if len(evs) != 1 || evs[0].ID != "evt-lone" || evs[0].Verdict != lone.Verdict || evs[0].Seq != maxAfter {
		t.Fatalf("events without deliveries: %+v", evs)
	}
	if evs, _ := in.InspectEvents(ctx, store.EventQuery{Tail: true, AfterSeq: maxBefore, UpToSeq: maxAfter}); len(evs) != 1 {
		t.Errorf("tail: %d events", len(evs))
	}
	if evs, _ := in.InspectEvents(ctx, store.EventQuery{Tail: true, AfterSeq: maxAfter}); len(evs) != 0 {
		t.Errorf("tail past the newest: %d events", len(evs))
	}
	if evs, _ := in.InspectEvents(ctx, store.EventQuery{Since: now.Add(-time.Minute), Provider: "mono"}); len(evs) != 0 {
		t.Errorf("provider filter: %d events", len(evs))
	}
	// Aggregates.
	tp, err := in.Throughput(ctx, now.Add(-time.Hour))
	must(t, err)
	var total int64
	by := map[string]int64{}
	for _, b := range tp {
		total += b.Count
		by[b.Status] += b.Count
	}
	if total != 30 || by[store.DeliveryFailed] != 6 || by[store.DeliverySucceeded] != 24 {
		t.Errorf("throughput total %d %v, want 30: 6 failed, 24 succeeded (%+v)", total, by, tp)
	}
	slow, err := in.SlowestEndpoints(ctx, 100, 5)
	must(t, err)
	if len(slow) != 2 || slow[0].Max != 30*time.Millisecond {
		t.Errorf("slowest: %+v", slow)
	}
	testSlowestTies(t, open(t).(store.Inspector))
}

// testSlowestTies: endpoints with the same mean come in URL order (bytes,
// whatever the database's collation), and a mean is truncated to the
// nanosecond, the same on both back ends.
func testSlowestTies(t *testing.T, in store.Inspector) {
	ctx := context.Background()
	s := in.(store.Store)
	defer s.Close()
	must(t, s.Import(ctx, store.Record{Event: newEvent("evt-slow", "card.created")}))
	for i, x := range []struct {
		url string
		dur time.Duration
	}{{"http://127.0.0.1:1/b", 3}, {"http://127.0.0.1:1/odd", 1}, {"http://127.0.0.1:1/B", 3}, {"http://127.0.0.1:1/a", 3}, {"http://127.0.0.1:1/odd", 2}} {
		d := newDelivery(x.url)
		d.ID, d.EventID, d.Status, d.AttemptCount = fmt.Sprintf("5105%04d-0000-4000-8000-000000000000", i), "evt-slow", store.DeliveryFailed, 1
		d.CreatedAt, d.UpdatedAt = base, base
		must(t, s.Import(ctx, store.Record{Delivery: d}))
		must(t, s.Import(ctx, store.Record{Attempt: &store.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: base, Duration: x.dur}}))
	}
	slow, err := in.SlowestEndpoints(ctx, 100, 10)
	must(t, err)
	var got []string
	for _, e := range slow {
		got = append(got, fmt.Sprintf("%s %d %v", e.URL[len("http://127.0.0.1:1/"):], e.Attempts, e.Mean))
	}
	if want := "[B 1 3ns a 1 3ns b 1 3ns odd 2 1ns]"; fmt.Sprint(got) != want {
		t.Errorf("slowest endpoints %v, want %s", got, want)
	}
}
