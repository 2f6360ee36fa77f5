package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// The events page's and events log's filters by source, provider and
// verdict read a page from an index in list order (schema 15), with no
// sort of the page's seqs: before, SQLite walked events_created newest
// first testing every event, and a filter that matched none read them
// all (200,000 events: 0.46-0.96 s under load). The verdict filters use
// the partial indexes, which SQLite picks only when the query states
// their condition (store.EventSQL's verdict clauses do).
func TestEvidxFilterPlans(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	for i := 0; i < 60; i++ {
		e := &store.Event{ID: fmt.Sprintf("evt_%d", i), Type: "card.created", Provider: []string{"bond", "mono", "stripe"}[i%3],
			Source: []string{store.SourceTriggered, store.SourceReceived}[i%2], Payload: []byte(`{}`)}
		if e.Source == store.SourceReceived {
			e.Verdict = []string{"valid", "invalid: bad signature", "refused: forwarding loop", ""}[i/2%4]
		}
		if err := s.CreateEvent(ctx, e, nil); err != nil {
			t.Fatal(err)
		}
	}
	c := &store.EventCursor{CreatedAt: time.Now(), Seq: 30}
	for _, tc := range []struct {
		name          string
		f             store.EventFilter
		before, after *store.EventCursor
		index         string
	}{
		{name: "rejected", f: store.EventFilter{Verdict: store.VerdictRejected, Limit: 51}, index: "events_verdict_rejected"},
		{name: "rejected before a cursor", f: store.EventFilter{Verdict: store.VerdictRejected, Limit: 51}, before: c, index: "events_verdict_rejected"},
		{name: "invalid", f: store.EventFilter{Verdict: store.VerdictInvalid, Limit: 51}, index: "events_verdict_rejected"},
		{name: "refused, oldest after a cursor", f: store.EventFilter{Verdict: store.VerdictRefused, Limit: 51, Oldest: true}, after: c, index: "events_verdict_rejected"},
		{name: "valid", f: store.EventFilter{Verdict: store.VerdictValid, Limit: 51}, index: "events_verdict_valid"},
		{name: "valid, no counts", f: store.EventFilter{Verdict: store.VerdictValid, Limit: 1001, NoCounts: true, NoPayload: true}, index: "events_verdict_valid"},
		{name: "received", f: store.EventFilter{Source: store.SourceReceived, Limit: 51}, index: "events_source_created"},
		{name: "a source of its own", f: store.EventFilter{Source: "imported", Limit: 51}, before: c, index: "events_source_created"},
		{name: "provider", f: store.EventFilter{Providers: []string{"mono"}, Limit: 51}, index: "events_provider_created"},
		{name: "provider before a cursor", f: store.EventFilter{Providers: []string{"mono"}, Limit: 51}, before: c, index: "events_provider_created"},
	} {
		q, args, err := listEventsSQL(tc.f, tc.before, tc.after)
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(queryPlan(t, s, q, args), " | ")
		t.Logf("%s: %s", tc.name, got)
		if !strings.Contains(got, "INDEX "+tc.index) {
			t.Errorf("%s: plan %q, want the page's seqs read from %s\n(%s)", tc.name, got, tc.index, q)
		}
		// One sort: the page itself, by the outer ORDER BY; the seqs come
		// in list order from the index.
		if n := strings.Count(got, "USE TEMP B-TREE FOR ORDER BY"); n != 1 {
			t.Errorf("%s: plan %q sorts %d times, want 1 (the page's rows only)\n(%s)", tc.name, got, n, q)
		}
	}
}

// The deliveries' lists filtered by their event's provider or source (the
// inspector's log, deliveries list --provider, serve's message searches)
// keep reading the deliveries by seq, each one's event by its key, and
// stop once a page is full: SQLite has no statistics to tell a rare
// provider from the only one, and with schema 15's event indexes it took
// every event of the provider and sorted all their deliveries.
func TestEvidxDeliveryListsKeepTheirPlans(t *testing.T) {
	s := openTemp(t)
	for _, q := range []store.InspectQuery{{Provider: "bond"}, {Source: store.SourceReceived}, {Provider: "bond", Source: store.SourceTriggered}} {
		where, args := inspectWhere(q)
		query := `SELECT ` + inspectCols + inspectFrom + ` WHERE ` + strings.Join(where, " AND ") + ` AND d.seq < ? ORDER BY d.seq DESC LIMIT ?`
		got := strings.Join(queryPlan(t, s, query, append(args, 1000, 50)), " | ")
		if strings.Contains(got, "events_provider_created") || strings.Contains(got, "events_source_created") || strings.Contains(got, "TEMP B-TREE") {
			t.Errorf("%+v: plan %q, want the deliveries by seq and each one's event by its key\n(%s)", q, got, query)
		}
	}
	for _, f := range []store.DeliveryFilter{{Source: "imported", Newest: true, Limit: 50}, {Provider: "bond", Newest: true, Limit: 50}} {
		q, args := listDeliveriesSQL(f)
		got := strings.Join(queryPlan(t, s, q, args), " | ")
		if strings.Contains(got, "events_provider_created") || strings.Contains(got, "events_source_created") || strings.Contains(got, "TEMP B-TREE") {
			t.Errorf("%+v: plan %q, want the deliveries by seq and each one's event by its key\n(%s)", f, got, q)
		}
	}
}
