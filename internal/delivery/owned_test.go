package delivery

import (
	"strconv"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// The owned queue of an engine that is never quite idle (a steady
// hand-over, serve's or trigger's: one delivery always waiting for a
// worker) reuses the room of what it dispatched: its backing array stays
// the size of the backlog, not of every delivery handed over since the
// queue was last empty (found by bench/soak.sh's reading of the code: it
// grew by a slot per delivery for as long as the queue never emptied).
func TestOwnedQueueStaysCompact(t *testing.T) {
	e := New(newMemStore(), Config{})
	e.init()
	e.running.Store(true)
	work := make(chan job, 1)
	far := time.Now().Add(time.Hour)
	mk := func(i int) job { return job{d: &store.Delivery{ID: strconv.Itoa(i), LeaseExpiresAt: far}} }
	e.hand([]job{mk(0)})
	const n = 100_000
	for i := 1; i <= n; i++ {
		e.hand([]job{mk(i)})
		if got := e.dispatchOwned(work, 1); got != 1 {
			t.Fatalf("dispatch %d: handed %d jobs, want 1", i, got)
		}
		if j := <-work; j.d.ID != strconv.Itoa(i-1) {
			t.Fatalf("dispatch %d: got delivery %s, want %d (first in, first out)", i, j.d.ID, i-1)
		}
	}
	e.ownedMu.Lock()
	queued, room := len(e.owned)-e.ownedHead, cap(e.owned)
	e.ownedMu.Unlock()
	if queued != 1 {
		t.Fatalf("%d queued, want 1", queued)
	}
	if room > 4096 {
		t.Fatalf("the owned queue's array holds %d slots for 1 queued delivery after %d hand-overs: it grows with every delivery", room, n)
	}
}
