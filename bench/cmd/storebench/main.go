// Command storebench measures outbox delivery throughput: deliveries per
// second with K `hookctl worker` processes sharing one store (PostgreSQL),
// or one on SQLite. bench/store.sh runs it.
//
//	storebench run -hookctl BIN -store URL|PATH|pg -workers K -events N
//	storebench takeover -hookctl BIN -store URL|PATH|pg -events N
//
// run enqueues N events (one delivery each, to an in-process receiver
// answering 200), then starts the workers and reports the time until every
// delivery is recorded succeeded.
//
// takeover starts two workers on N events (a receiver taking 20 ms, so
// each worker always has attempts in flight), kills one with SIGKILL a
// third of the way through and reports how long after the kill the last
// delivery it held was sent by the survivor, and how many of its leases
// there were.
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
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookctl/hookctl/internal/app"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/testutil/proccpu"
)

func main() {
	if len(os.Args) >= 2 && os.Args[1] == "run" {
		os.Exit(run(os.Args[2:]))
	}
	if len(os.Args) >= 2 && os.Args[1] == "takeover" {
		os.Exit(takeover(os.Args[2:]))
	}
	fmt.Fprintln(os.Stderr, "usage: storebench {run|takeover} [flags]")
	os.Exit(2)
}

func run(args []string) int {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	storeURL := fs.String("store", "", "SQLite path, postgres:// URL, or 'pg' for a fresh schema on $HOOKCTL_TEST_POSTGRES")
	workers := fs.Int("workers", 1, "worker processes")
	events := fs.Int("events", 10000, "events (one delivery each)")
	concurrency := fs.Int("concurrency", 16, "attempts in flight per worker")
	hookctl := fs.String("hookctl", "hookctl", "hookctl binary")
	_ = fs.Parse(args)
	ctx := context.Background()

	target := *storeURL
	if target == "pg" {
		u, drop, err := pgtest.NewSchema(os.Getenv(pgtest.EnvVar))
		if err != nil {
			fmt.Fprintln(os.Stderr, "storebench:", err)
			return 3
		}
		defer drop()
		target = u
	}
	var received atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		received.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()

	st, err := app.OpenStore(ctx, target)
	if err != nil {
		fmt.Fprintln(os.Stderr, "storebench:", err)
		return 3
	}
	defer st.Close()
	sub := &store.Subscription{CallbackURL: srv.URL + "/webhooks", Events: []string{"*"}, Status: store.StatusEnabled,
		Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "standard"}
	if err := st.CreateSubscription(ctx, sub); err != nil {
		fmt.Fprintln(os.Stderr, "storebench:", err)
		return 1
	}
	start := time.Now()
	var wg sync.WaitGroup
	var enqErr atomic.Value
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < *events; i += 4 {
				id := fmt.Sprintf("evt_%07d", i)
				e := &store.Event{ID: id, Type: "card.created", Provider: "standard", ContentType: "application/json",
					Payload: []byte(`{"id":"` + id + `","type":"card.created","data":{"amount":"12.50","n":` + strconv.Itoa(i) + `}}`)}
				d := &store.Delivery{SubscriptionID: sub.ID, URL: sub.CallbackURL, MaxAttempts: 5, Schedule: "0s,1s,2s,4s,8s"}
				if err := st.CreateEvent(ctx, e, []*store.Delivery{d}); err != nil {
					enqErr.Store(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	if err, ok := enqErr.Load().(error); ok {
		fmt.Fprintln(os.Stderr, "storebench: enqueue:", err)
		return 1
	}
	enqueue := time.Since(start)

	var procs []*exec.Cmd
	server0, self0 := proccpu.PostgresServer(), proccpu.Self()
	start = time.Now()
	for i := 0; i < *workers; i++ {
		c := exec.Command(*hookctl, "worker", "--store", target, "--concurrency", strconv.Itoa(*concurrency), "--poll", "10ms", "-o", "json")
		c.Stdout = io.Discard
		c.Stderr = os.Stderr
		if err := c.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "storebench:", err)
			return 1
		}
		procs = append(procs, c)
	}
	var exited atomic.Int64
	var workerCPU time.Duration
	waited := make(chan struct{})
	go func() {
		for _, c := range procs {
			if err := c.Wait(); err != nil {
				fmt.Fprintf(os.Stderr, "storebench: worker exited: %v\n", err)
			}
			if ps := c.ProcessState; ps != nil {
				workerCPU += ps.UserTime() + ps.SystemTime()
			}
			exited.Add(1)
		}
		close(waited)
	}()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		for _, c := range procs {
			_ = c.Process.Signal(os.Interrupt)
		}
		<-waited
	}
	defer stop()
	deadline := time.Now().Add(5 * time.Minute)
	// Until every delivery has arrived, watch the receiver (free) rather
	// than count in the store, which would compete with the workers.
	for received.Load() < int64(*events) && exited.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	for {
		counts, err := st.CountDeliveries(ctx, store.DeliveryFilter{})
		if err != nil {
			fmt.Fprintln(os.Stderr, "storebench:", err)
			return 1
		}
		if counts[store.DeliverySucceeded] == int64(*events) {
			break
		}
		if counts[store.DeliveryFailed] > 0 || exited.Load() > 0 || time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "storebench: gave up: %v\n", counts)
			return 1
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	server, self := proccpu.PostgresServer()-server0, proccpu.Self()-self0
	stop() // the workers' CPU is known once they exited
	backend := "sqlite"
	if strings.HasPrefix(target, "postgres") {
		backend = "postgres"
	}
	// CPU per delivery in µs: the server (PostgreSQL; 0 for SQLite,
	// which runs inside the worker), the workers, this process (the
	// receiver), measured from the workers' start to the last record.
	perDelivery := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(*events) }
	fmt.Printf("%s\t%d\t%d\t%.0f\t%.0f\t%d\t%.0f\t%.0f\t%.0f\n", backend, *workers, *events,
		float64(*events)/elapsed.Seconds(), float64(*events)/enqueue.Seconds(), received.Load(),
		perDelivery(server), perDelivery(workerCPU), perDelivery(self))
	return 0
}
