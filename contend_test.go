//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/testutil/syncbuf"
)

// contendLong runs the long variant of the contention matrix (.ci/test
// sets it).
const contendLong = "HOOKCTL_LONG"

// lockErrors are what SQLite says of a store another connection holds:
// none may reach the user.
var lockErrors = regexp.MustCompile(`(?i)database is locked|database table is locked|SQLITE_BUSY|SQLITE_LOCKED`)

// contendRun is one finished hookctl process.
type contendRun struct {
	args           []string
	code           int
	stdout, stderr string
}

func (r contendRun) String() string {
	return fmt.Sprintf("hookctl %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(r.args, " "), r.code, tail(r.stdout), tail(r.stderr))
}

// runAll starts every command at once and waits for all of them.
func (c *crashEnv) runAll(cmds [][]string) []contendRun {
	out := make([]contendRun, len(cmds))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, args := range cmds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var o, e bytes.Buffer
			cmd := c.cmd("hookctl", args...)
			cmd.Stdout, cmd.Stderr = &o, &e
			<-start
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				code = -1
				e.WriteString(err.Error())
			}
			out[i] = contendRun{args: args, code: code, stdout: o.String(), stderr: e.String()}
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// background starts a long-running hookctl (listen, worker) and stops it
// with SIGINT when the test ends, checking it exits 0 and never said the
// store was locked.
func (c *crashEnv) background(args ...string) *syncbuf.Buffer {
	c.t.Helper()
	var errb syncbuf.Buffer
	cmd := c.cmd("hookctl", args...)
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGINT)
		err := cmd.Wait()
		if err != nil {
			c.t.Errorf("hookctl %s: %v\n%s", strings.Join(args, " "), err, tail(errb.String()))
		}
		if lockErrors.MatchString(errb.String()) {
			c.t.Errorf("hookctl %s said the store was locked:\n%s", strings.Join(args, " "), tail(errb.String()))
		}
	})
	return &errb
}

// storeExport reads the store through `store export`.
func (c *crashEnv) storeExport() map[string]store.Record {
	c.t.Helper()
	return readDump(c.t, bytes.NewReader(c.hookctl(0, "store", "export")))
}

// contendCommand is one writing (or reading) command of the matrix: args
// for round n, the exit codes it may end with, and a check of its output
// against the store after the round.
type contendCommand struct {
	name  string
	args  func(n int) []string
	codes []int
}

