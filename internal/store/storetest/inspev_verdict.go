package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// RunEventVerdictFilter checks store.EventFilter.Verdict (the inspector's
// events page filters by it): each kind selects the events ParseVerdict
// gives that kind (an old forwarding loop's "invalid: forwarding loop …"
// is refused, not invalid), with the other filters, a time range and
// paging; an unknown kind is an error, not every event.
func RunEventVerdictFilter(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := context.Background()
	s := open(t)
	defer s.Close()
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	verdicts := []string{"valid", "invalid: no matching signature", "refused: forwarding loop: x", "invalid: forwarding loop: old",
		"", "valid", "Invalid: a case that is not the kind", "refusedx", "invalid"}
	kindOf := map[string]string{}
	for i, v := range verdicts {
		e := newEvent(fmt.Sprintf("evt-verdict-%02d", i), "card.created")
		if i%2 == 1 {
			e.Type = "kyc.verification.success"
		}
		e.CreatedAt, e.Verdict = t0.Add(time.Duration(i)*time.Second), v
		if v != "" || i == 4 {
			e.Source = store.SourceReceived
		}
		must(t, s.CreateEvent(ctx, e, nil))
		kind, _ := store.ParseVerdict(v)
		kindOf[e.ID] = kind
	}
	// A sent event with a delivery: not verified.
	e := newEvent("evt-verdict-sent", "card.created")
	e.CreatedAt = t0.Add(20 * time.Second)
	must(t, s.CreateEvent(ctx, e, []*store.Delivery{newDelivery("http://127.0.0.1:1/v")}))
	kindOf[e.ID] = ""
	matches := func(filter, kind string) bool {
		switch filter {
		case store.VerdictRejected:
			return kind == store.VerdictInvalid || kind == store.VerdictRefused
		case store.VerdictNone:
			return kind == ""
		}
		return kind == filter
	}
	list := func(f store.EventFilter) []string {
		t.Helper()
		evs, err := s.ListEvents(ctx, f)
		if err != nil {
			t.Fatalf("ListEvents(%+v): %v", f, err)
		}
		out := []string{}
		for _, e := range evs {
			out = append(out, e.ID)
		}
		slices.Sort(out)
		return out
	}
	for _, v := range store.VerdictFilters() {
		want := []string{}
		for id, kind := range kindOf {
			if matches(v, kind) {
				want = append(want, id)
			}
		}
		slices.Sort(want)
		if got := list(store.EventFilter{Verdict: v}); !slices.Equal(got, want) {
			t.Errorf("verdict %s: %v, want %v", v, got, want)
		}
		// With a type, a time range and a page of one, newest first.
		var wantNarrow []string
		for _, id := range want {
			var i int
			if _, err := fmt.Sscanf(id, "evt-verdict-%d", &i); err == nil && i%2 == 0 && i >= 1 && i < 8 {
				wantNarrow = append(wantNarrow, id)
			}
		}
		f := store.EventFilter{Verdict: v, TypePattern: "card.*", Since: t0.Add(time.Second), Until: t0.Add(8 * time.Second), Limit: 1}
		var got []string
		for range 10 {
			evs, err := s.ListEvents(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) == 0 {
				break
			}
			got = append(got, evs[0].ID)
			f.BeforeAt = &store.EventCursor{CreatedAt: evs[0].CreatedAt, Seq: evs[0].Seq}
		}
		slices.Sort(got)
		if !slices.Equal(got, wantNarrow) {
			t.Errorf("verdict %s, card.*, [1 s, 8 s), paged by one: %v, want %v", v, got, wantNarrow)
		}
	}
	if evs, err := s.ListEvents(ctx, store.EventFilter{Verdict: "bogus"}); err == nil {
		t.Errorf("verdict bogus: %d events and no error", len(evs))
	}
}
