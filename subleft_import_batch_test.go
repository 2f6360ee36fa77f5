package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestSubleftImportBigBatchPostgres: `store import --batch-size 50000`
// (at least; twice the server's lock table) of a newer export of a history whose deliveries were in flight (leased
// to a worker, their leases ended since) refreshes every one of them in
// one transaction on a PostgreSQL server with its default lock table
// (.ci/pg.sh's). The refresh tried each such row's lease-wait lock, an
// advisory lock held until the commit: a batch refreshing more rows than
// the server's lock table holds (max_locks_per_transaction ×
// connections, some 14,000 with 200 connections) failed with "out of
// shared memory (SQLSTATE 53200)", nothing written, at every try.
// (internal/store/postgres: TestSubleftImportOneBatchOverManyEndedLeases,
// the same in a few seconds, without HOOKCTL_LONG.)
func TestSubleftImportBigBatchPostgres(t *testing.T) {
	slowFaultTest(t, "100,000 records imported, then 50,000 refreshed (~30 s)")
	t.Parallel()
	u := pgtest.URL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	var slots int
	err = conn.QueryRow(ctx, `SELECT current_setting('max_locks_per_transaction')::int *
		(current_setting('max_connections')::int + current_setting('max_prepared_transactions')::int +
		 current_setting('autovacuum_max_workers')::int + current_setting('max_worker_processes')::int +
		 current_setting('max_wal_senders')::int + 1)`).Scan(&slots)
	conn.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// n deliveries refreshed by one batch of n records: at least 50,000,
	// and twice what the server's lock table holds.
	n := max(50000, 2*slots)
	if n > 100000 {
		t.Skipf("the server's lock table has %d slots: too many rows to fill it", slots)
	}
	c := pgEnv(t, u)
	c.hookctl(0, "store", "migrate")
	const sub = "5b1e0000-0000-4000-8000-000000000001"
	// The first file: the subscription, n events, n deliveries; the
	// second: newer copies of the n deliveries alone (stored deliveries
	// need not have their events in the file).
	write := func(name string, newer bool) string {
		t.Helper()
		file := filepath.Join(c.dir, name)
		f, err := os.Create(file)
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriter(f)
		created := time.Now().UTC().Add(-2 * time.Hour).Format(time.RFC3339Nano)
		leaseEnd := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339Nano)
		updated := time.Now().UTC().Add(-90 * time.Minute).Format(time.RFC3339Nano)
		fmt.Fprintf(w, `{"hookctl_dump":{"version":2,"exported_at":%q,"store":"postgres"}}`+"\n", updated)
		if !newer {
			fmt.Fprintf(w, `{"subscription":{"webhook_id":%q,"callback_url":"http://127.0.0.1:9/hook","events":["*"],"status":"enabled","secret":"whsec_rWG3M+hH9Hyo11Y+IhGuN84ZpgeMXqoWTupULl8daKU=","scheme":"auto","date_created":%q,"updated_at":%q}}`+"\n", sub, created, created)
		}
		for i := range n {
			if newer {
				break
			}
			fmt.Fprintf(w, `{"event":{"id":"evt_subleft_%07d","type":"payment_intent.succeeded","provider":"stripe","source":"triggered","created_at":%q,"content_type":"application/json","payload_text":"{}"}}`+"\n", i, created)
		}
		for i := range n {
			var d string
			if newer {
				// The same deliveries, later: failed, no lease.
				d = fmt.Sprintf(`"status":"failed","attempt_count":1,"max_attempts":1,"schedule":"0s","last_error":"refreshed","updated_at":%q`,
					time.Now().UTC().Add(-time.Minute).Format(time.RFC3339Nano))
			} else {
				// In flight when exported: pending, leased to a worker
				// of another host whose lease has ended.
				d = fmt.Sprintf(`"status":"pending","attempt_count":0,"max_attempts":1,"schedule":"0s","next_attempt_at":%q,"lease_owner":"far-host:4242:0badcafe","lease_expires_at":%q,"updated_at":%q`,
					created, leaseEnd, updated)
			}
			fmt.Fprintf(w, `{"delivery":{"id":"dlv_subleft_%07d","seq":%d,"event_id":"evt_subleft_%07d","subscription_id":%q,"url":"http://127.0.0.1:9/hook","created_at":%q,%s}}`+"\n",
				i, i+1, i, sub, created, d)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return file
	}
	first, second := write("first.jsonl", false), write("second.jsonl", true)
	type result struct {
		Written   map[string]int64 `json:"written"`
		Refreshed int64            `json:"refreshed_deliveries"`
	}
	var got result
	if err := json.Unmarshal(c.hookctl(0, "store", "import", first, "--batch-size", "50000", "-o", "json"), &got); err != nil {
		t.Fatal(err)
	}
	if got.Written["deliveries"] != int64(n) {
		t.Fatalf("first import wrote %v, want %d deliveries", got.Written, n)
	}
	// What failed: n rows refreshed in one transaction, n above the
	// server's lock table.
	if err := json.Unmarshal(c.hookctl(0, "store", "import", second, "--batch-size", strconv.Itoa(n), "-o", "json"), &got); err != nil {
		t.Fatal(err)
	}
	if got.Refreshed != int64(n) {
		t.Fatalf("second import refreshed %d deliveries, want %d (the lock table has %d slots)", got.Refreshed, n, slots)
	}
	var d struct {
		Status     string `json:"status"`
		LastError  string `json:"last_error"`
		LeaseOwner string `json:"lease_owner"`
	}
	if err := json.Unmarshal(c.hookctl(0, "deliveries", "show", fmt.Sprintf("dlv_subleft_%07d", n-1), "-o", "json"), &d); err != nil {
		t.Fatal(err)
	}
	if d.Status != "failed" || d.LastError != "refreshed" || d.LeaseOwner != "" {
		t.Errorf("the last delivery after the import: %+v; want failed and not leased", d)
	}
}
