// Command seed fills a hookctl store with N deliveries quickly, through the
// Store interface (so it works for SQLite and PostgreSQL alike), for the
// store-at-scale benchmarks. Events go in batches (store.BatchCreator,
// trigger's own writer) when the store has it: one transaction per event
// made seeding 1M deliveries most of bench/run's time.
//
//	seed -store DSN -n 1000000 [-per-event 4] [-failed 0.1] [-url http://127.0.0.1:9/x]
//
// It prints one line: deliveries, events, seconds and the ID of a failed
// delivery with attempts (for `deliveries show`).
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/app"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
)

func main() {
	dsn := flag.String("store", "", "store path or postgres:// URL")
	n := flag.Int("n", 1_000_000, "deliveries to create")
	perEvent := flag.Int("per-event", 4, "deliveries per event")
	failed := flag.Float64("failed", 0.1, "fraction of deliveries that end failed")
	url := flag.String("url", "http://127.0.0.1:9/webhooks", "delivery URL")
	flag.Parse()
	if err := run(*dsn, *n, *perEvent, *failed, *url); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func run(dsn string, n, perEvent int, failedFrac float64, url string) error {
	ctx := context.Background()
	st, err := app.OpenStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	types := []string{"card.created", "transactions", "kyc.verification.success", "card.status.active", "payment.succeeded"}
	payload := []byte(`{"event":"card.created","card":{"card_id":"e5e3a1d2-8a3f-4c61-9b55-2a7bfe1cf1b3","card_account_id":"0f6b1e8e-52b1-4a4c-8d62-3a1a2b5f8e11","customer_id":"931e2341-c3eb-4681-97d4-f6e09d90da14","last_four":"4242","status":"Active"},"occurred_at":"2026-11-23T10:04:12.154286+00:00"}`)
	start := time.Now()
	base := start.Add(-30 * 24 * time.Hour)
	var sampleFailed string
	events, created := 0, 0
	bc, _ := st.(store.BatchCreator)
	var batchEv []*store.Event
	var batchDs [][]*store.Delivery
	flush := func() error {
		if len(batchEv) == 0 {
			return nil
		}
		err := bc.CreateEvents(ctx, batchEv, batchDs)
		batchEv, batchDs = batchEv[:0], batchDs[:0]
		return err
	}
	for created < n {
		k := min(perEvent, n-created)
		e := &store.Event{
			ID: uuid.NewString(), Type: types[events%len(types)], Provider: "bond",
			Payload: payload, ContentType: "application/json",
			CreatedAt: base.Add(time.Duration(created) * 2 * time.Second),
		}
		ds := make([]*store.Delivery, k)
		for i := range ds {
			d := &store.Delivery{URL: url, Schedule: "0s,1s,2s,4s,8s", MaxAttempts: 5, CreatedAt: e.CreatedAt}
			if rand.Float64() < failedFrac {
				d.Status, d.AttemptCount, d.LastStatus, d.LastError = store.DeliveryFailed, 5, 500, "500 Internal Server Error"
			} else {
				d.Status, d.AttemptCount, d.LastStatus = store.DeliverySucceeded, 1, 200
			}
			ds[i] = d
		}
		if bc != nil && sampleFailed != "" {
			batchEv, batchDs = append(batchEv, e), append(batchDs, ds)
			if len(batchEv) >= 1024 {
				if err := flush(); err != nil {
					return err
				}
			}
			created += k
			events++
			continue
		}
		if err := st.CreateEvent(ctx, e, ds); err != nil {
			return err
		}
		for _, d := range ds {
			if d.Status == store.DeliveryFailed && sampleFailed == "" {
				sampleFailed = d.ID
				for a := 1; a <= 5; a++ {
					if err := st.Import(ctx, store.Record{Attempt: &store.Attempt{
						DeliveryID: d.ID, Number: a, StartedAt: e.CreatedAt.Add(time.Duration(a) * time.Second),
						Duration: 3 * time.Millisecond, RequestURL: url, RequestMethod: "POST",
						RequestHeaders: map[string][]string{"Content-Type": {"application/json"}},
						ResponseStatus: 500, ResponseBody: []byte("boom"),
					}}); err != nil {
						return err
					}
				}
			}
		}
		created += k
		events++
	}
	if err := flush(); err != nil {
		return err
	}
	// A bulk load leaves PostgreSQL's new rows without visibility hints or
	// statistics, which the first statements then pay for (a replay of
	// 100k right after seeding 1M ran at a quarter of its rate after a
	// VACUUM). A store in use has had its autovacuum: settle it as one.
	if db, ok := st.(*postgres.DB); ok {
		for _, q := range []string{"VACUUM (ANALYZE)", "CHECKPOINT"} {
			if _, err := db.Pool().Exec(ctx, q); err != nil {
				fmt.Fprintf(os.Stderr, "seed: %s: %v (the figures after it may be lower)\n", q, err)
			}
		}
	}
	fmt.Printf("%d deliveries %d events %.1f s sample-failed %s\n", created, events, time.Since(start).Seconds(), sampleFailed)
	return nil
}
