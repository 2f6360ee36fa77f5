package sqlite

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// TestCreateEventsCancelledMidTransactionIsCanceled: a trigger's first
// signal cancels its context while a bulk write is in its transaction.
// database/sql then rolls the transaction back on its own, and the next
// statement of the write failed with "sql: statement is closed": trigger
// exited 1 with that (TestTailsigTriggerFirstSignalExitCode saw it once
// in a full run) instead of 130 for the signal. Every such failure is
// the cancellation, and nothing of the write is stored.
func TestCreateEventsCancelledMidTransactionIsCanceled(t *testing.T) {
	s := openTemp(t)
	now := time.Now()
	cancelled := 0
	for round := 0; round < 60; round++ {
		const n = 600
		evs := make([]*store.Event, n)
		ds := make([][]*store.Delivery, n)
		for i := range evs {
			evs[i] = &store.Event{ID: fmt.Sprintf("evt_%d_%d", round, i), Type: "card.created", Payload: []byte(`{"a":1}`)}
			ds[i] = []*store.Delivery{{URL: "http://x", MaxAttempts: 1, Schedule: "0s", NextAttemptAt: now, RunID: "r"}}
		}
		ctx, cancel := context.WithCancel(context.Background())
		// Cancelled at a different point of the write each round.
		time.AfterFunc(time.Duration(round%20)*250*time.Microsecond, cancel)
		err := s.CreateEvents(ctx, evs, ds)
		cancel()
		if err == nil {
			continue
		}
		cancelled++
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("round %d: a write cancelled mid-transaction failed with %q, want context.Canceled", round, err)
		}
		if e, err := s.GetEvent(context.Background(), evs[0].ID); err == nil {
			t.Fatalf("round %d: a cancelled write stored event %s", round, e.ID)
		}
	}
	t.Logf("%d of 60 writes cancelled", cancelled)
}
