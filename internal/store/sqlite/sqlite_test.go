package sqlite

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/storetest"
)

func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := OpenStore(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

// An empty file made beforehand (touch, 0644) becomes a store holding
// secrets: it gets mode 0600 like a store hookctl creates, and so do the
// -wal and -shm files SQLite makes next to it.
func TestEmptyFileMadePrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hookctl.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(p)
		if err != nil {
			if p != path && os.IsNotExist(err) {
				continue
			}
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", filepath.Base(p), st.Mode().Perm())
		}
	}
}

func TestCreatesPrivateFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	path := filepath.Join(dir, "hookctl.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("store mode %v, want 0600", st.Mode().Perm())
	}
	dst, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if dst.Mode().Perm() != 0o700 {
		t.Errorf("store dir mode %v, want 0700", dst.Mode().Perm())
	}
	var mode string
	if err := s.(*Store).r.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	var fk, busy int
	if err := s.(*Store).w.QueryRow(`SELECT (SELECT foreign_keys FROM pragma_foreign_keys), (SELECT timeout FROM pragma_busy_timeout)`).Scan(&fk, &busy); err != nil {
		t.Fatal(err)
	}
	// The writer's connection waits for another process's lock in
	// slices, taking its turn (turnstile.go), up to BusyTimeout in all
	// (TestBusyStoreIsSaidInWords); the readers wait BusyTimeout.
	if fk != 1 || busy != int(turnSlice/time.Millisecond) {
		t.Errorf("writer: foreign_keys=%d busy_timeout=%d, want 1 and %d", fk, busy, turnSlice/time.Millisecond)
	}
	if err := s.(*Store).r.QueryRow(`SELECT timeout FROM pragma_busy_timeout`).Scan(&busy); err != nil || busy != int(BusyTimeout/time.Millisecond) {
		t.Errorf("reader: busy_timeout=%d (%v), want %d", busy, err, BusyTimeout/time.Millisecond)
	}
	info, err := s.Info(context.Background())
	if err != nil || info.SchemaVersion != SchemaVersion() || info.Backend != "sqlite" || info.Location != path {
		t.Errorf("info %+v, %v", info, err)
	}
	// Reopening an existing store works and migrates nothing.
	s.Close()
	s2, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
}

// foreignFileSeeds seed the random bytes of TestRefusesForeignFiles: fixed,
// so a failure names the bytes that caused it and reruns draw them again.
var foreignFileSeeds = []uint64{1, 2, 3, 42, 1 << 40}

// randomBytes returns n bytes drawn from a ChaCha8 generator seeded with seed.
func randomBytes(seed uint64, n int) []byte {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	b := make([]byte, n)
	rand.NewChaCha8(key).Read(b)
	return b
}

