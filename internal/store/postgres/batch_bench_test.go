package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/testutil/proccpu"
)

// BenchmarkClaimRecordBatch is the outbox worker's store traffic: claim 48
// due deliveries, then record their attempts in one batch
// (RecordAttempts), from one goroutine. With PG_TEST_DIR set (.ci/pg.sh)
// it reports the server's CPU per delivery, for the claims and the
// records separately.
func BenchmarkClaimRecordBatch(b *testing.B) {
	s := openBench(b)
	ctx := context.Background()
	if q := os.Getenv("BENCH_SQL"); q != "" {
		if _, err := s.Pool().Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	claim := 48
	if n, _ := strconv.Atoi(os.Getenv("BENCH_CLAIM")); n > 0 {
		claim = n
	}
	const batch = 256
	past := time.Now().Add(-time.Minute)
	for i := 0; i < b.N; i += batch {
		var es []*store.Event
		var dss [][]*store.Delivery
		for j := i; j < min(i+batch, b.N); j++ {
			es = append(es, &store.Event{ID: fmt.Sprintf("evt_%d", j), Type: "card.created", Payload: []byte(`{"id":1}`)})
			dss = append(dss, []*store.Delivery{{URL: "http://127.0.0.1:3000/hooks", MaxAttempts: 5, Schedule: "0s,1s,2s,4s,8s", NextAttemptAt: past}})
		}
		if err := s.CreateEvents(ctx, es, dss); err != nil {
			b.Fatal(err)
		}
	}
	headers := map[string][]string{"Content-Type": {"application/json"}, "Webhook-Id": {"evt_1"}, "Webhook-Signature": {"v1,abc"}}
	b.ReportAllocs()
	b.ResetTimer()
	done := 0
	var claimCPU, recordCPU time.Duration
	for done < b.N {
		c0 := proccpu.PostgresServer()
		got, err := s.ClaimDue(ctx, "bench", time.Now(), time.Minute, claim, "")
		if err != nil {
			b.Fatal(err)
		}
		c1 := proccpu.PostgresServer()
		if len(got) == 0 {
			b.Fatalf("nothing to claim after %d", done)
		}
		as := make([]*store.Attempt, len(got))
		us := make([]store.DeliveryUpdate, len(got))
		for i, d := range got {
			as[i] = &store.Attempt{DeliveryID: d.ID, DeliverySeq: d.Seq, Number: 1, StartedAt: time.Now(), Duration: time.Millisecond,
				RequestURL: d.URL, RequestMethod: "POST", RequestHeaders: headers, ResponseStatus: 200,
				ResponseHeaders: headers, ResponseBody: []byte(`{"ok":true}`)}
			us[i] = store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200}
		}
		errs, err := s.RecordAttempts(ctx, "bench", as, us)
		if err != nil {
			b.Fatal(err)
		}
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
		c2 := proccpu.PostgresServer()
		claimCPU += c1 - c0
		recordCPU += c2 - c1
		done += len(got)
	}
	b.ReportMetric(float64(done)/b.Elapsed().Seconds(), "deliveries/s")
	if claimCPU+recordCPU > 0 {
		b.ReportMetric(float64(claimCPU.Microseconds())/float64(done), "claim-srv-µs/d")
		b.ReportMetric(float64(recordCPU.Microseconds())/float64(done), "record-srv-µs/d")
	}
}
