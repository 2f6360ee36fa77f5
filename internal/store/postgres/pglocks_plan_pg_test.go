package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// TestPglocksRequeueMatchingPlan: a bulk requeue (replay's) picks its
// batch without trying any lease-wait lock, and tries it only on the
// batch's rows, read by ID through the primary key: never on the rows
// the selection reads (each try an entry of the server's lock table
// until the commit: with a status filter it read every failed row), nor
// on a table read whole for a hash join with the batch.
func TestPglocksRequeueMatchingPlan(t *testing.T) {
	ctx := context.Background()
	db := planDB(t)
	past := time.Now().Add(-time.Hour)
	for i := 0; i < 20; i++ {
		ds := make([]*store.Delivery, 100)
		for j := range ds {
			ds[j] = &store.Delivery{URL: "http://x", Status: store.DeliveryFailed, NextAttemptAt: past}
		}
		if err := db.CreateEvent(ctx, &store.Event{Type: "order.created", Payload: []byte(`{}`)}, ds); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.pool.Exec(ctx, `ANALYZE deliveries`); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, f := range []store.DeliveryFilter{
		{Status: store.DeliveryFailed},
		{Status: store.DeliveryFailed, EventPattern: "order.*", AfterSeq: 500},
		{},
	} {
		q, args := requeueMatchingSQL(f, 256, []any{ts(now), 1, "", "", "run", "w", ts(now.Add(time.Minute)), now, false, true, []string{}, false, now})
		rows, err := db.pool.Query(ctx, "EXPLAIN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		got := planText(t, rows)
		if testing.Verbose() {
			t.Logf("%+v:\n%s", f, got)
		}
		lines := strings.Split(got, "\n")
		tries := 0
		for i, l := range lines {
			if !strings.Contains(l, "pg_try_advisory") {
				continue
			}
			tries++
			// (A bitmap heap scan rechecks its condition on each row
			// before the filter.)
			byID := i >= 2 && (strings.HasPrefix(lines[i-2], "->  Index Scan using deliveries_pkey on deliveries u ") && strings.HasPrefix(lines[i-1], "Index Cond: (id = ANY (") ||
				strings.HasPrefix(lines[i-2], "->  Bitmap Heap Scan on deliveries u ") && strings.HasPrefix(lines[i-1], "Recheck Cond: (id = ANY ("))
			if !byID {
				t.Errorf("%+v: plan\n%s\nwant the lease-wait lock tried only on the batch's rows, read by ID", f, got)
			}
		}
		if tries != 1 || strings.Contains(got, "Seq Scan on deliveries u") || strings.Contains(got, "Hash Join") {
			t.Errorf("%+v: plan\n%s\nwant one try of the lease-wait lock, on the batch read by ID", f, got)
		}
	}
}
