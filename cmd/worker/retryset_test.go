package worker

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

// statusStore answers InspectByIDs from a map of statuses (unknown IDs
// are left out, as the real stores do).
type statusStore struct {
	store.Store
	store.Inspector
	mu     sync.Mutex
	status map[string]string
}

func (s *statusStore) InspectByIDs(_ context.Context, ids []string) ([]*store.DeliveryRow, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var rows []*store.DeliveryRow
	for _, id := range ids {
		if st, ok := s.status[id]; ok {
			rows = append(rows, &store.DeliveryRow{Delivery: &store.Delivery{ID: id, Status: st}})
		}
	}
	return rows, nil
}

// A worker running beside others remembers the deliveries it left to
// retry only while they are pending: those whose retry another process
// sent (or that a prune removed) are counted as finished elsewhere and
// forgotten, so the set does not grow with every retry the worker ever
// scheduled (found by reading the worker for bench/soak.sh: the map only
// shrank when this worker itself made the next attempt).
func TestRetrySetForgetsWhatOthersFinished(t *testing.T) {
	st := &statusStore{status: map[string]string{}}
	s := newRetrySet(st)
	const n, keep = 60_000, 3_000 // keep: still pending here (a long retry schedule)
	ctx := context.Background()
	for i := range n {
		id := "d" + strconv.Itoa(i)
		switch {
		case i < keep:
			st.status[id] = store.DeliveryPending
		case i%2 == 0:
			st.status[id] = store.DeliverySucceeded // another worker sent the retry
		default: // removed (store prune, a deleted subscription)
		}
		s.await(ctx, id)
	}
	if got, most := s.size(), 2*max(keep, retrySetMin); got > most {
		t.Fatalf("the worker remembers %d deliveries to retry, %d of them still pending: want at most %d", got, keep, most)
	}
	if got := s.finish(ctx); got != n-keep {
		t.Fatalf("finished elsewhere: %d, want %d", got, n-keep)
	}
}
