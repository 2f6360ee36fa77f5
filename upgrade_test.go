//go:build !windows

package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/listen"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/dump"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// The upgrade tests open stores, journals and config files that REAL
// older hookctl binaries wrote (testdata/upgrade: make.sh regenerates
// them with the binaries build.sh builds from commits.txt, one per schema
// version) with the current binary, and check that the user's history is
// all there, as the old binary itself exported it.

const (
	latestSQLiteSchema   = 16
	latestPostgresSchema = 19
)

// upgradeFixtures lists testdata/upgrade/<prefix>v<N><suffix> by N.
func upgradeFixtures(t *testing.T, prefix, suffix string) map[int]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "upgrade", prefix+"v*"+suffix))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/upgrade/%sv*%s fixtures (%v)", prefix, suffix, err)
	}
	out := map[int]string{}
	for _, f := range files {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), prefix+"v"), suffix))
		if err != nil {
			t.Fatalf("fixture %s: %v", f, err)
		}
		out[n] = f
	}
	return out
}

func sortedKeys(m map[int]string) []int {
	ks := make([]int, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	return ks
}

func gunzipTo(t *testing.T, src, dst string) {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// upgradeEnv runs the current binary on one store.
type upgradeEnv struct {
	t     *testing.T
	bin   string
	dir   string
	store string
}

func newUpgradeEnv(t *testing.T, dir, storeArg string) *upgradeEnv {
	return &upgradeEnv{t: t, bin: hookctlBinary(t), dir: dir, store: storeArg}
}

// run runs hookctl with args and returns stdout, stderr and the exit code.
func (u *upgradeEnv) run(stdin []byte, args ...string) (string, string, int) {
	u.t.Helper()
	c := exec.Command(u.bin, args...)
	c.Dir = u.dir
	c.Env = []string{"HOME=" + u.dir, "HOOKCTL_CONFIG_DIR=" + filepath.Join(u.dir, "config"),
		"XDG_DATA_HOME=" + filepath.Join(u.dir, "data"), "HOOKCTL_STORE=" + u.store,
		"PATH=" + os.Getenv("PATH"), "NO_COLOR=1"}
	var out, errb bytes.Buffer
	c.Stdin, c.Stdout, c.Stderr = bytes.NewReader(stdin), &out, &errb
	err := c.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		u.t.Fatalf("hookctl %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), code
}

// ok runs hookctl and fails the test unless it exits 0.
func (u *upgradeEnv) ok(args ...string) string {
	u.t.Helper()
	out, errs, code := u.run(nil, args...)
	if code != 0 {
		u.t.Fatalf("hookctl %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func (u *upgradeEnv) jsonOut(v any, args ...string) {
	u.t.Helper()
	out := u.ok(append(args, "-o", "json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		u.t.Fatalf("hookctl %s -o json: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// readDump reads an export (either format) into records keyed by what
// identifies them.
func readDump(t *testing.T, r io.Reader) map[string]store.Record {
	t.Helper()
	rd := dump.NewReader(r)
	out := map[string]store.Record{}
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("reading an export: %v", err)
		}
		out[recordKey(rec)] = rec
	}
}

func recordKey(r store.Record) string {
	switch {
	case r.Subscription != nil:
		return "subscription " + r.Subscription.ID
	case r.Object != nil:
		return "object " + r.Object.Kind + " " + r.Object.ID
	case r.Event != nil:
		return "event " + r.Event.ID
	case r.Delivery != nil:
		return "delivery " + r.Delivery.ID
	case r.Attempt != nil:
		return fmt.Sprintf("attempt %s #%d", r.Attempt.DeliveryID, r.Attempt.Number)
	}
	return "?"
}

// compareExports checks that every record the old binary exported is in
// the current export with the same fields (both written in the current
// format, so the comparison is field by field, not a count), and that
// the current export has nothing else.
func compareExports(t *testing.T, old, now map[string]store.Record) {
	t.Helper()
	var keys []string
	for k := range old {
		keys = append(keys, k)
	}
	for k := range now {
		if _, ok := old[k]; !ok {
			t.Errorf("the upgraded store exports %s, which the old binary did not", k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		n, ok := now[k]
		if !ok {
			t.Errorf("%s, exported by the old binary, is missing after the upgrade", k)
			continue
		}
		a, err1 := dump.Marshal(old[k])
		b, err2 := dump.Marshal(n)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", k, err1, err2)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s changed in the upgrade:\nold binary: %s\nnow:        %s", k, a, b)
		}
	}
}

// recvRequest is a request the test receiver got.
type recvRequest struct {
	header http.Header
	body   []byte
}

func upgradeReceiver(t *testing.T) (string, func() []recvRequest) {
	var mu sync.Mutex
	var got []recvRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, recvRequest{r.Header.Clone(), b})
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/replayed", func() []recvRequest {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(got)
	}
}

// checkUpgradedStore runs the checks every upgraded store gets: the
// migration, the listings, a replay of what failed, and the export
// compared with the old binary's own.
func checkUpgradedStore(t *testing.T, u *upgradeEnv, fromVersion, latest int, oldExport string) {
	f, err := os.Open(oldExport)
	if err != nil {
		t.Fatal(err)
	}
	old := readDump(t, f)
	f.Close()

	var mig struct {
		From int `json:"from_version"`
		To   int `json:"to_version"`
	}
	u.jsonOut(&mig, "store", "migrate")
	if mig.From != fromVersion || mig.To != latest {
		t.Fatalf("store migrate: from %d to %d, want from %d to %d", mig.From, mig.To, fromVersion, latest)
	}
	var info struct {
		Schema        int `json:"schema_version"`
		Subscriptions int `json:"subscriptions"`
		Events        int `json:"events"`
		Deliveries    int `json:"deliveries"`
	}
	u.jsonOut(&info, "store", "info")
	if info.Schema != latest {
		t.Fatalf("store info after migrate: schema %d, want %d", info.Schema, latest)
	}

	// What the listings show is what the old binary exported.
	want := map[string]string{}
	for _, r := range old {
		switch {
		case r.Subscription != nil:
			want["subscription "+r.Subscription.ID] = r.Subscription.Status
		case r.Event != nil:
			want["event "+r.Event.ID] = ""
		case r.Delivery != nil:
			want["delivery "+r.Delivery.ID] = r.Delivery.Status
		}
	}
	got := map[string]string{}
	var subs []struct {
		WebhookID string `json:"webhook_id"`
		Status    string `json:"status"`
	}
	u.jsonOut(&subs, "subscriptions", "list")
	for _, s := range subs {
		got["subscription "+s.WebhookID] = s.Status
	}
	var events []struct{ ID string }
	u.jsonOut(&events, "events", "log", "--limit", "1000")
	for _, e := range events {
		got["event "+e.ID] = ""
	}
	var dels []struct{ ID, Status string }
	u.jsonOut(&dels, "deliveries", "list", "--limit", "1000")
	for _, d := range dels {
		got["delivery "+d.ID] = d.Status
	}
	for k, v := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("%s (exported by the old binary) is not listed after the upgrade", k)
		} else if g != v {
			t.Errorf("%s: status %q after the upgrade, %q before", k, g, v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s is listed after the upgrade but was not in the old store", k)
		}
	}

	// The export, field by field.
	out := u.ok("store", "export")
	compareExports(t, old, readDump(t, strings.NewReader(out)))

	// What the later schemas added works on the upgraded store
	// (upgfix_upgrade_test.go).
	checkLaterSchemas(t, u, old)

	// Replay what failed: the failing receiver's delivery goes out again
	// with the bytes first sent, signed with its subscription's secret.
	var failed *store.Delivery
	for _, r := range old {
		if d := r.Delivery; d != nil && d.Status == store.DeliveryFailed && d.SubscriptionID != "" {
			if s := old["subscription "+d.SubscriptionID].Subscription; s != nil && s.Description == "failing receiver" {
				failed = d
			}
		}
	}
	if failed == nil {
		t.Fatalf("%s has no failed delivery to the failing receiver", oldExport)
	}
	show := u.ok("deliveries", "show", failed.ID)
	if !strings.Contains(show, failed.ID) || !strings.Contains(show, "failed") {
		t.Errorf("deliveries show %s:\n%s", failed.ID, show)
	}
	to, received := upgradeReceiver(t)
	u.ok("replay", "--failed", "--yes", "--no-retry", "--to", to)
	ev := old["event "+failed.EventID].Event
	sub := old["subscription "+failed.SubscriptionID].Subscription
	var found bool
	for _, r := range received() {
		if !bytes.Equal(r.body, ev.Payload) {
			continue
		}
		found = true
		sch, ok := signature.ForProvider(ev.Provider)
		if !ok {
			t.Fatalf("no scheme for provider %q", ev.Provider)
		}
		if err := sch.Verify(signature.VerifyInput{Secrets: []string{sub.Secret}, Header: r.header, Body: r.body,
			Now: time.Now(), Tolerance: signature.NoTolerance}); err != nil {
			t.Errorf("the replayed delivery %s does not verify with its subscription's secret: %v", failed.ID, err)
		}
	}
	if !found {
		t.Errorf("replay --failed did not send delivery %s's original body again (%d requests received)", failed.ID, len(received()))
	}
	var after struct {
		ID, Status string
	}
	u.jsonOut(&after, "deliveries", "show", failed.ID)
	if after.Status != store.DeliverySucceeded {
		t.Errorf("delivery %s after its replay: status %q, want succeeded", failed.ID, after.Status)
	}
}

// checkInfoFirst: store info as the first command on an old store
// migrates it, as every command that opens a store does (README, "The
// store"), and counts what the old binary exported.
func checkInfoFirst(t *testing.T, u *upgradeEnv, latest int, oldExport string) {
	t.Helper()
	f, err := os.Open(oldExport)
	if err != nil {
		t.Fatal(err)
	}
	old := readDump(t, f)
	f.Close()
	want := map[string]int{"schema_version": latest}
	plural := map[string]string{"subscription": "subscriptions", "object": "objects", "event": "events",
		"delivery": "deliveries", "attempt": "attempts"}
	for k := range old {
		want[plural[strings.Fields(k)[0]]]++
	}
	var info map[string]any
	u.jsonOut(&info, "store", "info")
	for k, w := range want {
		if g, ok := info[k].(float64); !ok || int(g) != w {
			t.Errorf("store info on the old store: %s = %v, want %d", k, info[k], w)
		}
	}
}

// TestUpgradeSQLiteStores: a SQLite store written by the last binary of
// each older schema version opens, migrates and keeps every record.
func TestUpgradeSQLiteStores(t *testing.T) {
	fixtures := upgradeFixtures(t, "sqlite-", ".db.gz")
	for _, v := range sortedKeys(fixtures) {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			db := filepath.Join(dir, "hookctl.db")
			gunzipTo(t, fixtures[v], db)
			export := filepath.Join("testdata", "upgrade", fmt.Sprintf("sqlite-v%d.export.jsonl", v))
			checkUpgradedStore(t, newUpgradeEnv(t, dir, db), v, latestSQLiteSchema, export)

			dir2 := t.TempDir()
			db2 := filepath.Join(dir2, "hookctl.db")
			gunzipTo(t, fixtures[v], db2)
			checkInfoFirst(t, newUpgradeEnv(t, dir2, db2), latestSQLiteSchema, export)
		})
	}
}

// restorePostgresDump replays pg-vN.sql (pg_dump --inserts of the schema
// hookctl_upgrade_fixture) into the schema storeURL's search_path names.
func restorePostgresDump(t *testing.T, storeURL, dumpFile string) {
	t.Helper()
	u, err := url.Parse(storeURL)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	if schema == "" {
		t.Fatalf("no search_path in %s", storeURL)
	}
	b, err := os.ReadFile(dumpFile)
	if err != nil {
		t.Fatal(err)
	}
	sql := strings.Replace(string(b), "CREATE SCHEMA hookctl_upgrade_fixture;", "", 1)
	sql = regexp.MustCompile(`\bhookctl_upgrade_fixture\b`).ReplaceAllString(sql, schema)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, pgtest.ServerURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.PgConn().Exec(ctx, sql).ReadAll(); err != nil {
		t.Fatalf("restoring %s: %v", dumpFile, err)
	}
}

// TestUpgradePostgresStores: the same for a PostgreSQL schema an older
// binary wrote (restored from its pg_dump).
func TestUpgradePostgresStores(t *testing.T) {
	pgtest.ServerURL(t)
	fixtures := upgradeFixtures(t, "pg-", ".sql")
	for _, v := range sortedKeys(fixtures) {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			t.Parallel()
			export := filepath.Join("testdata", "upgrade", fmt.Sprintf("pg-v%d.export.jsonl", v))
			storeURL := pgtest.URL(t)
			restorePostgresDump(t, storeURL, fixtures[v])
			checkUpgradedStore(t, newUpgradeEnv(t, t.TempDir(), storeURL), v, latestPostgresSchema, export)

			storeURL2 := pgtest.URL(t)
			restorePostgresDump(t, storeURL2, fixtures[v])
			checkInfoFirst(t, newUpgradeEnv(t, t.TempDir(), storeURL2), latestPostgresSchema, export)
		})
	}
}

