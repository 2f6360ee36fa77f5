package delivery

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// BenchmarkDriveSQLite measures a trigger-like run end to end on the real
// SQLite store: enqueue (one transaction per event), claim, send to a
// minimal receiver, record each attempt. b.N deliveries at concurrency 64.
func BenchmarkDriveSQLite(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	st := openSQLiteB(b)
	ctx := context.Background()
	sub := &store.Subscription{CallbackURL: srv.URL, Status: store.StatusEnabled, Events: []string{"*"}, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "standard"}
	st.CreateSubscription(ctx, sub)
	runID := NewRunID()
	e := New(st, Config{Concurrency: 64, RunID: runID})
	plan := Plan{Schedule: Schedule{0}, RunID: runID}
	body := []byte(`{"type":"card.created","timestamp":"2026-11-23T10:00:00Z","data":{"id":"card_123","amount":1250}}`)
	b.ResetTimer()
	out, err := Drive(ctx, e, 0, func(ctx context.Context, add func(int)) error {
		var evs []*store.Event
		var dss [][]*store.Delivery
		flush := func() error {
			if err := e.Enqueue(ctx, evs, dss); err != nil {
				return err
			}
			add(len(evs))
			evs, dss = evs[:0], dss[:0]
			return nil
		}
		for i := range b.N {
			ev := &store.Event{ID: fmt.Sprintf("evt_%d", i), Type: "card.created", Provider: "standard", Payload: body, Source: store.SourceTriggered}
			evs = append(evs, ev)
			dss = append(dss, []*store.Delivery{plan.NewDelivery(sub, time.Now())})
			if len(evs) == 64 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return flush()
	})
	if err != nil || out.Enqueued != int64(b.N) {
		b.Fatal(out, err)
	}
	// What not sending an expunged payload from the cache costs: the
	// reads of the store's expunge mark, and of events again (none here:
	// nothing is expunged).
	evs, marks := e.EventRereads()
	b.ReportMetric(float64(evs)/float64(b.N), "rereads/op")
	b.ReportMetric(float64(marks)/float64(b.N), "markreads/op")
}

func openSQLiteB(b *testing.B) store.Store { return openSQLite(b) }
