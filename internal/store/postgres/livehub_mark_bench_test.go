package postgres_test

import (
	"context"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// BenchmarkLivehubChangeMarkPostgres: what the inspector's poller reads
// once per poll for all its tabs (ChangeMark), beside one of the reads
// each tab made at every poll before (the range after its cursor,
// nothing new: the idle case).
func BenchmarkLivehubChangeMarkPostgres(b *testing.B) {
	ctx := context.Background()
	db, err := postgres.OpenDB(ctx, pgtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for range 100 {
		ev := &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json"}
		d := &store.Delivery{URL: "http://127.0.0.1:9/x", Status: store.DeliveryFailed, AttemptCount: 1, MaxAttempts: 1, Schedule: "0s"}
		if err := db.CreateEvent(ctx, ev, []*store.Delivery{d}); err != nil {
			b.Fatal(err)
		}
	}
	pg, err := db.InspectDeliveries(ctx, store.InspectQuery{Limit: 1})
	if err != nil {
		b.Fatal(err)
	}
	top := pg.Rows[0].Seq
	b.Run("ChangeMark", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.ChangeMark(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("TabRangeRead", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.InspectDeliveries(ctx, store.InspectQuery{AfterSeq: top, Limit: 1000, Tail: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