// TestUpgradeJournalLeftByOlderListen: a listen of each older version was
// killed (SIGKILL) while its store was locked, so the events it had
// answered were only in its journal; the current binary's first store
// command migrates the store and imports them.
func TestUpgradeJournalLeftByOlderListen(t *testing.T) {
	dirs := upgradeFixtures(t, "journal-", "")
	for _, v := range sortedKeys(dirs) {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			t.Parallel()
			src := dirs[v]
			dir := t.TempDir()
			db := filepath.Join(dir, "store", "hookctl.db")
			gunzipTo(t, filepath.Join(src, "hookctl.db.gz"), db)
			if _, err := os.Stat(filepath.Join(src, "hookctl.db-wal.gz")); err == nil {
				gunzipTo(t, filepath.Join(src, "hookctl.db-wal.gz"), db+"-wal")
			}
			journals, _ := filepath.Glob(filepath.Join(src, "journal", "*.journal.gz"))
			if len(journals) != 1 {
				t.Fatalf("%s: want one journal, have %v", src, journals)
			}
			jpath := filepath.Join(dir, "store", "journal", strings.TrimSuffix(filepath.Base(journals[0]), ".gz"))
			gunzipTo(t, journals[0], jpath)
			genPath, err := os.ReadFile(filepath.Join(src, "store-path.txt"))
			if err != nil {
				t.Fatal(err)
			}
			rekeyJournal(t, jpath, strings.TrimSpace(string(genPath)), db)

			f, err := os.Open(filepath.Join(src, "sent.export.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			sent := readDump(t, f)
			f.Close()

			// From SQLite 8 on the journal also holds an unsigned request
			// whose body (unsigned.body) and X-Raw header are not UTF-8
			// (upgfix_upgrade_test.go).
			unsigned, err := os.ReadFile(filepath.Join(src, "unsigned.body"))
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			recovered := 2
			if unsigned != nil {
				recovered = 3
			}

			u := newUpgradeEnv(t, dir, db)
			_, errs, code := u.run(nil, "store", "info")
			if code != 0 || !strings.Contains(errs, fmt.Sprintf("Recovered %d received events from 1 journal", recovered)) {
				t.Fatalf("store info on a v%d store with a v%d listen's journal: exit %d\n%s", v, v, code, errs)
			}
			if _, err := os.Stat(jpath); !os.IsNotExist(err) {
				t.Errorf("the imported journal is still there (%v)", err)
			}
			// The received events are matched with the sent ones by their
			// bytes: listen names an event by the id its request carries
			// (the Idempotency-Key header older triggers sent with Bond's
			// events: the sender's event id), else by a hash of its body
			// (rcv_…).
			got := map[string]string{}
			recs := readDump(t, strings.NewReader(u.ok("store", "export")))
			for _, r := range recs {
				if e := r.Event; e != nil {
					got[string(e.Payload)] += e.Type + " " + e.Source + " " + e.Verdict + ";"
				}
			}
			if unsigned != nil {
				checkUnsignedRecovered(t, recs, unsigned)
			}
			for _, r := range sent {
				if e := r.Event; e != nil {
					if g := got[string(e.Payload)]; g != e.Type+" received valid;" {
						t.Errorf("event %s (%s) that the old listen answered: %q after recovery, want %q", e.ID, e.Type, g, e.Type+" received valid;")
					}
				}
			}
			var info struct {
				Schema int `json:"schema_version"`
			}
			u.jsonOut(&info, "store", "info")
			if info.Schema != latestSQLiteSchema {
				t.Errorf("schema %d after recovery, want %d", info.Schema, latestSQLiteSchema)
			}
		})
	}
}

