//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/app"
	"github.com/hookctl/hookctl/internal/store"
)

// The listings that can print a whole store (events log and deliveries
// list with --limit 0, as a table and as -o json) read it a page at a
// time: their peak memory does not grow with the store. Before, they held
// every row, then every output value: over 500,000 events, 2.5 GB (events
// log) and 3.4 GB (deliveries list) of RSS.
func TestBigstoreListsStreamInBoundedMemory(t *testing.T) {
	bigstoreListsRSS(t, 20_000)
}

// The same over 200,000 events: a bound that holds at ten times the rows.
func TestBigstoreListsStreamInBoundedMemoryLong(t *testing.T) {
	slowFaultTest(t, "200,000 events listed whole")
	bigstoreListsRSS(t, 200_000)
}

// bigstoreListsRSS runs the listings over n events of ~2 KiB bodies.
func bigstoreListsRSS(t *testing.T, n int) {
	bigstoreRSS(t, n, 2000, [][]string{
		{"events", "log", "--limit", "0"},
		{"events", "log", "--limit", "0", "-o", "json"},
		{"deliveries", "list", "--limit", "0"},
		{"deliveries", "list", "--limit", "0", "-o", "json"},
	})
}

// events log reads no bodies: a page of 1,000 events of 64 KiB held 64
// MB of payloads it never shows (listen takes bodies up to 1 MiB: 1 GB).
func TestBigstoreEventsLogReadsNoBodies(t *testing.T) {
	bigstoreRSS(t, 2000, 64<<10, [][]string{
		{"events", "log", "--limit", "0"},
		{"events", "log", "--limit", "0", "-o", "json"},
	})
}

// bigstoreRSS seeds n events of one delivery each, the event's payload
// of body bytes and the delivery's headers of ~2 KiB, and runs each
// listing whole, piped, checking its row count and that its peak RSS is
// within a bound of a 10-row listing's.
func bigstoreRSS(t *testing.T, n, body int, listings [][]string) {
	if raceBuild {
		t.Skip("a race-built hookctl's memory is the detector's: the bound is for a plain build")
	}
	bin := hookctlBinary(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "hookctl.db")
	seedBigstore(t, db, n, body)

	run := func(args ...string) (rows int, maxrssKB int64) {
		t.Helper()
		c := exec.Command(bin, args...)
		c.Env = []string{"HOME=" + dir, "HOOKCTL_CONFIG_DIR=" + filepath.Join(dir, "config"), "HOOKCTL_STORE=" + db, "NO_COLOR=1"}
		var stderr bytes.Buffer
		c.Stderr = &stderr
		out, err := c.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		// Counted as they come, not kept: the test's own memory is not
		// the point, and a listing of 200,000 is ~100 MB of JSON.
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		json := strings.Contains(strings.Join(args, " "), "-o json")
		for sc.Scan() {
			// A JSON array's elements open at two spaces ("  {").
			if !json || sc.Text() == "  {" {
				rows++
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		if err := c.Wait(); err != nil {
			t.Fatalf("hookctl %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage)
		if !ok {
			t.Fatal("no rusage")
		}
		t.Logf("hookctl %s: %d rows, %.1f s, peak RSS %d MB", strings.Join(args, " "), rows, time.Since(start).Seconds(), ru.Maxrss>>10)
		return rows, ru.Maxrss
	}
	_, base := run("events", "log", "--limit", "10", "-o", "json")
	// A page is 1,000 rows of ~2 KiB read, then written: a few MB of
	// rows and their garbage on top of a 10-row listing's (measured: 0–3
	// MB at 20,000 and at 200,000 rows). The old code took 60–190 MB more
	// at 20,000 rows (every row held, then every output value).
	const boundKB = 25 << 10
	for _, args := range listings {
		rows, rss := run(args...)
		if rows != n {
			t.Errorf("hookctl %s: %d rows, want %d", strings.Join(args, " "), rows, n)
		}
		if rss-base > boundKB {
			t.Errorf("hookctl %s over %d events: peak RSS %d MB, %d MB above a 10-row listing's (bound %d MB): it holds the listing (or bodies it does not show), not a page of rows",
				strings.Join(args, " "), n, rss>>10, (rss-base)>>10, boundKB>>10)
		}
	}
}

// seedBigstore writes n events of one delivery each into the SQLite
// store at path, in batches (trigger's writer), each event's payload
// about body bytes.
func seedBigstore(t *testing.T, path string, n, body int) {
	t.Helper()
	ctx := context.Background()
	st, err := app.OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bc, ok := st.(store.BatchCreator)
	if !ok {
		t.Fatal("the SQLite store writes no batches")
	}
	payload := []byte(`{"event":"card.created","pad":"` + strings.Repeat("p", body) + `"}`)
	headers := map[string]string{"X-Pad": strings.Repeat("h", 2000)}
	base := time.Now().Add(-24 * time.Hour)
	types := []string{"card.created", "transactions", "kyc.verification.success"}
	var evs []*store.Event
	var ds [][]*store.Delivery
	for i := range n {
		at := base.Add(time.Duration(i) * time.Millisecond)
		evs = append(evs, &store.Event{ID: uuid.NewString(), Type: types[i%len(types)], Provider: "bond",
			Payload: payload, ContentType: "application/json", CreatedAt: at})
		ds = append(ds, []*store.Delivery{{URL: "http://127.0.0.1:9/webhooks", Schedule: "0s", MaxAttempts: 1, Headers: headers,
			Status: store.DeliverySucceeded, AttemptCount: 1, LastStatus: 200, CreatedAt: at}})
		if len(evs) == 1000 || i == n-1 {
			if err := bc.CreateEvents(ctx, evs, ds); err != nil {
				t.Fatal(fmt.Errorf("seeding: %w", err))
			}
			evs, ds = evs[:0], ds[:0]
		}
	}
}