func TestRefusesForeignFiles(t *testing.T) {
	ctx := context.Background()
	type foreignCase struct {
		make func(t *testing.T, path string)
		want string
	}
	cases := map[string]foreignCase{}
	// The cases made of random bytes, once per seed.
	for _, seed := range foreignFileSeeds {
		random := randomBytes(seed, 4096)
		for name, tc := range map[string]foreignCase{
			"random bytes": {func(t *testing.T, path string) {
				os.WriteFile(path, random, 0o600)
			}, "not a SQLite database"},
			"corrupt sqlite": {func(t *testing.T, path string) {
				os.WriteFile(path, append([]byte("SQLite format 3\x00"), random...), 0o600)
			}, "not a hookctl store"},
			// Read version 2 (WAL) in a damaged header: SQLite would open a
			// WAL before refusing the file (CI once drew such random bytes).
			"damaged header saying WAL": {func(t *testing.T, path string) {
				os.WriteFile(path, append([]byte("SQLite format 3\x00\x00\x1b\x92\x02"), random...), 0o600)
			}, "damaged SQLite file"},
			// A sound WAL-mode header over a garbage page 1.
			"garbage under a WAL header": {func(t *testing.T, path string) {
				head := []byte("SQLite format 3\x00\x10\x00\x02\x02\x00\x40\x20\x20")
				os.WriteFile(path, append(head, random...), 0o600)
			}, "cannot be read as a SQLite database"},
		} {
			cases[fmt.Sprintf("%s seed %d", name, seed)] = tc
		}
	}
	for name, tc := range map[string]foreignCase{
		"text file": {func(t *testing.T, path string) {
			os.WriteFile(path, []byte("hello\n"), 0o644)
		}, "not a SQLite database"},
		"other application": {func(t *testing.T, path string) {
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('keep me')`); err != nil {
				t.Fatal(err)
			}
		}, "another application"},
		"newer schema": {func(t *testing.T, path string) {
			s, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, SchemaVersion()+1)); err != nil {
				t.Fatal(err)
			}
			// Leave no WAL behind so the main file holds everything.
			if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE`); err != nil {
				t.Fatal(err)
			}
		}, "newer hookctl"},
		"directory": {func(t *testing.T, path string) {
			os.Mkdir(path, 0o700)
		}, "is a directory"},
		// A real store cut inside its 100-byte header (a copy or a full
		// disk stopped there): said so, not "not a SQLite database".
		"store cut short": {func(t *testing.T, path string) {
			s, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			if err := os.Truncate(path, 60); err != nil {
				t.Fatal(err)
			}
			for _, side := range []string{"-wal", "-shm"} {
				os.Remove(path + side)
			}
		}, "it is a SQLite file cut short (60 bytes"},
		"store cut in its magic": {func(t *testing.T, path string) {
			os.WriteFile(path, []byte("SQLit"), 0o600)
		}, "cut short (5 bytes"},
	} {
		cases[name] = tc
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "hookctl.db")
			tc.make(t, path)
			before := snapshot(t, dir)
			s, err := Open(ctx, path)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			var ee *store.EnvironmentError
			if !errors.As(err, &ee) {
				t.Fatalf("err %T %v, want *store.EnvironmentError", err, err)
			}
			if ee.ExitCode() != 3 || len(ee.Hints()) == 0 {
				t.Errorf("exit %d hints %v", ee.ExitCode(), ee.Hints())
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if after := snapshot(t, dir); after != before {
				t.Errorf("directory changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// snapshot describes every file in dir (name, mode, content hash).
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %v", strings.TrimPrefix(p, dir), info.Mode())
		if !info.IsDir() {
			data, _ := os.ReadFile(p)
			fmt.Fprintf(&b, " %x", data)
		}
		b.WriteString("; ")
		return nil
	})
	return b.String()
}

func TestAcceptsEmptySQLiteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`PRAGMA user_version = 0; VACUUM`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("an empty SQLite database should become a store: %v", err)
	}
	s.Close()
}

const childEnv = "HOOKCTL_SQLITE_TEST_CHILD"

// TestMultiProcess runs several OS processes writing to one fresh store at
// once: each creates events, claims and records attempts. None may see
// "database is locked", and no delivery may be leased twice.
func TestMultiProcess(t *testing.T) {
	if path := os.Getenv(childEnv); path != "" {
		child(path)
		return
	}
	const procs, events = 4, 200
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "shared.db")
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		claimed = map[string]int{}
		failed  []string
	)
	for i := 0; i < procs; i++ {
		cmd := exec.Command(exe, "-test.run=^TestMultiProcess$")
		cmd.Env = append(os.Environ(), childEnv+"="+path, "HOOKCTL_CHILD_ID="+strconv.Itoa(i))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := bufio.NewScanner(out)
			var mine []string
			for sc.Scan() {
				if id, ok := strings.CutPrefix(sc.Text(), "claimed "); ok {
					mine = append(mine, id)
				}
			}
			err := cmd.Wait()
			mu.Lock()
			defer mu.Unlock()
			for _, id := range mine {
				claimed[id]++
			}
			if err != nil {
				failed = append(failed, fmt.Sprintf("child: %v: %s", err, stderr.String()))
			}
		}()
	}
	wg.Wait()
	for _, f := range failed {
		t.Error(f)
	}
	s, err := OpenStore(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Events != procs*events || info.Deliveries != procs*events*2 {
		t.Errorf("store holds %d events, %d deliveries; want %d, %d", info.Events, info.Deliveries, procs*events, procs*events*2)
	}
	for id, n := range claimed {
		if n > 1 {
			t.Errorf("delivery %s leased %d times", id, n)
		}
	}
	if int64(len(claimed)) != info.Attempts {
		t.Errorf("%d deliveries claimed but %d attempts recorded", len(claimed), info.Attempts)
	}
	counts, err := s.CountDeliveries(context.Background(), store.DeliveryFilter{Status: store.DeliverySucceeded})
	if err != nil {
		t.Fatal(err)
	}
	if counts[store.DeliverySucceeded] != int64(len(claimed)) {
		t.Errorf("%d succeeded, %d claimed", counts[store.DeliverySucceeded], len(claimed))
	}
	t.Logf("%d processes: %d events, %d deliveries, %d claimed and recorded", procs, info.Events, info.Deliveries, len(claimed))
}

