package worker

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// retrySetMin is how many deliveries left to retry a worker remembers
// before it looks up which of them another process finished.
const retrySetMin = 4096

// retrySet holds the deliveries whose last attempt here left a retry
// pending: the exit summary's "to retry", checked against the store then
// (another worker, a replay or a prune may have finished or removed
// them). A worker that runs for days beside other workers would otherwise
// remember every delivery whose retry another one sent: past its limit it
// looks them up, counts those no longer pending as finished elsewhere and
// forgets them; the limit then doubles over what is really still pending
// here (a long retry schedule), so the look-ups stay rare.
type retrySet struct {
	st        store.Store
	mu        sync.Mutex
	ids       map[string]bool
	limit     int
	pruning   bool
	elsewhere int64 // forgotten: finished by another process
}

func newRetrySet(st store.Store) *retrySet {
	return &retrySet{st: st, ids: map[string]bool{}, limit: retrySetMin}
}

// settled forgets id (its attempt here settled or retried it) and reports
// whether it was waiting for a retry.
func (s *retrySet) settled(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ids[id] {
		return false
	}
	delete(s.ids, id)
	return true
}

// await remembers id as left to retry; past the limit, the caller looks
// up the set in the store first (one caller at a time, outside the lock).
func (s *retrySet) await(ctx context.Context, id string) {
	s.mu.Lock()
	s.ids[id] = true
	if len(s.ids) < s.limit || s.pruning {
		s.mu.Unlock()
		return
	}
	s.pruning = true
	ids := s.snapshot()
	s.mu.Unlock()
	done := finishedElsewhere(ctx, s.st, ids)
	s.mu.Lock()
	for _, id := range done {
		if s.ids[id] {
			delete(s.ids, id)
			s.elsewhere++
		}
	}
	s.limit = max(retrySetMin, 2*len(s.ids))
	s.pruning = false
	s.mu.Unlock()
}

func (s *retrySet) snapshot() []string {
	ids := make([]string, 0, len(s.ids))
	for id := range s.ids {
		ids = append(ids, id)
	}
	return ids
}

// finish returns how many of the deliveries it held another process
// finished (or removed): those forgotten so far and those found now.
func (s *retrySet) finish(ctx context.Context) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.elsewhere + int64(len(finishedElsewhere(ctx, s.st, s.snapshot())))
}

// size is how many deliveries it holds.
func (s *retrySet) size() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ids)
}

// finishedElsewhere returns the deliveries of ids no longer pending in the
// store (finished by another process, or removed), looked up within 5 s;
// a store it cannot read finds none more.
func finishedElsewhere(ctx context.Context, st store.Store, ids []string) []string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var done []string
	if insp, ok := st.(store.Inspector); ok {
		for len(ids) > 0 {
			batch := ids[:min(len(ids), 500)]
			ids = ids[len(batch):]
			rows, err := insp.InspectByIDs(ctx, batch)
			if err != nil {
				return done
			}
			pending := make(map[string]bool, len(rows))
			for _, r := range rows {
				if r.Status == store.DeliveryPending {
					pending[r.ID] = true
				}
			}
			for _, id := range batch {
				if !pending[id] {
					done = append(done, id)
				}
			}
		}
		return done
	}
	for _, id := range ids {
		d, err := st.GetDelivery(ctx, id)
		var nf *store.NotFoundError
		switch {
		case errors.As(err, &nf):
			done = append(done, id)
		case err != nil:
			return done
		case d.Status != store.DeliveryPending:
			done = append(done, id)
		}
	}
	return done
}
