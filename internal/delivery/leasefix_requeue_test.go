package delivery

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// TestLeasefixSteppedClockOwnRequeueSQLite: an engine is sending a slow
// delivery (serve's, the inspector's) when its process's wall clock steps
// an hour forward, and a replay of that delivery is asked of the same
// engine (serve's resend and replay endpoints, the inspector's Replay:
// Dispatcher.Replay, Unheld). On SQLite the store tells a live owner's
// lease by its lock file, but not one of its own Store's owners: to the
// stepped clock the engine's own lease looked expired, so the delivery
// was requeued, handed to the workers again and sent a second time while
// its first attempt was in flight. The engine knows what it holds: it is
// left to it (not requeued), and sent once.
//
// The receiver holds the request until the replay was asked: with a fixed
// 1.5 s answer (and the engine's 2 s timeout) a loaded machine let the
// attempt end, or time out and be retried, before the replay was asked
// (flakehunt3: seen to fail once, under load).
func TestLeasefixSteppedClockOwnRequeueSQLite(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var requests, inflight atomic.Int32
	held := make(chan struct{})
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(held) }) }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		inflight.Add(1)
		defer inflight.Add(-1)
		io.Copy(io.Discard, r.Body)
		<-held
	}))
	defer srv.Close()
	defer release() // before srv.Close, which waits for the held request
	d := Plan{}.AdHoc(srv.URL, "", "", time.Now())
	if err := Enqueue(ctx, st, &store.Event{ID: "evt_self", Type: "x", Payload: []byte("{}")}, []*store.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	e := newEngine(st, "", 2)
	// The attempt lasts until released: no timeout ends it meanwhile.
	e.Sender.Client = NewHTTPClient(time.Minute, 2)
	var ahead atomic.Int64
	e.Now = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	var results atomic.Int32
	e.OnResult = func(Result) { results.Add(1) }
	rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Run(rctx, nil)
	}()
	for inflight.Load() == 0 {
		if rctx.Err() != nil {
			t.Fatal("the delivery was not sent")
		}
		time.Sleep(5 * time.Millisecond)
	}
	ahead.Store(int64(time.Hour)) // the wall clock steps forward
	got, err := e.RequeueIDs(ctx, []string{d.ID}, store.Requeue{Unheld: true, ExtraAttempts: 1, Schedule: "0s", Now: e.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("the engine's own delivery in flight was requeued (%v) after a clock step, want it left to its attempt", got)
	}
	release()
	for {
		g, err := st.GetDelivery(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if g.Status != store.DeliveryPending && inflight.Load() == 0 {
			break
		}
		if rctx.Err() != nil {
			t.Fatalf("still %s", g.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // a second copy handed over would be on its way
	cancel()
	<-done
	if n := requests.Load(); n != 1 {
		t.Errorf("the delivery was sent %d times, want 1", n)
	}
}
