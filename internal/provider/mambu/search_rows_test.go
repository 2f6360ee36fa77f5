package mambu_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
)

// TestSearchReadsOnlyMambus: the message search reads Mambu's deliveries
// through the store's provider filter, a page at a time: with 300
// deliveries of Bond events in the store and 5 of Mambu's, a search reads
// about Mambu's 5, not the 305 (it walked every delivery of the store,
// keeping Mambu's), and still finds each of Mambu's once, newest first,
// with offset and limit as before.
func TestSearchReadsOnlyMambus(t *testing.T) {
	e, rc := servetest.StartCounting(t, func(o *serve.Options) { o.NoWorker = true })
	ctx := t.Context()
	for i := range 300 {
		ev := &store.Event{ID: fmt.Sprintf("bond-%d", i), Type: "card.created", Provider: "bond", Payload: []byte(`{}`), Source: store.SourceTriggered}
		if err := e.Store.CreateEvent(ctx, ev, []*store.Delivery{{ID: fmt.Sprintf("d-bond-%d", i), URL: e.Recv.URL, Status: store.DeliveryFailed}}); err != nil {
			t.Fatal(err)
		}
	}
	var want []string // newest first
	for i := range 5 {
		ev := &store.Event{ID: fmt.Sprintf("mambu-%d", i), Type: "loan.disbursed", Provider: "mambu", Payload: []byte(`{}`), Source: store.SourceTriggered}
		d := &store.Delivery{ID: fmt.Sprintf("d-mambu-%d", i), URL: e.Recv.URL, Status: store.DeliveryFailed}
		if err := e.Store.CreateEvent(ctx, ev, []*store.Delivery{d}); err != nil {
			t.Fatal(err)
		}
		want = append([]string{d.ID}, want...)
		// A Bond delivery after each, so Mambu's are spread out.
		ev = &store.Event{ID: fmt.Sprintf("bond-late-%d", i), Type: "card.created", Provider: "bond", Payload: []byte(`{}`), Source: store.SourceTriggered}
		if err := e.Store.CreateEvent(ctx, ev, []*store.Delivery{{ID: fmt.Sprintf("d-bond-late-%d", i), URL: e.Recv.URL, Status: store.DeliveryFailed}}); err != nil {
			t.Fatal(err)
		}
	}
	search := func(q string) ([]string, string) {
		t.Helper()
		req := map[string]string{"Authorization": basic["Authorization"]}
		code, body := e.Do("POST", "/api/communications/messages:search?"+q, req, `{"filterCriteria":[{"field":"state","operator":"EQUALS","value":"FAILED"}]}`)
		if code != 200 {
			t.Fatalf("search %s: %d %s", q, code, body)
		}
		var ms []struct {
			EncodedKey string `json:"encodedKey"`
		}
		if err := json.Unmarshal(body, &ms); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, m := range ms {
			keys = append(keys, m.EncodedKey)
		}
		return keys, string(body)
	}
	rc.Take()
	got, body := search("limit=50")
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("search: %v, want %v\n%s", got, want, body)
	}
	if n := rc.Take(); n > 10 {
		t.Fatalf("the search read %d rows for Mambu's 5 messages among 310 deliveries", n)
	}
	if got, _ := search("offset=1&limit=2"); fmt.Sprint(got) != fmt.Sprint(want[1:3]) {
		t.Fatalf("offset 1, limit 2: %v, want %v", got, want[1:3])
	}
	// Across the store's pages (200 deliveries each): 450 of Mambu's.
	for i := 5; i < 450; i++ {
		ev := &store.Event{ID: fmt.Sprintf("mambu-%d", i), Type: "loan.disbursed", Provider: "mambu", Payload: []byte(`{}`), Source: store.SourceTriggered}
		d := &store.Delivery{ID: fmt.Sprintf("d-mambu-%d", i), URL: e.Recv.URL, Status: store.DeliveryFailed}
		if err := e.Store.CreateEvent(ctx, ev, []*store.Delivery{d}); err != nil {
			t.Fatal(err)
		}
		want = append([]string{d.ID}, want...)
	}
	if got, _ := search("offset=190&limit=30"); fmt.Sprint(got) != fmt.Sprint(want[190:220]) {
		t.Fatalf("offset 190, limit 30: %v, want %v", got, want[190:220])
	}
	if got, _ := search("offset=440&limit=50"); fmt.Sprint(got) != fmt.Sprint(want[440:]) {
		t.Fatalf("offset 440: %v, want %v", got, want[440:])
	}
}