// TestContendMatrix runs the commands a developer types in a third
// terminal — trigger, replay, subscriptions update, store prune, store
// info, deliveries list, store export, store migrate — in pairs and
// triples at the same moment on one SQLite store, while `hookctl listen`
// (a subscriber of the triggered events) and `hookctl worker` run beside
// them. No command may say the store is locked, each exits as it should,
// and no write a command acknowledged is missing afterwards: every event
// trigger reported, every update it printed "Updated" for, and prune
// deleted exactly as many events as it said, all created before its
// cutoff, none of them pending; an export taken during the writes imports
// into a new store.
func TestContendMatrix(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("short")
	}
	reps := 2
	if os.Getenv(contendLong) != "" {
		reps = 15
	}
	c := newCrashEnv(t)
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	t.Cleanup(ok.Close)
	fail := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) }))
	t.Cleanup(fail.Close)
	var sub subJSON
	if err := json.Unmarshal(c.hookctl(0, "subscribe", "--url", ok.URL+"/hooks", "--events", "card.created", "-o", "json"), &sub); err != nil {
		t.Fatal(err)
	}
	c.hookctl(0, "subscribe", "--url", fail.URL+"/hooks", "--events", "card.status.lost")
	// listen records what trigger sends it into the same store; the
	// worker delivers what trigger and replay leave pending.
	listenErr := c.background("listen", "--port", "0", "--events", "card.created")
	waitMatch(t, listenErr, regexp.MustCompile(`Listening on (http://[^\s,]+)`), 15*time.Second)
	c.background("worker", "--poll", "20ms", "--timeout", "2s")

	commands := []contendCommand{
		{"trigger", func(n int) []string { return []string{"trigger", "card.created", "--count", "5", "-o", "json"} }, []int{0}},
		// Failed deliveries are made before each round; replay resends
		// them (500 again: exit 1), or finds none left (prune took them).
		{"replay", func(n int) []string { return []string{"replay", "--failed", "--yes", "--no-retry", "-o", "json"} }, []int{0, 1}},
		{"update", func(n int) []string {
			return []string{"subscriptions", "update", sub.ID, "--add-events", addedEvents[n%len(addedEvents)], "--header", fmt.Sprintf("X-Round: %d", n)}
		}, []int{0}},
		{"prune", nil, []int{0}},
		{"info", func(n int) []string { return []string{"store", "info", "-o", "json"} }, []int{0}},
		{"list", func(n int) []string { return []string{"deliveries", "list", "--limit", "0", "-o", "json"} }, []int{0}},
		{"export", func(n int) []string { return []string{"store", "export"} }, []int{0}},
		{"migrate", func(n int) []string { return []string{"store", "migrate"} }, []int{0}},
	}
	var sets [][]int
	for i := range commands {
		for j := i + 1; j < len(commands); j++ {
			sets = append(sets, []int{i, j})
		}
	}
	sets = append(sets, []int{0, 1, 3}, []int{0, 2, 3}, []int{0, 3, 6}, []int{1, 3, 6}, []int{0, 1, 2, 3, 6, 7})

	prev := c.storeExport()
	round := 0
	for range reps {
		for _, set := range sets {
			round++
			// Something for replay and prune to find.
			c.hookctl(1, "trigger", "card.status.lost", "--no-retry")
			cutoff := time.Now().UTC()
			before := c.storeExport()
			var cmds [][]string
			var names []string
			for _, k := range set {
				cm := commands[k]
				names = append(names, cm.name)
				if cm.name == "prune" {
					cmds = append(cmds, []string{"store", "prune", "--older-than", cutoff.Format(time.RFC3339Nano), "--yes", "-o", "json"})
					continue
				}
				cmds = append(cmds, cm.args(round))
			}
			runs := c.runAll(cmds)
			after := c.storeExport()
			what := fmt.Sprintf("round %d (%s)", round, strings.Join(names, " + "))
			pruned := int64(-1)
			for i, r := range runs {
				cm := commands[set[i]]
				if lockErrors.MatchString(r.stderr + r.stdout) {
					t.Errorf("%s: the store was said to be locked:\n%s", what, r)
					continue
				}
				if strings.Contains(r.stderr, "not found") {
					// A replay's delivery pruned meanwhile is skipped.
					t.Errorf("%s: a record was not found:\n%s", what, r)
					continue
				}
				if !containsInt(cm.codes, r.code) {
					t.Errorf("%s: exit %d, want one of %v:\n%s", what, r.code, cm.codes, r)
					continue
				}
				switch cm.name {
				case "trigger":
					var out struct {
						Events     []struct{ ID string }
						Deliveries []struct{ ID, Status string }
					}
					if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Events) != 5 {
						t.Errorf("%s: trigger's output (%v):\n%s", what, err, r)
					}
					for _, e := range out.Events {
						if _, ok := after["event "+e.ID]; !ok {
							t.Errorf("%s: event %s trigger reported is not in the store", what, e.ID)
						}
					}
					for _, d := range out.Deliveries {
						if got, ok := after["delivery "+d.ID]; !ok {
							t.Errorf("%s: delivery %s trigger reported is not in the store", what, d.ID)
						} else if d.Status != "pending" && got.Delivery.Status != d.Status {
							t.Errorf("%s: delivery %s: trigger reported %s, the store has %s", what, d.ID, d.Status, got.Delivery.Status)
						}
					}
				case "update":
					if !strings.Contains(r.stdout+r.stderr, "Updated") {
						t.Errorf("%s: update did not say Updated:\n%s", what, r)
					}
					got := after["subscription "+sub.ID].Subscription
					if got == nil || !containsString(got.Events, addedEvents[round%len(addedEvents)]) || got.Headers["X-Round"] != fmt.Sprint(round) {
						t.Errorf("%s: the update printed Updated but the store has %+v", what, got)
					}
				case "prune":
					var out struct{ Events int64 }
					if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
						t.Errorf("%s: prune's output (%v):\n%s", what, err, r)
					}
					pruned = out.Events
				case "export":
					checkContendExport(t, c, what, r.stdout, before, after)
				}
			}
			// Events only go away by prune: as many as it said, each
			// created before its cutoff, none with a delivery pending
			// when the round began (the worker's, a replay's).
			var gone []*store.Event
			for k, rec := range before {
				if rec.Event != nil {
					if _, ok := after[k]; !ok {
						gone = append(gone, rec.Event)
					}
				}
			}
			if testing.Verbose() {
				t.Logf("%s: %d events gone, prune said %d; %d events", what, len(gone), pruned, countKind(after, "event "))
			}
			if pruned < 0 && len(gone) > 0 || pruned >= 0 && int64(len(gone)) != pruned {
				t.Errorf("%s: %d events went away, prune said it deleted %d", what, len(gone), pruned)
			}
			for _, e := range gone {
				if !e.CreatedAt.Before(cutoff) {
					t.Errorf("%s: prune deleted event %s created at %s, after its cutoff %s", what, e.ID, e.CreatedAt, cutoff)
				}
			}
			for _, rec := range before {
				if d := rec.Delivery; d != nil && d.Status == store.DeliveryPending {
					if _, ok := after["delivery "+d.ID]; !ok {
						t.Errorf("%s: delivery %s, pending when the round began, was deleted", what, d.ID)
					}
				}
			}
			prev = after
			if t.Failed() {
				t.FailNow()
			}
		}
	}
	t.Logf("%d rounds, %d events in the store at the end", round, countKind(prev, "event "))
}

