package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

func init() {
	expungeTests = append(expungeTests, struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{"EventHeads", testEventHeads})
}

// testEventHeads: GetEventHeads reads, for a set of whole ids in one
// call, each event's id, type, provider, source and creation time as
// GetEvent does (what deliveries list and replay --dry-run show of a
// delivery's event), leaves unknown ids out, takes an id twice or none.
func testEventHeads(t *testing.T, s store.Store) {
	sources := []string{store.SourceTriggered, store.SourceReceived, store.SourceCheck, ""}
	var ids []string
	for i := range 8 {
		e := newEvent(fmt.Sprintf("evt_head_%d", i), fmt.Sprintf("type.n%d", i%3))
		e.Provider = []string{"bond", "stripe", "svix"}[i%3]
		e.Source = sources[i%len(sources)]
		e.CreatedAt = base.Add(time.Duration(i) * time.Second)
		e.Headers = map[string][]string{"X-Big": {strings.Repeat("h", 3000)}}
		e.Payload = []byte(`{"big":"` + strings.Repeat("p", 100_000) + `"}`)
		var ds []*store.Delivery
		if i%2 == 0 {
			ds = []*store.Delivery{newDelivery("http://127.0.0.1/x")}
		}
		must(t, s.CreateEvent(ctx, e, ds))
		ids = append(ids, e.ID)
	}
	// A received event's id and type as a provider sent them (long ones
	// are kept in the store's key form: the deliveries name them so).
	long := newEvent("evt_"+strings.Repeat("L", 600), "type."+strings.Repeat("t", 600))
	long.Source = store.SourceReceived
	must(t, s.CreateEvent(ctx, long, []*store.Delivery{newDelivery("http://127.0.0.1/x")}))
	ds, err := s.ListDeliveries(ctx, store.DeliveryFilter{EventID: long.ID})
	must(t, err)
	if len(ds) != 1 {
		t.Fatalf("the long event's deliveries: %d", len(ds))
	}
	ids = append(ids, ds[0].EventID)

	ask := append(slices.Clone(ids), "evt_missing", ids[3], "evt_head_")
	slices.Reverse(ask)
	got, err := s.GetEventHeads(ctx, ask)
	must(t, err)
	byID := map[string]*store.EventHead{}
	for _, h := range got {
		if byID[h.ID] != nil {
			t.Errorf("%s returned twice", h.ID)
		}
		byID[h.ID] = h
	}
	if len(got) != len(ids) {
		t.Errorf("%d heads for %d events: %v", len(got), len(ids), got)
	}
	for _, id := range ids {
		h := byID[id]
		if h == nil {
			t.Errorf("no head for %.40s…", id)
			continue
		}
		e, err := s.GetEvent(ctx, id)
		must(t, err)
		want := store.EventHead{ID: e.ID, Type: e.Type, Provider: e.Provider, Source: e.Source, CreatedAt: e.CreatedAt}
		if h.ID != want.ID || h.Type != want.Type || h.Provider != want.Provider || h.Source != want.Source || !h.CreatedAt.Equal(want.CreatedAt) {
			t.Errorf("head %+v, GetEvent's %+v", *h, want)
		}
	}
	if h := byID["evt_head_1"]; h != nil {
		if h.Source != store.SourceReceived || h.Provider != "stripe" || h.Type != "type.n1" {
			t.Errorf("evt_head_1 read as %+v", *h)
		}
		sameTime(t, "evt_head_1's created", h.CreatedAt, base.Add(time.Second))
	}
	for _, none := range [][]string{nil, {}, {"evt_missing"}} {
		got, err := s.GetEventHeads(ctx, none)
		if err != nil || len(got) != 0 {
			t.Errorf("GetEventHeads(%q) = %v, %v; want none", none, got, err)
		}
	}
}
