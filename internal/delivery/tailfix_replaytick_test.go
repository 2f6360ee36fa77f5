package delivery

import (
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

func TestTailfixReplayOfFollowedSameTickSQLite(t *testing.T) {
	testTailfixReplayOfFollowedSameTick(t, openSQLite(t))
}

func TestTailfixReplayOfFollowedSameTickPostgres(t *testing.T) {
	testTailfixReplayOfFollowedSameTick(t, openPostgres(t))
}

// testTailfixReplayOfFollowedSameTick: a replay of a delivery the tail
// follows as pending (its retry an hour away: not read at every tick) is
// printed at the tick that reads its requeue log entry, not one tick
// later; that tick reads the delivery once, and a tick with nothing
// requeued reads no delivery by ID. Ticks are steps of the Tailer: no
// clock is involved. Before, the followed deliveries were read before the
// requeue log, and the replay's attempt waited for the next tick.
func testTailfixReplayOfFollowedSameTick(t *testing.T, st store.Store) {
	f := newTailFixtureOn(t, st)
	insp := &countingInspector{Inspector: f.st.(store.Inspector)}
	// The settled ones are not re-read meanwhile (Recheck): the reads
	// counted are those of the followed ones and of the requeue log's.
	tl := f.tailer(func(tl *Tailer) { tl.Lines = 0; tl.Insp = insp; tl.Recheck, tl.checked = time.Hour, time.Now() })
	a := f.deliver("card.a", "", 3)
	b := f.deliver("card.b", "", 3)
	wantItems(t, "new deliveries", f.step(tl), "card.a delivery sent", "card.b delivery sent")
	f.retryAt(a, time.Now().Add(time.Hour))
	f.retryAt(b, time.Now().Add(time.Hour))
	wantItems(t, "their first attempts", f.step(tl), "card.a #1 500 pending", "card.b #1 500 pending")
	insp.rows = 0
	wantItems(t, "waiting for their retries", f.step(tl))
	if insp.rows != 0 {
		t.Errorf("a tick with nothing requeued read %d deliveries by ID, want none", insp.rows)
	}

	// Replayed and sent between two ticks: printed at the next one.
	f.replay(a, 1)
	f.attempt(a, 200, store.DeliverySucceeded)
	insp.rows = 0
	wantItems(t, "the tick that reads the requeue", f.step(tl), "card.a #2 200 succeeded")
	if insp.rows != 1 {
		t.Errorf("the tick read %d deliveries by ID, want 1 (the one replayed)", insp.rows)
	}
	wantItems(t, "the tick after", f.step(tl))

	// Requeued at one tick, its attempt recorded before the next: due
	// now, it is read at every tick until then.
	f.replay(b, 1)
	wantItems(t, "requeued, not sent yet", f.step(tl))
	f.attempt(b, 200, store.DeliverySucceeded)
	wantItems(t, "sent", f.step(tl), "card.b #2 200 succeeded")
	insp.rows = 0
	wantItems(t, "after", f.step(tl))
	if insp.rows != 0 {
		t.Errorf("a tick after both settled read %d deliveries by ID, want none", insp.rows)
	}
}
