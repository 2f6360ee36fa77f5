package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hookctl/hookctl/internal/app"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

func takeover(args []string) int {
	fs := flag.NewFlagSet("takeover", flag.ExitOnError)
	storeURL := fs.String("store", "", "SQLite path, postgres:// URL, or 'pg' for a fresh schema on $HOOKCTL_TEST_POSTGRES")
	events := fs.Int("events", 3000, "events (one delivery each)")
	hookctl := fs.String("hookctl", "hookctl", "hookctl binary")
	_ = fs.Parse(args)
	ctx := context.Background()
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "storebench takeover:", err); return 1 }

	target := *storeURL
	if target == "pg" {
		u, drop, err := pgtest.NewSchema(os.Getenv(pgtest.EnvVar))
		if err != nil {
			return fail(err)
		}
		defer drop()
		target = u
	}
	var received atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		time.Sleep(20 * time.Millisecond)
		received.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	st, err := app.OpenStore(ctx, target)
	if err != nil {
		return fail(err)
	}
	defer st.Close()
	sub := &store.Subscription{CallbackURL: srv.URL + "/webhooks", Events: []string{"*"}, Status: store.StatusEnabled,
		Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "standard"}
	if err := st.CreateSubscription(ctx, sub); err != nil {
		return fail(err)
	}
	for i := 0; i < *events; i++ {
		id := fmt.Sprintf("evt_%07d", i)
		e := &store.Event{ID: id, Type: "card.created", Provider: "standard", ContentType: "application/json",
			Payload: []byte(`{"id":"` + id + `"}`)}
		d := &store.Delivery{SubscriptionID: sub.ID, URL: sub.CallbackURL, MaxAttempts: 5, Schedule: "0s,1s,2s,4s,8s"}
		if err := st.CreateEvent(ctx, e, []*store.Delivery{d}); err != nil {
			return fail(err)
		}
	}
	var procs []*exec.Cmd
	for i := 0; i < 2; i++ {
		c := exec.Command(*hookctl, "worker", "--store", target, "--concurrency", "16", "--poll", "10ms", "-o", "json")
		c.Stdout, c.Stderr = io.Discard, os.Stderr
		if err := c.Start(); err != nil {
			return fail(err)
		}
		procs = append(procs, c)
		defer func() { _ = c.Process.Kill(); _ = c.Wait() }()
	}
	deadline := time.Now().Add(2 * time.Minute)
	for received.Load() < int64(*events/3) {
		if time.Now().After(deadline) {
			return fail(fmt.Errorf("only %d deliveries arrived", received.Load()))
		}
		time.Sleep(2 * time.Millisecond)
	}
	victim := procs[0]
	_ = victim.Process.Signal(syscall.SIGKILL)
	_, _ = victim.Process.Wait()
	killed := time.Now()
	mark := ":" + strconv.Itoa(victim.Process.Pid) + ":"
	pending, err := st.ListDeliveries(ctx, store.DeliveryFilter{Status: store.DeliveryPending})
	if err != nil {
		return fail(err)
	}
	var held []string
	for _, d := range pending {
		if strings.Contains(d.LeaseOwner, mark) {
			held = append(held, d.ID)
		}
	}
	if len(held) == 0 {
		return fail(fmt.Errorf("the killed worker held no leases"))
	}
	// Wait until each is recorded. An attempt started before the kill is
	// the victim's own (its last batch may commit after the kill); the
	// takeover is the survivor's first attempt after it.
	var last time.Duration
	taken := 0
	for _, id := range held {
		for {
			as, err := st.ListAttempts(ctx, id)
			if err != nil {
				return fail(err)
			}
			d, err := st.GetDelivery(ctx, id)
			if err != nil {
				return fail(err)
			}
			var after *store.Attempt
			for _, a := range as {
				if !a.StartedAt.Before(killed) {
					after = a
					break
				}
			}
			if after != nil {
				last = max(last, after.StartedAt.Sub(killed))
				taken++
				break
			}
			if d.Status != store.DeliveryPending {
				break // recorded by the victim's last batch
			}
			if time.Now().After(deadline) {
				return fail(fmt.Errorf("delivery %s never taken over", id))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if taken == 0 {
		return fail(fmt.Errorf("none of the killed worker's %d deliveries needed a takeover", len(held)))
	}
	backend := "sqlite"
	if strings.HasPrefix(target, "postgres") {
		backend = "postgres"
	}
	fmt.Printf("%s\t%.2f\t%d\n", backend, last.Seconds(), taken)
	return 0
}
