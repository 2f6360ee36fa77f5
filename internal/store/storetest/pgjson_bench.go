package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

// BenchEventReads measures reading a listing's window of 256 events
// whole (store.EventsGetter's GetEvents: payload and headers included)
// against reading their heads (GetEventHeads), over 10,000 events of
// about the size bench/cmd/seed writes (a 278-byte payload, no headers)
// and, in "big", of a 4 KiB payload with received headers.
func BenchEventReads(b *testing.B, s store.Store) {
	const n, window = 10_000, 256
	for _, shape := range []struct {
		name    string
		payload int
		headers map[string][]string
	}{
		{"seed", 278, nil},
		{"big", 4096, map[string][]string{"Content-Type": {"application/json"}, "User-Agent": {"Stripe/1.0"}, "Stripe-Signature": {strings.Repeat("s", 200)}}},
	} {
		var ids []string
		for i := 0; i < n; i += 500 {
			var evs []*store.Event
			var dss [][]*store.Delivery
			for j := i; j < i+500; j++ {
				e := newEvent(fmt.Sprintf("evt_%s_%05d", shape.name, j), "card.created")
				e.Payload = []byte(`{"p":"` + strings.Repeat("x", shape.payload-8) + `"}`)
				e.Headers = shape.headers
				evs = append(evs, e)
				dss = append(dss, nil)
				ids = append(ids, e.ID)
			}
			if bc, ok := s.(store.BatchCreator); ok {
				if err := bc.CreateEvents(ctx, evs, dss); err != nil {
					b.Fatal(err)
				}
				continue
			}
			for _, e := range evs {
				if err := s.CreateEvent(ctx, e, nil); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.Run(shape.name+"/whole", func(b *testing.B) {
			eg, ok := s.(store.EventsGetter)
			if !ok {
				b.Skip("no store.EventsGetter")
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				at := (i * window) % (n - window)
				evs, err := eg.GetEvents(ctx, ids[at:at+window])
				if err != nil || len(evs) != window {
					b.Fatal(len(evs), err)
				}
			}
		})
		b.Run(shape.name+"/heads", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				at := (i * window) % (n - window)
				hs, err := s.GetEventHeads(ctx, ids[at:at+window])
				if err != nil || len(hs) != window {
					b.Fatal(len(hs), err)
				}
			}
		})
	}
}
