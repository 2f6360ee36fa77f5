package service

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

type got struct {
	header http.Header
	body   []byte
}

func receiver(t *testing.T, status *int) (*httptest.Server, func() []got) {
	var mu sync.Mutex
	var reqs []got
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		reqs = append(reqs, got{r.Header.Clone(), b})
		code := *status
		mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []got { mu.Lock(); defer mu.Unlock(); return append([]got(nil), reqs...) }
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestTriggerPublishReplay drives the Dispatcher with a running engine over
// a real SQLite store and a real receiver: a trigger arrives signed with the
// subscription's secret, a failed delivery is replayed with the same bytes,
// an event nobody subscribes to is refused, and Publish marks deliveries.
func TestTriggerPublishReplay(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	status := 500
	srv, reqs := receiver(t, &status)
	secret, _ := signature.GenerateSecret("bond")
	sub := &store.Subscription{CallbackURL: srv.URL, Events: []string{"card.*"}, Status: store.StatusEnabled, Secret: secret, Scheme: "auto", Provider: "bond"}
	if err := st.CreateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load(catalog.Options{FixturesDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	eng := delivery.New(st, delivery.Config{Timeout: 2 * time.Second, Concurrency: 2})
	go eng.Run(ctx, nil)
	d := &Dispatcher{Store: st, Catalog: cat, Engine: eng, Schedule: delivery.Schedule{0}}

	p, err := d.Trigger(ctx, TriggerInput{Type: "card.created", Overrides: []catalog.Override{{Op: "set-string", Path: "card.last_four", Value: "4242"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Deliveries) != 1 || p.Deliveries[0].SubscriptionID != sub.ID || p.Event.Source != store.SourceTriggered {
		t.Fatalf("published %+v", p.Deliveries)
	}
	waitFor(t, "first attempt", func() bool { return len(reqs()) == 1 })
	first := reqs()[0]
	sch, _ := signature.Lookup("bond")
	if err := sch.Verify(signature.VerifyInput{Secrets: []string{secret}, Header: first.header, Body: first.body, Now: time.Now()}); err != nil {
		t.Fatalf("delivery not signed with the subscription's secret: %v", err)
	}
	id := p.Deliveries[0].ID
	waitFor(t, "failed status", func() bool {
		dl, _ := st.GetDelivery(ctx, id)
		return dl != nil && dl.Status == store.DeliveryFailed
	})

	status = 200
	ids, err := d.Replay(ctx, []string{id}, store.Requeue{})
	if err != nil || len(ids) != 1 {
		t.Fatalf("replay: %v %v", ids, err)
	}
	waitFor(t, "replay", func() bool { return len(reqs()) == 2 })
	if string(reqs()[1].body) != string(first.body) {
		t.Errorf("replay changed the bytes:\n%s\n%s", reqs()[1].body, first.body)
	}
	waitFor(t, "succeeded status", func() bool {
		dl, _ := st.GetDelivery(ctx, id)
		return dl != nil && dl.Status == store.DeliverySucceeded
	})

	if _, err := d.Trigger(ctx, TriggerInput{Type: "kyc.verification.success"}); !errors.Is(err, ErrNoTarget) {
		t.Errorf("event nobody subscribes to: %v", err)
	}
	if _, err := d.Trigger(ctx, TriggerInput{Type: "card.nosuch"}); err == nil {
		t.Error("unknown event accepted")
	}

	ev := &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{"event":"card.created"}`), ContentType: "application/json", Source: store.SourceCheck}
	p2, err := d.Publish(ctx, ev, Target{URL: srv.URL, Secret: secret, Kind: store.KindProbe, OriginID: id})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "ad hoc publish", func() bool { return len(reqs()) == 3 })
	dl, err := st.GetDelivery(ctx, p2.Deliveries[0].ID)
	if err != nil || dl.Kind != store.KindProbe || dl.OriginID != id || dl.SubscriptionID != "" || ev.ID == "" {
		t.Errorf("ad hoc delivery %+v %v", dl, err)
	}
	if string(reqs()[2].body) != `{"event":"card.created"}` {
		t.Errorf("publish changed the payload: %s", reqs()[2].body)
	}
}

// Replay of a delivery the engine is sending right now (serve's Svix
// resend, Mambu resend, the control API, the inspector's Replay) leaves it
// to the engine: it was requeued under the engine's feet, a second copy
// went out at the same time and the two attempts collided.
func TestReplayLeavesADeliveryInFlight(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var requests sync.WaitGroup
	var n sync.Mutex
	count := 0
	inFlight := make(chan struct{}, 1)
	hold := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		defer requests.Done()
		n.Lock()
		count++
		n.Unlock()
		select {
		case inFlight <- struct{}{}:
		default:
		}
		<-hold
	}))
	defer srv.Close()
	sub := &store.Subscription{CallbackURL: srv.URL, Events: []string{"card.*"}, Status: store.StatusEnabled, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "standard"}
	if err := st.CreateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load(catalog.Options{FixturesDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	eng := delivery.New(st, delivery.Config{Timeout: 20 * time.Second, Concurrency: 2})
	go eng.Run(ctx, nil)
	d := &Dispatcher{Store: st, Catalog: cat, Engine: eng, Schedule: delivery.Schedule{0}}
	p, err := d.Trigger(ctx, TriggerInput{Type: "card.created"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-inFlight:
	case <-time.After(10 * time.Second):
		t.Fatal("the engine did not send")
	}
	id := p.Deliveries[0].ID
	ids, err := d.Replay(ctx, []string{id}, store.Requeue{Force: true})
	if err != nil || len(ids) != 0 {
		t.Errorf("replay of a delivery in flight: %v %v, want nothing requeued", ids, err)
	}
	time.Sleep(200 * time.Millisecond) // a second copy, if any, goes out now
	close(hold)
	waitFor(t, "succeeded status", func() bool {
		dl, _ := st.GetDelivery(ctx, id)
		return dl != nil && dl.Status == store.DeliverySucceeded
	})
	requests.Wait()
	n.Lock()
	defer n.Unlock()
	if count != 1 {
		t.Errorf("the receiver got %d requests, want 1", count)
	}
	if as, _ := st.ListAttempts(ctx, id); len(as) != 1 {
		t.Errorf("%d attempts recorded, want 1", len(as))
	}
}