func countKind(recs map[string]store.Record, prefix string) int {
	n := 0
	for k := range recs {
		if strings.HasPrefix(k, prefix) {
			n++
		}
	}
	return n
}

// checkContendExport: an export taken while others write is one snapshot
// (every delivery's event and every attempt's delivery are in it), holds
// every record that was there before it began and no record that was not
// there before or after it, and imports into a new store.
func checkContendExport(t *testing.T, c *crashEnv, what, out string, before, after map[string]store.Record) {
	t.Helper()
	got := readDump(t, strings.NewReader(out))
	for k, rec := range got {
		switch {
		case rec.Delivery != nil:
			if _, ok := got["event "+rec.Delivery.EventID]; !ok {
				t.Errorf("%s: the export has delivery %s without its event %s", what, rec.Delivery.ID, rec.Delivery.EventID)
			}
		case rec.Attempt != nil:
			if _, ok := got["delivery "+rec.Attempt.DeliveryID]; !ok {
				t.Errorf("%s: the export has %s without its delivery", what, k)
			}
		}
		_, inBefore := before[k]
		_, inAfter := after[k]
		if !inBefore && !inAfter && rec.Event != nil {
			t.Errorf("%s: the export has %s, in the store neither before nor after it", what, k)
		}
	}
	file := filepath.Join(c.dir, "export.jsonl")
	if err := os.WriteFile(file, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	c.hookctl(0, "store", "import", file, "--store", filepath.Join(c.dir, fmt.Sprintf("import-%d.db", time.Now().UnixNano())))
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func containsString(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestContendStoreLockedByAnotherProcess: another process holds the
// store's write lock longer than the busy timeout (10 s). One-shot writes
// (subscriptions update, store prune) exit 3 saying the store is locked
// by another process, with a hint; trigger warns, waits for the store and
// records its event once the lock is released. Before, each of them
// exited 1 with SQLite's "database is locked (5) (SQLITE_BUSY)".
func TestContendStoreLockedByAnotherProcess(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("short")
	}
	c := newCrashEnv(t)
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	t.Cleanup(ok.Close)
	var sub subJSON
	if err := json.Unmarshal(c.hookctl(0, "subscribe", "--url", ok.URL+"/hooks", "--events", "card.created", "-o", "json"), &sub); err != nil {
		t.Fatal(err)
	}
	c.hookctl(0, "trigger", "card.created") // something for prune to delete
	// The lock: a write transaction on another connection, as a sqlite3
	// shell left in one holds it.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(c.dir, "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`CREATE TABLE lock_holder (x)`); err != nil {
		t.Fatal(err)
	}
	// trigger runs beside the one-shots; its stderr is read while it runs.
	var tout, terr syncbuf.Buffer
	tcmd := c.cmd("hookctl", "trigger", "card.created", "-o", "json")
	tcmd.Stdout, tcmd.Stderr = &tout, &terr
	if err := tcmd.Start(); err != nil {
		t.Fatal(err)
	}
	oneShots := c.runAll([][]string{
		{"subscriptions", "update", sub.ID, "--add-events", "card.status.lost"},
		{"store", "prune", "--older-than", "0s", "--yes"},
	})
	// Both gave up. The lock is released once trigger has said it waits
	// (on a loaded machine its first write can start after theirs, so its
	// own busy timeout ends later than theirs).
	for deadline := time.Now().Add(60 * time.Second); !strings.Contains(terr.String(), "waiting for the store") && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	tx.Rollback()
	code := 0
	if err := tcmd.Wait(); err != nil {
		code = -1
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
	}
	trigger := []contendRun{{args: tcmd.Args[1:], code: code, stdout: tout.String(), stderr: terr.String()}}
	for _, r := range oneShots {
		if r.code != 3 || !strings.Contains(r.stderr, "is locked by another process") || !strings.Contains(r.stderr, "hint: ") || lockErrors.MatchString(r.stderr) {
			t.Errorf("under a write lock held past the busy timeout: %s\nwant exit 3, the store said to be locked by another process in words, and a hint", r)
		}
	}
	r := trigger[0]
	var out struct{ Events []struct{ ID string } }
	if r.code != 0 || !strings.Contains(r.stderr, "waiting for the store") || lockErrors.MatchString(r.stderr) || json.Unmarshal([]byte(r.stdout), &out) != nil || len(out.Events) != 1 {
		t.Fatalf("trigger under a write lock held past the busy timeout: %s\nwant a warning, a wait for the store and exit 0", r)
	}
	if _, ok := c.storeExport()["event "+out.Events[0].ID]; !ok {
		t.Errorf("the event trigger reported after the wait is not in the store")
	}
}

// seedDeliveries writes n final deliveries (four per event, created a
// month ago) into the SQLite store at path through the store's batch API.
func seedDeliveries(t *testing.T, path string, n int) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	payload := []byte(`{"event":"card.created","card":{"card_id":"e5e3a1d2-8a3f-4c61-9b55-2a7bfe1cf1b3","last_four":"4242","status":"Active"}}`)
	base := time.Now().Add(-30 * 24 * time.Hour)
	var evs []*store.Event
	var dss [][]*store.Delivery
	for i := 0; i < n/4; i++ {
		e := &store.Event{ID: fmt.Sprintf("evt_seed_%07d", i), Type: "card.created", Provider: "bond", Payload: payload,
			ContentType: "application/json", CreatedAt: base.Add(time.Duration(i) * time.Second)}
		ds := make([]*store.Delivery, 4)
		for k := range ds {
			ds[k] = &store.Delivery{URL: "http://127.0.0.1:9/x", Schedule: "0s", MaxAttempts: 1, CreatedAt: e.CreatedAt,
				Status: store.DeliverySucceeded, AttemptCount: 1, LastStatus: 200}
		}
		evs, dss = append(evs, e), append(dss, ds)
		if len(evs) == 1024 || i == n/4-1 {
			if err := st.CreateEvents(ctx, evs, dss); err != nil {
				t.Fatal(err)
			}
			evs, dss = evs[:0], dss[:0]
		}
	}
}

