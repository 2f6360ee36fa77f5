package delivery

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

func TestTailfixSaysRequeuesLostSQLite(t *testing.T) {
	t.Parallel()
	st := openSQLite(t)
	path := st.(interface{ Path() string }).Path()
	testTailfixSaysRequeuesLost(t, st, func(n int) {
		db, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			INSERT INTO requeues (delivery_id, attempts) SELECT 'x', 0 FROM n`, n); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTailfixSaysRequeuesLostPostgres(t *testing.T) {
	t.Parallel()
	u := pgtest.URL(t)
	st, err := postgres.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	testTailfixSaysRequeuesLost(t, st, func(n int) {
		conn, err := pgx.Connect(t.Context(), u)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(t.Context())
		if _, err := conn.Exec(t.Context(), `INSERT INTO requeues (delivery_id, attempts) SELECT 'x', 0 FROM generate_series(1, $1)`, n); err != nil {
			t.Fatal(err)
		}
	})
}

// testTailfixSaysRequeuesLost: a tail more than store.RequeueLogKeep
// requeues behind (fill appends that many entries of a delivery that does
// not exist, as other replays would) has lost the entries the next
// requeue's prune deleted: it says how many once, at the tick it finds
// out, and the entries lost after that while it is still behind once
// more when it caught up; the replays still in the log are shown, and
// nothing is said while the tail keeps up. Before, the lost ones were
// left out silently.
func testTailfixSaysRequeuesLost(t *testing.T, st store.Store, fill func(n int)) {
	f := newTailFixtureOn(t, st)
	ids := map[string]string{}
	for _, typ := range []string{"card.a", "card.b", "card.c", "card.d"} {
		ids[typ] = f.deliver(typ, "", 1)
		f.attempt(ids[typ], 500, store.DeliveryFailed)
	}
	// The settled deliveries it printed are not re-read (Recheck): their
	// replays are found through the log only.
	var said []string
	tl := f.tailer(func(tl *Tailer) {
		tl.Lines, tl.Recheck, tl.checked = 0, time.Hour, time.Now()
		tl.OnLost = func(n int64, more, upTo bool) {
			if _, gaps := st.(store.RequeueCommitLog); upTo != gaps {
				t.Errorf("upTo %v on %T, want %v (an upper bound where ids commit out of order)", upTo, st, gaps)
			}
			said = append(said, fmt.Sprintf("%d lost, more %v", n, more))
		}
	})
	replayed := func(typ string) {
		f.replay(ids[typ], 1)
		f.attempt(ids[typ], 200, store.DeliverySucceeded)
	}
	// catchUp steps until a step reads less than the requeue log holds.
	catchUp := func() []string {
		var got []string
		for range 100 {
			got = append(got, f.step(tl)...)
			if !tl.rqFull {
				return got
			}
		}
		t.Fatal("not caught up after 100 steps")
		return nil
	}
	replayed("card.a")
	wantItems(t, "a replay while the tail keeps up", catchUp(), "card.a #2 200 succeeded")

	// Behind by more than the log keeps: a's replay and the first filler
	// are pruned by b's.
	replayed("card.a")
	fill(store.RequeueLogKeep)
	replayed("card.b")
	wantItems(t, "the tick that finds it behind", f.step(tl))
	wantItems(t, "said at once", said, "2 lost, more false")
	wantItems(t, "the replay still in the log", catchUp(), "card.b #2 200 succeeded")
	wantItems(t, "said once", said, "2 lost, more false")

	// Behind again, and more pruned before it caught up: c's replay and
	// the entries of the first fill after the first step's 5 pages.
	said = nil
	fill(store.RequeueLogKeep)
	replayed("card.c") // prunes the first filler
	wantItems(t, "behind again", f.step(tl))
	wantItems(t, "said at once", said, "1 lost, more false")
	fill(store.RequeueLogKeep)
	replayed("card.d") // prunes the rest of the first fill, and c's entry
	wantItems(t, "the replay still in the log", catchUp(), "card.d #2 200 succeeded")
	// The first fill, c's entry and the second fill's first filler, less
	// the filler said and the entries the first step read.
	lost := store.RequeueLogKeep + 2 - 1 - tailPages*tailPage
	wantItems(t, "the rest said once caught up", said, "1 lost, more false", fmt.Sprintf("%d lost, more true", lost))

	said = nil
	replayed("card.a")
	wantItems(t, "a replay while the tail keeps up", catchUp(), "card.a #4 200 succeeded")
	wantItems(t, "nothing said", said)
}