// TestConcurrentOpen: 8 processes open the same fresh store at the same
// instant (the WAL switch and the migration race), several rounds.
func TestConcurrentOpen(t *testing.T) {
	if path := os.Getenv(childEnv); path != "" {
		return // run as a child of TestMultiProcess only
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 3; round++ {
		path := filepath.Join(t.TempDir(), "fresh.db")
		start := time.Now().Add(300 * time.Millisecond).UnixNano()
		var cmds []*exec.Cmd
		var outs []*bytes.Buffer
		for i := 0; i < 8; i++ {
			cmd := exec.Command(exe, "-test.run=^TestMultiProcess$")
			cmd.Env = append(os.Environ(), childEnv+"="+path, "HOOKCTL_CHILD_ID=open"+strconv.Itoa(i),
				"HOOKCTL_CHILD_START="+strconv.FormatInt(start, 10), "HOOKCTL_CHILD_EVENTS=1")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			cmds, outs = append(cmds, cmd), append(outs, &out)
		}
		for i, cmd := range cmds {
			if err := cmd.Wait(); err != nil {
				t.Errorf("round %d child %d: %v: %s", round, i, err, outs[i])
			}
		}
		s, err := OpenStore(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(context.Background())
		s.Close()
		if err != nil || info.Events != 8 {
			t.Errorf("round %d: %+v %v", round, info, err)
		}
	}
}

func child(path string) {
	ctx := context.Background()
	if v, err := strconv.ParseInt(os.Getenv("HOOKCTL_CHILD_START"), 10, 64); err == nil {
		time.Sleep(time.Until(time.Unix(0, v)))
	}
	events := 200
	if v, err := strconv.Atoi(os.Getenv("HOOKCTL_CHILD_EVENTS")); err == nil {
		events = v
	}
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	s, err := Open(ctx, path)
	if err != nil {
		fail(err)
	}
	defer s.Close()
	owner := "proc-" + os.Getenv("HOOKCTL_CHILD_ID")
	for i := 0; i < events; i++ {
		e := &store.Event{ID: fmt.Sprintf("evt_%s_%d", owner, i), Type: "card.created", Payload: []byte(`{}`)}
		ds := []*store.Delivery{{URL: "http://127.0.0.1/a", MaxAttempts: 1}, {URL: "http://127.0.0.1/b", MaxAttempts: 1}}
		if err := s.CreateEvent(ctx, e, ds); err != nil {
			fail(fmt.Errorf("create event %d: %w", i, err))
		}
		if i%10 != 9 {
			continue
		}
		got, err := s.ClaimDue(ctx, owner, time.Now(), time.Hour, 5, "")
		if err != nil {
			fail(fmt.Errorf("claim: %w", err))
		}
		for _, d := range got {
			fmt.Printf("claimed %s\n", d.ID)
			a := &store.Attempt{DeliveryID: d.ID, Number: d.AttemptCount + 1, StartedAt: time.Now(), ResponseStatus: 200}
			if err := s.RecordAttempt(ctx, owner, a, store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200}); err != nil {
				fail(fmt.Errorf("record: %w", err))
			}
		}
	}
	if _, err := s.ListDeliveries(ctx, store.DeliveryFilter{Newest: true, Limit: 50}); err != nil {
		fail(err)
	}
}

func BenchmarkCreateEvent(b *testing.B) {
	s := openTemp(b)
	defer s.Close()
	ctx := context.Background()
	payload := bytes.Repeat([]byte("x"), 1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e := &store.Event{ID: fmt.Sprintf("evt_%d", i), Type: "card.created", Provider: "bond", Payload: payload}
		ds := []*store.Delivery{{URL: "http://127.0.0.1:3000/hooks", MaxAttempts: 5, Schedule: "0s,1s,2s,4s,8s"}}
		if err := s.CreateEvent(ctx, e, ds); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkClaimRecord measures the worker's store round trip per
// delivery: claim in batches of 50, then record one attempt each.
func BenchmarkClaimRecord(b *testing.B) {
	s := openTemp(b)
	defer s.Close()
	ctx := context.Background()
	const batch = 100
	for i := 0; i < b.N; i += batch {
		var ds []*store.Delivery
		for j := 0; j < batch; j++ {
			ds = append(ds, &store.Delivery{URL: "http://127.0.0.1:3000/hooks", MaxAttempts: 5})
		}
		if err := s.CreateEvent(ctx, &store.Event{ID: fmt.Sprintf("evt_%d", i), Type: "card.created", Payload: []byte(`{}`)}, ds); err != nil {
			b.Fatal(err)
		}
	}
	headers := map[string][]string{"Content-Type": {"application/json"}, "Webhook-Id": {"evt_1"}, "Webhook-Signature": {"v1,abc"}}
	b.ReportAllocs()
	b.ResetTimer()
	done := 0
	now := time.Now().Add(time.Second)
	for done < b.N {
		got, err := s.ClaimDue(ctx, "bench", now, time.Minute, 50, "")
		if err != nil {
			b.Fatal(err)
		}
		if len(got) == 0 {
			b.Fatalf("nothing to claim after %d", done)
		}
		for _, d := range got {
			a := &store.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: now, Duration: time.Millisecond,
				RequestURL: d.URL, RequestMethod: "POST", RequestHeaders: headers, ResponseStatus: 200,
				ResponseHeaders: headers, ResponseBody: []byte(`{"ok":true}`)}
			if err := s.RecordAttempt(ctx, "bench", a, store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200}); err != nil {
				b.Fatal(err)
			}
			done++
		}
	}
	b.ReportMetric(float64(done)/b.Elapsed().Seconds(), "deliveries/s")
}

// TestQueryPlans: the hot queries use an index and never sort the whole
// table, so claims and lists stay fast with a million deliveries.
func TestQueryPlans(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	plans := map[string]struct {
		q, wantIndex string
	}{
		"claim":        {strings.Replace(claimSQL, "UPDATE deliveries SET lease_owner = ?, lease_expires_at = ?\n\t\tWHERE seq IN (", "", 1), "deliveries_due"},
		"claim run":    {strings.Replace(claimRunSQL, "UPDATE deliveries SET lease_owner = ?, lease_expires_at = ?\n\t\tWHERE seq IN (", "", 1), "deliveries_run"},
		"list failed":  {`SELECT seq FROM deliveries d WHERE d.status = 'failed' AND d.seq > ? ORDER BY d.seq DESC LIMIT 20`, "deliveries_failed"},
		"count failed": {`SELECT d.status, count(*) FROM deliveries d WHERE d.status = 'failed' GROUP BY d.status`, "deliveries_failed"},
		"record":       {recordSelectSQL, "sqlite_autoindex_deliveries_1"},
		"by event":     {`SELECT ` + deliveryCols + ` FROM deliveries d WHERE d.event_seq = (SELECT seq FROM events WHERE id = ?) ORDER BY d.seq`, "deliveries_event_seq"},
	}
	// The queries as the store builds them: lists and counts by status
	// search the partial indexes (a pending list sorts the queue, which
	// is what the index holds), a run's by its run index.
	for _, f := range []store.DeliveryFilter{
		{Status: store.DeliveryFailed, Newest: true, Limit: 50},
		{Status: store.DeliveryPending, Newest: true, Limit: 50},
		{Status: store.DeliveryFailed, EventPattern: "card.*", Newest: true, Limit: 50},
		{Status: store.DeliveryPending, RunID: "r"},
	} {
		q, _ := listDeliveriesSQL(f)
		want := map[string]string{store.DeliveryFailed: "deliveries_failed", store.DeliveryPending: "deliveries_due"}[f.Status]
		if f.RunID != "" {
			want = "deliveries_run"
		}
		plans[fmt.Sprintf("as built %+v", f)] = struct{ q, wantIndex string }{q, want}
	}
	for name, p := range plans {
		q := p.q
		if i := strings.Index(q, ") RETURNING"); i >= 0 {
			q = q[:i]
		}
		n := strings.Count(q, "?")
		args := make([]any, n)
		for i := range args {
			args[i] = 1
		}
		rows, err := s.r.Query("EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		all := strings.Join(plan, "; ")
		partialScan := strings.Contains(all, "SCAN d USING INDEX "+p.wantIndex) // the whole of a partial index
		if !strings.Contains(all, p.wantIndex) || (strings.Contains(all, "SCAN d") && !partialScan) || strings.Contains(all, "SCAN deliveries") ||
			(name != "by event" && !partialScan && strings.Contains(all, "TEMP B-TREE")) {
			t.Errorf("%s: plan %q, want a search of %s without a scan or a sort", name, all, p.wantIndex)
		}
	}
}

// BenchmarkClaimRecordBacklog is BenchmarkClaimRecord with a large outbox
// behind it: HOOKCTL_BENCH_BACKLOG pending deliveries (default 200,000),
// due later than the ones claimed, plus as many finished ones.
func BenchmarkClaimRecordBacklog(b *testing.B) {
	backlog := 200_000
	if v, err := strconv.Atoi(os.Getenv("HOOKCTL_BENCH_BACKLOG")); err == nil && v > 0 {
		backlog = v
	}
	s := openTemp(b)
	defer s.Close()
	ctx := context.Background()
	now := time.Now()
	seed := func(n int, status string, due time.Time) {
		for i := 0; i < n; i += 1000 {
			var ds []*store.Delivery
			for j := 0; j < 1000 && i+j < n; j++ {
				ds = append(ds, &store.Delivery{URL: "http://127.0.0.1:3000/hooks", MaxAttempts: 5, Status: status, NextAttemptAt: due})
			}
			if err := s.CreateEvent(ctx, &store.Event{Type: "card.created", Payload: []byte(`{}`)}, ds); err != nil {
				b.Fatal(err)
			}
		}
	}
	seed(backlog, store.DeliverySucceeded, now)
	seed(backlog, store.DeliveryPending, now.Add(time.Hour))
	seed(b.N, store.DeliveryPending, now)
	b.ReportAllocs()
	b.ResetTimer()
	done := 0
	for done < b.N {
		got, err := s.ClaimDue(ctx, "bench", now.Add(time.Second), time.Minute, 50, "")
		if err != nil {
			b.Fatal(err)
		}
		if len(got) == 0 {
			b.Fatalf("nothing to claim after %d", done)
		}
		for _, d := range got {
			a := &store.Attempt{DeliveryID: d.ID, StartedAt: now, ResponseStatus: 200}
			if err := s.RecordAttempt(ctx, "bench", a, store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200}); err != nil {
				b.Fatal(err)
			}
			done++
		}
	}
	b.ReportMetric(float64(done)/b.Elapsed().Seconds(), "deliveries/s")
}

// An empty store path (--store ”) is bad input, exit 2: nothing was tried.
func TestEmptyPathIsBadInput(t *testing.T) {
	_, err := Open(context.Background(), "")
	var env *store.EnvironmentError
	if !errors.As(err, &env) || env.ExitCode() != 2 || !strings.Contains(err.Error(), "no store path given") {
		t.Fatalf("Open(\"\") = %v, want an EnvironmentError with exit code 2", err)
	}
}

// Prune turns foreign-key checks off on the writer's connection for its
// transaction; they are on again afterwards (a delivery for an unknown
// event is refused).
func TestPruneLeavesForeignKeysOn(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	if _, err := s.Prune(ctx, time.Now(), 0, false); err != nil {
		t.Fatal(err)
	}
	var on int
	if err := s.w.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&on); err != nil || on != 1 {
		t.Fatalf("foreign_keys = %d, %v after a prune", on, err)
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO attempts (delivery_seq, number, started_at) VALUES (424242, 1, 0)`)
	if err == nil {
		t.Fatal("an attempt of no delivery was accepted after a prune")
	}
}

// A context that ends between a transaction's last statement and its
// commit is reported as the context's error: database/sql has rolled the
// transaction back, and its own "transaction has already been committed
// or rolled back" made a signal to trigger exit 1 instead of 130.
func TestTxCancelledBeforeCommit(t *testing.T) {
	s := openTemp(t)
	ctx, cancel := context.WithCancel(context.Background())
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT 1`); err != nil {
			return err
		}
		cancel()
		time.Sleep(50 * time.Millisecond) // database/sql rolls back on its own
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}
