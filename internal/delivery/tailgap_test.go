package delivery

import (
	"strconv"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

// TestTailStatusFollowsPendingBacklog: with --status failed (or
// succeeded), a delivery of the backlog still pending when the tail
// starts is followed, and reported with its attempts once it settled so;
// one that settles otherwise is not.
func TestTailStatusFollowsPendingBacklog(t *testing.T) {
	t.Parallel()
	for _, status := range []string{store.DeliveryFailed, store.DeliverySucceeded} {
		t.Run(status, func(t *testing.T) {
			f := newTailFixture(t)
			done := f.deliver("card.done", "", 1)
			code := 500
			if status == store.DeliverySucceeded {
				code = 200
			}
			f.attempt(done, code, status)
			slow := f.deliver("card.slow", "", 2)
			f.attempt(slow, 500, store.DeliveryPending)
			other := f.deliver("card.other", "", 2)
			tl := f.tailer(func(tl *Tailer) { tl.Status = status })
			wantItems(t, "backlog", f.got, "card.done delivery sent", "card.done #1 "+strconv.Itoa(code)+" "+status)
			wantItems(t, "pending", f.step(tl))
			f.attempt(slow, code, status)
			otherStatus := store.DeliverySucceeded
			otherCode := 200
			if status == store.DeliverySucceeded {
				otherStatus, otherCode = store.DeliveryFailed, 500
			}
			f.attempt(other, otherCode, otherStatus)
			wantItems(t, "settled", f.step(tl), "card.slow delivery sent", "card.slow #1 500 pending", "card.slow #2 "+strconv.Itoa(code)+" "+status)
			wantItems(t, "after", f.step(tl))
			if len(tl.watch) != 0 {
				t.Errorf("still watching %d", len(tl.watch))
			}
		})
	}
}