// rekeyJournal checks that the journal's header names the store the old
// binary wrote it for (genPath) as the current binary names a store, then
// points it at the store at db: the key is a hash of the store's absolute
// path, and db is not where the old binary's store was. The key has a
// fixed width, so nothing else moves.
func rekeyJournal(t *testing.T, journal, genPath, db string) {
	t.Helper()
	b, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 {
		t.Fatalf("%s: no header line", journal)
	}
	fs := strings.Fields(string(b[:nl]))
	if len(fs) != 6 || fs[0]+" "+fs[1] != "hookctl-listen-journal v1" {
		t.Fatalf("%s: unexpected header %q", journal, b[:nl])
	}
	keyOf := func(path string) string {
		h := sha256.Sum256([]byte("sqlite:" + path))
		return hex.EncodeToString(h[:8])
	}
	// The current binary's key for a SQLite store is keyOf its absolute
	// path: StoreKey on a scratch store says so (db itself is left for
	// the binary to open first).
	scratch := filepath.Join(t.TempDir(), "scratch.db")
	st, err := sqlite.Open(context.Background(), scratch)
	if err != nil {
		t.Fatal(err)
	}
	got := listen.StoreKey(st, "ignored for a SQLite store")
	st.Close()
	if got != keyOf(scratch) {
		t.Fatalf("StoreKey names %s %s; this test expects %s", scratch, got, keyOf(scratch))
	}
	abs, err := filepath.Abs(db)
	if err != nil {
		t.Fatal(err)
	}
	key := keyOf(abs)
	if fs[2] != keyOf(genPath) {
		t.Fatalf("the old listen named its store %s %s, the current binary would name it %s: its journal would not be imported",
			genPath, fs[2], keyOf(genPath))
	}
	copy(b[len(fs[0])+1+len(fs[1])+1:], key)
	if err := os.WriteFile(journal, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestUpgradeConfigFiles: the config.yaml each older `config set` wrote
// is read by the current binary with the same values.
func TestUpgradeConfigFiles(t *testing.T) {
	files := upgradeFixtures(t, "config-", ".yaml")
	for _, v := range sortedKeys(files) {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			b, err := os.ReadFile(files[v])
			if err != nil {
				t.Fatal(err)
			}
			storePath := filepath.Join(dir, "team.db")
			b = bytes.ReplaceAll(b, []byte("STOREPATH"), []byte(storePath))
			if err := os.MkdirAll(filepath.Join(dir, "config"), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "config", "config.yaml"), b, 0o600); err != nil {
				t.Fatal(err)
			}
			u := newUpgradeEnv(t, dir, "")
			u.store = "" // the config file names the store
			want := map[string]string{"output": "json", "timeout": "30s", "listen_port": "9999",
				"retry_profile": "svix", "provider": "bond", "store": storePath}
			for k, w := range want {
				// output: json in the file makes config get answer JSON.
				var got struct{ Value, Source string }
				out, errs, code := u.run(nil, "config", "get", k)
				if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil || got.Value != w || got.Source != "file" {
					t.Errorf("config get %s with a v%d config.yaml: exit %d, %s (%s), want %q from the file", k, v, code, out, errs, w)
				}
			}
			// The file's settings apply: json output, the bond provider.
			out := u.ok("events", "list")
			var evs []struct{ Provider string }
			if err := json.Unmarshal([]byte(out), &evs); err != nil || len(evs) == 0 {
				t.Fatalf("events list with output: json in the config: %v\n%s", err, out)
			}
			for _, e := range evs {
				if e.Provider != "bond" {
					t.Fatalf("events list lists a %s event with provider: bond in the config", e.Provider)
				}
			}
		})
	}
}
