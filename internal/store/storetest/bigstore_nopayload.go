package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// NoPayload checks EventFilter.NoPayload on st (an empty store): the
// summaries are those of a listing without it, with empty payloads and
// no headers, newest first, counts and all; the events keep their bodies
// (a later read has them).
func NoPayload(t *testing.T, st store.Store) {
	t.Helper()
	ctx := context.Background()
	at := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	for i := range 3 {
		e := &store.Event{ID: fmt.Sprintf("evt_nopayload_%d", i), Type: "card.created", Provider: "bond",
			Payload: []byte(`{"big":"body"}`), ContentType: "application/json", Source: store.SourceReceived,
			Headers: map[string][]string{"X-Seen": {"yes"}}, CreatedAt: at.Add(time.Duration(i) * time.Second)}
		d := &store.Delivery{URL: "http://127.0.0.1:9/", Status: store.DeliveryFailed, MaxAttempts: 1, Schedule: "0s", CreatedAt: e.CreatedAt}
		if err := st.CreateEvent(ctx, e, []*store.Delivery{d}); err != nil {
			t.Fatal(err)
		}
	}
	whole, err := st.ListEvents(ctx, store.EventFilter{TypePattern: "card.created", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	bare, err := st.ListEvents(ctx, store.EventFilter{TypePattern: "card.created", Limit: 10, NoPayload: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(whole) != 3 || len(bare) != 3 {
		t.Fatalf("%d and %d events listed, want 3", len(whole), len(bare))
	}
	for i, b := range bare {
		w := whole[i]
		if string(w.Payload) != `{"big":"body"}` || len(w.Headers) == 0 {
			t.Fatalf("without NoPayload: payload %q, headers %v", w.Payload, w.Headers)
		}
		if b.Payload == nil || len(b.Payload) != 0 || len(b.Headers) != 0 {
			t.Errorf("NoPayload: payload %q, headers %v; want empty", b.Payload, b.Headers)
		}
		if b.ID != w.ID || b.Type != w.Type || b.Provider != w.Provider || b.Source != w.Source || !b.CreatedAt.Equal(w.CreatedAt) ||
			b.ContentType != w.ContentType || b.Seq != w.Seq || b.Failed != 1 || b.Failed != w.Failed {
			t.Errorf("NoPayload: %+v\nwant the summary of %+v", b.Event, w.Event)
		}
	}
}