// TestContendExportLargeStoreWhileTriggering: a `store export` of a store
// of 100,000 deliveries, held open by a reader that does not keep up (its
// output is a pipe nobody reads for a while), does not stall trigger (WAL
// readers do not block the writer), and exports exactly the snapshot it
// began with. The WAL cannot start over while that reader is open: its
// growth is measured and logged (the figure is in the report).
//
// Long (~40 s of CPU seeding and exporting the store): HOOKCTL_LONG=1, as
// .ci/test runs it.
func TestContendExportLargeStoreWhileTriggering(t *testing.T) {
	t.Parallel()
	slowFaultTest(t, "a 100,000-delivery store exported while trigger runs")
	c := newCrashEnv(t)
	db := filepath.Join(c.dir, "hookctl.db")
	const seeded = 100_000
	seedDeliveries(t, db, seeded)
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	t.Cleanup(ok.Close)
	c.hookctl(0, "subscribe", "--url", ok.URL+"/hooks", "--events", "card.created")

	// The export, stalled once inside its read transaction: the pipe is
	// read up to the first event (events are read after the
	// subscriptions, in the same snapshot), then left full.
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var exportErr bytes.Buffer
	export := c.cmd("hookctl", "store", "export")
	export.Stdout, export.Stderr = pw, &exportErr
	if err := export.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	defer export.Process.Kill()
	rd := bufio.NewReader(pr)
	var head bytes.Buffer
	for !strings.HasPrefix(finalLine(head.String()), `{"event"`) {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("export ended before its events: %v\n%s", err, exportErr.String())
		}
		head.WriteString(line)
	}
	walSize := func() int64 {
		st, err := os.Stat(db + "-wal")
		if err != nil {
			return 0
		}
		return st.Size()
	}
	const batches, count = 3, 1000
	// The bound: trigger on an idle store sends 1,000 events in well under
	// a second here; a writer blocked by the reader would wait for it
	// (forever: the pipe is not read until the batches are done).
	bound := 30 * time.Second
	var sizes []string
	var triggered int
	for i := range batches {
		start := time.Now()
		var out struct{ Events []struct{ ID string } }
		if err := json.Unmarshal(c.hookctl(0, "trigger", "card.created", "--count", fmt.Sprint(count), "--concurrency", "16", "-o", "json"), &out); err != nil {
			t.Fatal(err)
		}
		triggered += len(out.Events)
		if d := time.Since(start); d > bound {
			t.Errorf("trigger batch %d took %s beside an open export (bound %s)", i, d, bound)
		}
		sizes = append(sizes, fmt.Sprintf("%.1f MiB after %d events", float64(walSize())/(1<<20), (i+1)*count))
	}
	t.Logf("WAL beside an open export reader: %s", strings.Join(sizes, ", "))
	// Drain: the export is the snapshot of its start, none of trigger's.
	rest, err := io.ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	if err := export.Wait(); err != nil {
		t.Fatalf("store export: %v\n%s", err, exportErr.String())
	}
	recs := readDump(t, io.MultiReader(&head, bytes.NewReader(rest)))
	if n := countKind(recs, "delivery "); n != seeded {
		t.Errorf("the export has %d deliveries, want the %d there when it began", n, seeded)
	}
	if n := countKind(c.storeExport(), "event "); n != seeded/4+triggered {
		t.Errorf("the store has %d events, want %d", n, seeded/4+triggered)
	}
}

