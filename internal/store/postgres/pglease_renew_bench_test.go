package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/testutil/proccpu"
)

// BenchmarkPgleaseExtendLeases is a worker's heartbeat: one lease
// extension (ExtendLeases) for all the deliveries it holds, in a store of
// 20,000 deliveries; with locked=1 one of them is locked by another
// transaction throughout (passed over). With PG_TEST_DIR set (.ci/pg.sh)
// it reports the server's CPU per heartbeat.
func BenchmarkPgleaseExtendLeases(b *testing.B) {
	for _, held := range []int{64, 512} {
		for _, locked := range []int{0, 1} {
			b.Run(fmt.Sprintf("held=%d/locked=%d", held, locked), func(b *testing.B) {
				benchExtendLeases(b, held, locked)
			})
		}
	}
}

func benchExtendLeases(b *testing.B, held, locked int) {
	s := openBench(b)
	ctx := context.Background()
	past := time.Now().Add(-time.Minute)
	const total, batch = 20000, 1000
	for i := 0; i < total; i += batch {
		var es []*store.Event
		var dss [][]*store.Delivery
		for j := i; j < i+batch; j++ {
			es = append(es, &store.Event{ID: fmt.Sprintf("evt_%d", j), Type: "card.created", Payload: []byte(`{"id":1}`)})
			dss = append(dss, []*store.Delivery{{URL: "http://127.0.0.1:3000/hooks", MaxAttempts: 5, Schedule: "0s,1s,2s,4s,8s", NextAttemptAt: past}})
		}
		if err := s.CreateEvents(ctx, es, dss); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := s.Pool().Exec(ctx, `ANALYZE deliveries`); err != nil {
		b.Fatal(err)
	}
	got, err := s.ClaimDue(ctx, "w", time.Now(), time.Hour, held, "")
	if err != nil || len(got) != held {
		b.Fatalf("claim: %d, %v", len(got), err)
	}
	ids := make([]string, len(got))
	for i, d := range got {
		ids[i] = d.ID
	}
	if locked > 0 {
		conn, err := pgx.Connect(ctx, s.Pool().Config().ConnString())
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close(ctx)
		tx, err := conn.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, `SELECT id FROM deliveries WHERE id = ANY($1::text[]) FOR UPDATE`, ids[:locked]); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	c0 := proccpu.PostgresServer()
	for i := 0; i < b.N; i++ {
		ext, err := s.ExtendLeases(ctx, "w", ids, time.Now().Add(time.Hour))
		if err != nil || len(ext) != held-locked {
			b.Fatalf("extend: %d of %d, %v", len(ext), held, err)
		}
	}
	b.StopTimer()
	if c := proccpu.PostgresServer() - c0; c > 0 {
		b.ReportMetric(float64(c.Microseconds())/float64(b.N), "server-µs/op")
	}
}
