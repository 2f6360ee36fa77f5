package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// RunInspectTimeRange checks the inspector's time range
// (store.InspectQuery.Since, Until): [Since, Until) of the deliveries'
// creation time, newest first by Seq, in keyset pages that end with the
// range, with the other filters and their scan window, in the live tail,
// and for the events without deliveries; a delivery stored a little out
// of creation order (within store.InspectRangeSlack) is found on the side
// of the range its time puts it.
func RunInspectTimeRange(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := context.Background()
	s := open(t)
	defer s.Close()
	in, ok := s.(store.Inspector)
	if !ok {
		t.Fatalf("%T does not implement store.Inspector", s)
	}
	t0 := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Second) }
	// Deliveries 0…19 created a second apart; 11 is stored before 10
	// (a second out of order: concurrent writers).
	ids := make([]string, 20)
	order := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 10, 12, 13, 14, 15, 16, 17, 18, 19}
	for _, i := range order {
		typ := "card.created"
		if i%2 == 1 {
			typ = "kyc.verification.success"
		}
		e := newEvent(fmt.Sprintf("evt-range-%02d", i), typ)
		e.CreatedAt = at(i)
		d := newDelivery("http://127.0.0.1:1/range")
		d.CreatedAt = at(i)
		d.Status, d.AttemptCount, d.LastStatus = store.DeliverySucceeded, 1, 200
		must(t, s.CreateEvent(ctx, e, []*store.Delivery{d}))
		ids[i] = d.ID
	}
	// Events without deliveries at 3.5 s and 15.5 s.
	for _, i := range []int{3, 15} {
		e := newEvent(fmt.Sprintf("evt-range-lone-%02d", i), "card.created")
		e.CreatedAt, e.Source, e.Verdict = at(i).Add(500*time.Millisecond), store.SourceReceived, "invalid: no matching signature"
		must(t, s.CreateEvent(ctx, e, nil))
	}
	// rowsOf names the rows by their number (creation second).
	num := map[string]int{}
	for i, id := range ids {
		num[id] = i
	}
	rowsOf := func(p *store.InspectPage) []int {
		out := []int{}
		for _, r := range p.Rows {
			n, ok := num[r.ID]
			if !ok {
				n = -1
			}
			out = append(out, n)
		}
		return out
	}
	read := func(q store.InspectQuery) *store.InspectPage {
		t.Helper()
		p, err := in.InspectDeliveries(ctx, q)
		must(t, err)
		return p
	}
	check := func(name string, q store.InspectQuery, want []int) *store.InspectPage {
		t.Helper()
		p := read(q)
		if got := rowsOf(p); !slices.Equal(got, want) {
			t.Errorf("%s: rows %v, want %v", name, got, want)
		}
		return p
	}
	// [Since, Until): Since included, Until not; newest first by seq (10
	// was stored after 11).
	p := check("5s to 11s", store.InspectQuery{Since: at(5), Until: at(11), Limit: 50}, []int{10, 9, 8, 7, 6, 5})
	if p.NextBefore != 0 || p.Partial {
		t.Errorf("5s to 11s: next %d partial %v, want the range's end", p.NextBefore, p.Partial)
	}
	check("since 11s", store.InspectQuery{Since: at(11), Limit: 50}, []int{19, 18, 17, 16, 15, 14, 13, 12, 11})
	check("until 3s", store.InspectQuery{Until: at(3), Limit: 50}, []int{2, 1, 0})
	check("until 10s", store.InspectQuery{Until: at(10), Limit: 50}, []int{9, 8, 7, 6, 5, 4, 3, 2, 1, 0})
	check("after the newest", store.InspectQuery{Since: at(30), Limit: 50}, []int{})
	check("before the oldest", store.InspectQuery{Until: at(-5), Limit: 50}, []int{})
	check("between two", store.InspectQuery{Since: at(4).Add(time.Millisecond), Until: at(5), Limit: 50}, []int{})
	// Keyset pages end with the range.
	p1 := check("page 1", store.InspectQuery{Since: at(2), Until: at(12), Limit: 4}, []int{10, 11, 9, 8})
	if p1.NextBefore == 0 {
		t.Fatalf("page 1: no next page")
	}
	p2 := check("page 2", store.InspectQuery{Since: at(2), Until: at(12), Limit: 4, BeforeSeq: p1.NextBefore}, []int{7, 6, 5, 4})
	p3 := check("page 3", store.InspectQuery{Since: at(2), Until: at(12), Limit: 4, BeforeSeq: p2.NextBefore}, []int{3, 2})
	if p3.NextBefore != 0 || p3.Partial {
		t.Errorf("page 3: next %d partial %v, want the range's end", p3.NextBefore, p3.Partial)
	}
	// With another filter.
	check("kyc 5s to 11s", store.InspectQuery{TypePattern: "kyc.*", Since: at(5), Until: at(11), Limit: 50}, []int{9, 7, 5})
	// A filter's scan window starts at the range's end, and says where to
	// go on; it does not go past the range's start.
	pw := check("windowed", store.InspectQuery{TypePattern: "card.created", Since: at(2), Until: at(12), Window: 3, Limit: 50}, []int{10})
	if !pw.Partial || pw.NextBefore == 0 {
		t.Errorf("windowed: partial %v next %d", pw.Partial, pw.NextBefore)
	}
	pw = check("window past the range", store.InspectQuery{TypePattern: "card.created", Since: at(16), Until: at(19), Window: 30, Limit: 50}, []int{18, 16})
	if pw.Partial || pw.NextBefore != 0 {
		t.Errorf("window past the range: partial %v next %d", pw.Partial, pw.NextBefore)
	}
	// The live tail: oldest first after the cursor, inside the range.
	tail := read(store.InspectQuery{Tail: true, AfterSeq: read(store.InspectQuery{Since: at(5), Until: at(6), Limit: 1}).Rows[0].Seq,
		Until: at(9), Limit: 100})
	if got := rowsOf(tail); !slices.Equal(got, []int{6, 7, 8}) {
		t.Errorf("tail to 9s: rows %v", got)
	}
	tail = read(store.InspectQuery{Tail: true, Since: at(17), Limit: 100})
	if got := rowsOf(tail); !slices.Equal(got, []int{17, 18, 19}) {
		t.Errorf("tail since 17s: rows %v", got)
	}
	// Events without deliveries, by time and in the tail.
	evIDs := func(evs []*store.EventRow, err error) []string {
		t.Helper()
		must(t, err)
		out := []string{}
		for _, e := range evs {
			out = append(out, e.ID)
		}
		return out
	}
	if got := evIDs(in.InspectEvents(ctx, store.EventQuery{Since: at(0), Until: at(10)})); !slices.Equal(got, []string{"evt-range-lone-03"}) {
		t.Errorf("events 0s to 10s: %v", got)
	}
	if got := evIDs(in.InspectEvents(ctx, store.EventQuery{Tail: true, Until: at(10)})); !slices.Equal(got, []string{"evt-range-lone-03"}) {
		t.Errorf("event tail to 10s: %v", got)
	}
	if got := evIDs(in.InspectEvents(ctx, store.EventQuery{Tail: true, Since: at(10)})); !slices.Equal(got, []string{"evt-range-lone-15"}) {
		t.Errorf("event tail since 10s: %v", got)
	}
	// A seq window below a seq (UpToSeq without Tail): the newest events
	// before a time, not the newest of all.
	lone, err := in.InspectEvents(ctx, store.EventQuery{Until: at(10)})
	must(t, err)
	if len(lone) != 1 {
		t.Fatalf("events until 10s: %d", len(lone))
	}
	if got := evIDs(in.InspectEvents(ctx, store.EventQuery{UpToSeq: lone[0].Seq, MinSeq: lone[0].Seq - 1})); !slices.Equal(got, []string{"evt-range-lone-03"}) {
		t.Errorf("events in (seq-1, seq]: %v", got)
	}
	if got := evIDs(in.InspectEvents(ctx, store.EventQuery{UpToSeq: lone[0].Seq - 1})); !slices.Equal(got, []string{}) {
		t.Errorf("events up to the seq below the first lone one: %v", got)
	}
	// 3.5 s, stored last (an import of an older delivery): a range of few
	// deliveries has their exact seqs, whatever their order.
	e := newEvent("evt-range-imported", "card.created")
	e.CreatedAt = at(3).Add(500 * time.Millisecond)
	d := newDelivery("http://127.0.0.1:1/range")
	d.CreatedAt = e.CreatedAt
	d.Status, d.AttemptCount, d.LastStatus = store.DeliverySucceeded, 1, 200
	must(t, s.CreateEvent(ctx, e, []*store.Delivery{d}))
	check("imported", store.InspectQuery{Since: at(3), Until: at(5), Limit: 50}, []int{-1, 4, 3})
	check("imported, type", store.InspectQuery{TypePattern: "kyc.*", Since: at(2), Until: at(5), Limit: 50}, []int{3})
	check("imported, until", store.InspectQuery{Until: at(2), Limit: 50}, []int{1, 0})
	tail = read(store.InspectQuery{Tail: true, AfterSeq: read(store.InspectQuery{Since: at(5), Until: at(6), Limit: 1}).Rows[0].Seq,
		Until: at(9), Limit: 100})
	if got := rowsOf(tail); !slices.Equal(got, []int{6, 7, 8, -1}) {
		t.Errorf("tail to 9s, imported: rows %v", got)
	}
}
