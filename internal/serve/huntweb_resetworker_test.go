package serve_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestHuntwebResetStopsAnotherWorkersHeldSends: `serve --no-worker` and
// a worker of another process (an engine of its own on the same store)
// that holds a delivery in memory, queued behind an attempt to a
// receiver that hangs past the reset's wait. Before, once the reset had
// emptied the store and answered, the worker sent the held one when the
// hanging attempt ended: into the next test's receiver. Now the reset
// moves the store's expunge mark, the worker reads the event again
// before sending and, finding it gone, sends nothing. (No subscription:
// an ad-hoc delivery, `trigger --url`, whose sending no subscription
// read stops.)
func TestHuntwebResetStopsAnotherWorkersHeldSends(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			var e *servetest.Env
			opt := func(o *serve.Options) { o.AllowReset, o.NoWorker = true, true }
			if backend == "postgres" {
				pgtest.ServerURL(t)
				st, err := postgres.Open(context.Background(), pgtest.URL(t))
				if err != nil {
					t.Fatal(err)
				}
				e = servetest.StartWith(t, st, opt)
			} else {
				e = servetest.Start(t, opt)
			}
			var (
				mu       sync.Mutex
				arrivals []string
			)
			first := make(chan struct{}, 1)
			release := make(chan struct{})
			var n atomic.Int32
			recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				mu.Lock()
				arrivals = append(arrivals, r.URL.Path)
				mu.Unlock()
				if n.Add(1) == 1 {
					first <- struct{}{}
					select {
					case <-release:
					case <-r.Context().Done():
					}
				}
			}))
			defer recv.Close()
			ctx := context.Background()
			now := time.Now()
			ev := &store.Event{ID: "evt_huntweb_held", Type: "card.created", Provider: "bond", Payload: []byte(`{"id":"evt_huntweb_held"}`),
				ContentType: "application/json", Source: store.SourceTriggered, CreatedAt: now}
			var ds []*store.Delivery
			for _, path := range []string{"/first", "/held"} {
				ds = append(ds, &store.Delivery{ID: "d" + path[1:], EventID: ev.ID, URL: recv.URL + path, Scheme: "standard",
					Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Status: store.DeliveryPending, MaxAttempts: 1, Schedule: "0s",
					NextAttemptAt: now.Add(-time.Second), CreatedAt: now, UpdatedAt: now})
			}
			ds[1].NextAttemptAt = now.Add(-time.Second / 2) // claimed second
			if err := e.Store.CreateEvent(ctx, ev, ds); err != nil {
				t.Fatal(err)
			}
			// The other process's worker: one send at a time, so the
			// second delivery waits in its memory, claimed.
			w := delivery.New(e.Store, delivery.Config{Concurrency: 1, Timeout: time.Minute})
			wctx, stop := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- w.Run(wctx, nil) }()
			defer func() {
				stop()
				<-done
			}()
			defer close(release)
			select {
			case <-first:
			case <-time.After(30 * time.Second):
				t.Fatal("the worker sent nothing in 30 s")
			}
			if code, body := e.Do("POST", "/_hookctl/reset", nil, nil); code != 200 {
				t.Fatalf("reset: %d %s", code, body)
			}
			// The hanging attempt ends; the worker is then free to send
			// what it holds, and would within milliseconds.
			release <- struct{}{}
			time.Sleep(time.Second)
			mu.Lock()
			defer mu.Unlock()
			for _, p := range arrivals {
				if p == "/held" {
					t.Errorf("the delivery the worker held was sent after the reset emptied the store (arrivals %v)", arrivals)
				}
			}
		})
	}
}
