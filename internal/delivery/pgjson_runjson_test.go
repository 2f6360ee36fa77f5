package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/testutil/eventreads"
)

// TestPgjsonRunJSONReadsEventHeads: a run's document (trigger and replay
// -o json) lists its events, in order of first delivery, with their type,
// provider and creation time, read as heads (store.GetEventHeads), never
// whole: a replay of 100,000 deliveries read every event's payload only
// for those columns.
func TestPgjsonRunJSONReadsEventHeads(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t)
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	var evs []*store.Event
	var dss [][]*store.Delivery
	for i := range 5 {
		evs = append(evs, &store.Event{ID: fmt.Sprintf("evt_run_%d", i), Type: fmt.Sprintf("type.n%d", i), Provider: "stripe",
			Payload: []byte(`{"big":"` + strings.Repeat("x", 50_000) + `"}`), CreatedAt: at.Add(time.Duration(i) * time.Second)})
		dss = append(dss, []*store.Delivery{
			{URL: "http://127.0.0.1:1/a", MaxAttempts: 1, Status: store.DeliveryFailed, RunID: "run_pgjson"},
			{URL: "http://127.0.0.1:1/b", MaxAttempts: 1, Status: store.DeliveryFailed, RunID: "run_pgjson"},
		})
	}
	if err := st.(store.BatchCreator).CreateEvents(ctx, evs, dss); err != nil {
		t.Fatal(err)
	}
	cs := &eventreads.Store{Store: st}
	var out bytes.Buffer
	if err := WriteRunJSON(ctx, &out, cs, "run_pgjson", Counts{Total: 10, Failed: 10}, nil); err != nil {
		t.Fatal(err)
	}
	if cs.One != 0 || cs.Many != 0 || cs.Heads != len(evs) {
		t.Errorf("%d single and %d batch reads of whole events, %d of heads; want 0, 0 and %d", cs.One, cs.Many, cs.Heads, len(evs))
	}
	var doc struct {
		Events     []EventJSON `json:"events"`
		Deliveries []struct {
			Event string `json:"event_type"`
		} `json:"deliveries"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(doc.Events) != len(evs) || len(doc.Deliveries) != 10 {
		t.Fatalf("%d events and %d deliveries, want %d and 10:\n%s", len(doc.Events), len(doc.Deliveries), len(evs), out.String())
	}
	for i, e := range doc.Events {
		want := evs[i]
		if e.ID != want.ID || e.Type != want.Type || e.Provider != want.Provider || !e.CreatedAt.Equal(want.CreatedAt) {
			t.Errorf("event %d is %+v, want %s %s %s %v", i, e, want.ID, want.Type, want.Provider, want.CreatedAt)
		}
	}
	for i, d := range doc.Deliveries {
		if d.Event != evs[i/2].Type {
			t.Errorf("delivery %d of event type %q, want %q", i, d.Event, evs[i/2].Type)
		}
	}
}
