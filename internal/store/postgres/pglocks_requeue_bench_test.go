package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// BenchmarkPglocksRequeueMatching: replay --failed's bulk requeue, one
// batch of 256 from 20,000 failed deliveries (none leased) per
// iteration, walking on by its cursor and starting over (the rows failed
// again, untimed) at the end.
func BenchmarkPglocksRequeueMatching(b *testing.B) {
	db := openBench(b)
	ctx := context.Background()
	ev := &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json", Source: store.SourceTriggered}
	if err := db.CreateEvent(ctx, ev, nil); err != nil {
		b.Fatal(err)
	}
	past := time.Now().Add(-time.Hour)
	if _, err := db.Pool().Exec(ctx, `INSERT INTO deliveries (id, event_id, url, status, attempt_count, max_attempts, schedule,
			next_attempt_at, created_at, updated_at)
		SELECT 'dlv_bench_' || lpad(i::text, 7, '0'), $1, 'http://127.0.0.1:1/', 'failed', 1, 1, '0s', $2, $2, $2
		FROM generate_series(1, 20000) i`, ev.ID, past); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, `ANALYZE deliveries`); err != nil {
		b.Fatal(err)
	}
	f := store.DeliveryFilter{Status: store.DeliveryFailed}
	r := store.Requeue{ExtraAttempts: 1, RunID: "run_bench", Unheld: true}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Now = time.Now()
		got, next, more, err := db.RequeueMatching(ctx, f, 256, r, "", time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		f.AfterSeq = next
		if !more || len(got) == 0 {
			b.StopTimer()
			if _, err := db.Pool().Exec(ctx, `UPDATE deliveries SET status = 'failed', run_id = ''`); err != nil {
				b.Fatal(err)
			}
			f.AfterSeq = 0
			b.StartTimer()
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/batch")
}