func finalLine(s string) string {
	s = strings.TrimSuffix(s, "\n")
	return s[strings.LastIndex(s, "\n")+1:]
}

// TestContendFirstOpenOfOldStore: the first commands on a store an older
// hookctl wrote (each SQLite schema's last binary) start at the same moment — two
// `store migrate`, store info, trigger, deliveries list, store export,
// subscriptions list. One of them migrates it, the others wait for it (or
// find it migrated): none says the store is locked or fails, at most one
// `store migrate` says it migrated, and every record the old binary
// exported is still there afterwards.
func TestContendFirstOpenOfOldStore(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("short")
	}
	fixtures := upgradeFixtures(t, "sqlite-", ".db.gz")
	for _, v := range sortedKeys(fixtures) {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			c := newCrashEnv(t)
			gunzipTo(t, fixtures[v], filepath.Join(c.dir, "hookctl.db"))
			old, err := os.Open(filepath.Join("testdata", "upgrade", fmt.Sprintf("sqlite-v%d.export.jsonl", v)))
			if err != nil {
				t.Fatal(err)
			}
			oldRecs := readDump(t, old)
			old.Close()
			runs := c.runAll([][]string{
				{"store", "migrate", "-o", "json"},
				{"store", "migrate", "-o", "json"},
				{"store", "info", "-o", "json"},
				{"trigger", "card.created", "--no-retry", "--timeout", "1s", "--wait", "5s"},
				{"deliveries", "list", "--limit", "0"},
				{"store", "export"},
				{"subscriptions", "list"},
			})
			migrated := 0
			for i, r := range runs {
				want := []int{0}
				if i == 3 {
					want = []int{0, 1} // the old store's subscriptions point nowhere
				}
				if lockErrors.MatchString(r.stdout+r.stderr) || !containsInt(want, r.code) {
					t.Errorf("first open of a schema %d store: %s", v, r)
				}
				if i < 2 {
					var out struct {
						From int `json:"from_version"`
						To   int `json:"to_version"`
					}
					if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.To != latestSQLiteSchema || out.From != v && out.From != latestSQLiteSchema {
						t.Errorf("store migrate on a schema %d store printed (%v): %s", v, err, r)
					}
					if out.From == v && out.From != out.To { // a fixture of the latest schema: nothing to migrate
						migrated++
					}
				}
			}
			if migrated > 1 {
				t.Errorf("both store migrate said they migrated the schema %d store", v)
			}
			now := c.storeExport()
			for k := range oldRecs {
				if _, ok := now[k]; !ok {
					t.Errorf("schema %d store: %s is gone after the concurrent first open", v, k)
				}
			}
		})
	}
}
