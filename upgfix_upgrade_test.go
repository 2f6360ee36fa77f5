//go:build !windows

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
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// checkLaterSchemas checks, on a store an older binary wrote and the
// current one migrated, what the schemas after the old one added: the
// type filter (PostgreSQL 17's deliveries.event_type, filled by the
// migration; SQLite 13's events index), the source filters, the
// subscription filter also for deliveries of subscriptions deleted
// before the upgrade (SQLite 14 / PostgreSQL 16) or after it, curl -k
// for attempts sent with --insecure (SQLite 10 / PostgreSQL 13), a
// delivery written after the upgrade found by its event's type, and the
// events filters' indexes (SQLite 15 / PostgreSQL 18; checkEvidxSchema).
// old is the old binary's own export of the store.
func checkLaterSchemas(t *testing.T, u *upgradeEnv, old map[string]store.Record) {
	events := map[string]*store.Event{}
	subs := map[string]*store.Subscription{}
	var dels []*store.Delivery
	var insecure []*store.Attempt
	for _, r := range old {
		switch {
		case r.Event != nil:
			events[r.Event.ID] = r.Event
		case r.Subscription != nil:
			subs[r.Subscription.ID] = r.Subscription
		case r.Delivery != nil:
			dels = append(dels, r.Delivery)
		case r.Attempt != nil && r.Attempt.Insecure:
			insecure = append(insecure, r.Attempt)
		}
	}
	eventType := func(d *store.Delivery) string {
		if e := events[d.EventID]; e != nil {
			return e.Type
		}
		return ""
	}
	want := func(keep func(d *store.Delivery) bool) []string {
		ids := []string{}
		for _, d := range dels {
			if keep(d) {
				ids = append(ids, d.ID)
			}
		}
		slices.Sort(ids)
		return ids
	}
	list := func(args ...string) []string {
		t.Helper()
		var ds []struct {
			ID string `json:"id"`
		}
		u.jsonOut(&ds, append([]string{"deliveries", "list", "--limit", "0"}, args...)...)
		ids := []string{}
		for _, d := range ds {
			ids = append(ids, d.ID)
		}
		slices.Sort(ids)
		return ids
	}
	same := func(what string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s after the upgrade: %d deliveries %v, want %d %v", what, len(got), got, len(want), want)
		}
	}

	// The type filter: deliveries list --event reads PostgreSQL 17's
	// event_type, which the migration filled in from each delivery's event.
	for _, pat := range []string{"card.created", "card.*", "kyc.verification.success"} {
		prefix, isPrefix := strings.CutSuffix(pat, "*")
		match := func(typ string) bool {
			if isPrefix {
				return strings.HasPrefix(typ, prefix)
			}
			return typ == pat
		}
		wantDels := want(func(d *store.Delivery) bool { return match(eventType(d)) })
		if len(wantDels) == 0 {
			t.Fatalf("the old store has no delivery of an event of type %s", pat)
		}
		same("deliveries list --event "+pat, list("--event", pat), wantDels)

		var evs []struct{ ID string }
		u.jsonOut(&evs, "events", "log", "--limit", "0", "--event", pat)
		var got, wantEvs []string
		for _, e := range evs {
			got = append(got, e.ID)
		}
		for id, e := range events {
			if match(e.Type) {
				wantEvs = append(wantEvs, id)
			}
		}
		slices.Sort(got)
		slices.Sort(wantEvs)
		if !slices.Equal(got, wantEvs) {
			t.Errorf("events log --event %s after the upgrade: %v, want %v", pat, got, wantEvs)
		}
	}

	// The source filters: what each delivery is, from its kind (listen's
	// forwards, check's probes) and its event's source.
	for _, src := range []string{store.DeliverySent, store.DeliveryReceived, store.DeliveryCheck} {
		same("deliveries list --source "+src, list("--source", src), want(func(d *store.Delivery) bool {
			es := ""
			if e := events[d.EventID]; e != nil {
				es = e.Source
			}
			return store.DeliverySource(d, es) == src
		}))
	}

	// The subscription filter, for the live subscriptions and for those
	// deleted before the upgrade whose deliveries kept their id (written
	// by a binary of SQLite 14 / PostgreSQL 16).
	ids := map[string]bool{}
	for id := range subs {
		ids[id] = true
	}
	for _, d := range dels {
		if d.DeletedSubscriptionID != "" {
			ids[d.DeletedSubscriptionID] = true
			if subs[d.DeletedSubscriptionID] != nil {
				t.Errorf("delivery %s names deleted subscription %s, which the old store still has", d.ID, d.DeletedSubscriptionID)
			}
		}
	}
	for id := range ids {
		same("deliveries list --subscription "+id, list("--subscription", id), want(func(d *store.Delivery) bool {
			return d.SubscriptionID == id || d.DeletedSubscriptionID == id
		}))
	}

	// An attempt the old binary sent with --insecure to an https receiver
	// is resent with curl -k.
	for _, a := range insecure {
		if !strings.HasPrefix(a.RequestURL, "https://") {
			continue
		}
		out := u.ok("deliveries", "show", a.DeliveryID, "--curl", "--attempt", strconv.Itoa(a.Number))
		if !strings.Contains(out, "curl -k ") && !strings.Contains(out, " -k ") {
			t.Errorf("deliveries show %s --curl --attempt %d (sent with --insecure): no -k\n%s", a.DeliveryID, a.Number, out)
		}
	}

	// Deleting a subscription on the upgraded store keeps its deliveries
	// findable by its id.
	var okSub string
	for id, s := range subs {
		if s.Description == "ok receiver" {
			okSub = id
		}
	}
	if okSub == "" {
		t.Fatal("the old store has no subscription 'ok receiver'")
	}
	before := list("--subscription", okSub)
	if len(before) == 0 {
		t.Fatalf("subscription %s has no deliveries after the upgrade", okSub)
	}
	u.ok("subscriptions", "delete", okSub, "--yes")
	same("deliveries list --subscription "+okSub+" once deleted", list("--subscription", okSub), before)
	var shown struct {
		SubscriptionID        string `json:"subscription_id"`
		DeletedSubscriptionID string `json:"deleted_subscription_id"`
	}
	out := u.ok("deliveries", "show", before[0], "-o", "json")
	if err := json.Unmarshal([]byte(out), &shown); err != nil {
		t.Fatalf("deliveries show %s -o json: %v\n%s", before[0], err, out)
	}
	if shown.SubscriptionID != "" || shown.DeletedSubscriptionID != okSub {
		t.Errorf("delivery %s of the deleted subscription %s: subscription_id %q, deleted_subscription_id %q",
			before[0], okSub, shown.SubscriptionID, shown.DeletedSubscriptionID)
	}

	// A delivery written after the upgrade is found by its event's type
	// (on PostgreSQL 17 its writer gives event_type).
	to, _ := upgradeReceiver(t)
	u.ok("trigger", "card.created", "--url", to, "--secret", "whsec_plJ3nmyCDGBKInavdOK15jsl", "--no-retry")
	after := list("--event", "card.created")
	wantAfter := want(func(d *store.Delivery) bool { return eventType(d) == "card.created" })
	if len(after) != len(wantAfter)+1 {
		t.Errorf("deliveries list --event card.created after a trigger on the upgraded store: %d deliveries, want %d", len(after), len(wantAfter)+1)
	}

	checkEvidxSchema(t, u, events)
}

// evidxIndexes are the events filters' indexes of SQLite 15 and
// PostgreSQL 18.
var evidxIndexes = []string{"events_provider_created", "events_source_created", "events_verdict_rejected", "events_verdict_valid"}

// checkEvidxSchema checks, on an upgraded store, the events filters'
// indexes (SQLite 15 / PostgreSQL 18) and that events log --source finds
// the old store's received and check events through them; on PostgreSQL,
// that the delivery trigger reads the store's own events whatever the
// session's search_path (18 qualified it), in a transaction rolled back.
// events are the old binary's exported events by id.
func checkEvidxSchema(t *testing.T, u *upgradeEnv, events map[string]*store.Event) {
	t.Helper()
	ctx := context.Background()
	var names []string
	if strings.HasPrefix(u.store, "postgres") {
		conn, err := pgx.Connect(ctx, u.store)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		rows, err := conn.Query(ctx, `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'events'`)
		if err != nil {
			t.Fatal(err)
		}
		names, err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		var eventID string
		for id := range events {
			eventID = id
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		var (
			typ    *string
			schema string
		)
		err = tx.QueryRow(ctx, `SELECT current_schema(), set_config('search_path', '', true)`).Scan(&schema, new(string))
		if err == nil {
			err = tx.QueryRow(ctx, `INSERT INTO `+pgx.Identifier{schema}.Sanitize()+`.deliveries (id, event_id, url, created_at, updated_at)
				VALUES ('d_evidx_upgrade', $1, 'http://x', now(), now()) RETURNING event_type`, eventID).Scan(&typ)
		}
		if err != nil {
			t.Errorf("a delivery inserted with an empty search_path on the upgraded store: %v", err)
		} else if typ == nil || *typ != events[eventID].Type {
			t.Errorf("a delivery inserted with an empty search_path on the upgraded store: event_type %v, want %q", typ, events[eventID].Type)
		}
	} else {
		db, err := sql.Open("sqlite", "file:"+u.store+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			names = append(names, n)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range evidxIndexes {
		if !slices.Contains(names, want) {
			t.Errorf("the upgraded store has no index %s on events (it has %v)", want, names)
		}
	}
	for _, src := range []string{store.SourceReceived, store.SourceCheck} {
		var evs []struct{ ID string }
		u.jsonOut(&evs, "events", "log", "--limit", "0", "--source", src)
		got, want := []string{}, []string{}
		for _, e := range evs {
			got = append(got, e.ID)
		}
		for id, e := range events {
			if e.Source == src {
				want = append(want, id)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("events log --source %s after the upgrade: %v, want %v", src, got, want)
		}
	}
}

// TestUpgfixLiveViewsOnUpgradedStores: the inspector (hookctl ui) and
// deliveries tail on a store that a binary of SQLite 8-14 / PostgreSQL
// 11-16 wrote and the current one migrated: the inspector's log shows
// every delivery the old binary exported, its filters by type and by a
// subscription deleted before the upgrade find theirs, its live log
// sends a delivery written after the upgrade (PostgreSQL's rows from
// before schema 14 have no txid, the live log's marker; SQLite's seqs
// became AUTOINCREMENT in 11 and 12), and tail shows a replay of an old
// delivery.
func TestUpgfixLiveViewsOnUpgradedStores(t *testing.T) {
	slowFaultTest(t, "the inspector and tail on every upgraded fixture")
	type fixture struct{ name, store, export string }
	var fs []fixture
	sqliteFixtures := upgradeFixtures(t, "sqlite-", ".db.gz")
	for _, v := range sortedKeys(sqliteFixtures) {
		if v >= 8 {
			fs = append(fs, fixture{fmt.Sprintf("sqlite-v%d", v), sqliteFixtures[v],
				filepath.Join("testdata", "upgrade", fmt.Sprintf("sqlite-v%d.export.jsonl", v))})
		}
	}
	if os.Getenv("HOOKCTL_TEST_POSTGRES") != "" {
		pgFixtures := upgradeFixtures(t, "pg-", ".sql")
		for _, v := range sortedKeys(pgFixtures) {
			if v >= 11 {
				fs = append(fs, fixture{fmt.Sprintf("pg-v%d", v), pgFixtures[v],
					filepath.Join("testdata", "upgrade", fmt.Sprintf("pg-v%d.export.jsonl", v))})
			}
		}
	}
	href := regexp.MustCompile(`href="/deliveries/([0-9a-f-]{36})"`)
	for _, fx := range fs {
		t.Run(fx.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			storeArg := filepath.Join(dir, "hookctl.db")
			if strings.HasPrefix(fx.name, "pg-") {
				storeArg = pgtest.URL(t)
				restorePostgresDump(t, storeArg, fx.store)
			} else {
				gunzipTo(t, fx.store, storeArg)
			}
			f, err := os.Open(fx.export)
			if err != nil {
				t.Fatal(err)
			}
			old := readDump(t, f)
			f.Close()
			u := newUpgradeEnv(t, dir, storeArg)
			u.ok("store", "migrate")
			base := upgfixStartUI(t, u)

			page := func(query string) map[string]bool {
				t.Helper()
				resp, err := http.Get(base + "/" + query)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET /%s: %s\n%s", query, resp.Status, b)
				}
				ids := map[string]bool{}
				for _, m := range href.FindAllStringSubmatch(string(b), -1) {
					ids[m[1]] = true
				}
				return ids
			}
			check := func(query string, keep func(d *store.Delivery) bool) {
				t.Helper()
				got := page(query)
				n := 0
				for _, r := range old {
					if d := r.Delivery; d != nil && keep(d) {
						n++
						if !got[d.ID] {
							t.Errorf("the inspector's log /%s does not show delivery %s", query, d.ID)
						}
					}
				}
				if n == 0 {
					t.Fatalf("no delivery of the old store for /%s", query)
				}
				if len(got) != n {
					t.Errorf("the inspector's log /%s shows %d deliveries, want %d", query, len(got), n)
				}
			}
			check("", func(*store.Delivery) bool { return true })
			check("?type=card.created", func(d *store.Delivery) bool {
				e := old["event "+d.EventID].Event
				return e != nil && e.Type == "card.created"
			})
			for _, r := range old {
				if d := r.Delivery; d != nil && d.DeletedSubscriptionID != "" {
					id := d.DeletedSubscriptionID
					check("?subscription="+id, func(d *store.Delivery) bool { return d.DeletedSubscriptionID == id })
				}
			}

			// The live log sends a delivery written after the upgrade.
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", base+"/live", nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(nil, 8<<20)
			for sc.Scan() && !strings.HasPrefix(sc.Text(), "event: hello") {
			}
			to, _ := upgradeReceiver(t)
			var trig struct {
				Deliveries []struct {
					ID string `json:"id"`
				} `json:"deliveries"`
			}
			u.jsonOut(&trig, "trigger", "card.created", "--url", to, "--secret", "whsec_plJ3nmyCDGBKInavdOK15jsl", "--no-retry")
			if len(trig.Deliveries) != 1 {
				t.Fatalf("trigger -o json: %d deliveries", len(trig.Deliveries))
			}
			sent := false
			for !sent && sc.Scan() {
				sent = strings.HasPrefix(sc.Text(), "data: ") && strings.Contains(sc.Text(), `data-delivery-id=\"`+trig.Deliveries[0].ID)
			}
			if !sent {
				t.Errorf("the live log on the upgraded store did not send delivery %s, triggered after the upgrade (%v)", trig.Deliveries[0].ID, sc.Err())
			}

			// deliveries tail shows the replay of a delivery the old
			// binary sent (the requeue log: SQLite 9 / PostgreSQL 12, its
			// txid PostgreSQL 15), as it does on a store made today.
			var replayed string
			for _, r := range old {
				if d := r.Delivery; d != nil && d.Status == store.DeliverySucceeded && d.Kind == "" && d.SubscriptionID != "" {
					replayed = d.ID
				}
			}
			if replayed == "" {
				t.Fatal("the old store has no succeeded delivery of a subscription to replay")
			}
			tail := upgfixStart(t, u, "deliveries", "tail", "-n", "0", "--timeout", "90s", "-o", "json")
			if !tail.waitStderr("Following", 60*time.Second) {
				t.Fatalf("deliveries tail did not start following in 60s\n%s", tail.stderr())
			}
			u.ok("replay", replayed, "--force", "--yes", "--no-retry", "--to", to)
			if !tail.waitStdout(`"delivery_id":"`+replayed+`"`, 60*time.Second) {
				t.Errorf("deliveries tail on the upgraded store did not show the replay of %s in 60s\nstdout: %s\nstderr: %s",
					replayed, tail.stdout(), tail.stderr())
			}
		})
	}
}

// upgfixProc is a hookctl process of the test, its output gathered.
type upgfixProc struct {
	mu       sync.Mutex
	out, err bytes.Buffer
}

func (p *upgfixProc) stdout() string { p.mu.Lock(); defer p.mu.Unlock(); return p.out.String() }
func (p *upgfixProc) stderr() string { p.mu.Lock(); defer p.mu.Unlock(); return p.err.String() }

// wait polls get until it contains s, for at most d.
func (p *upgfixProc) wait(get func() string, s string, d time.Duration) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(get(), s) {
			return true
		}
	}
	return strings.Contains(get(), s)
}

func (p *upgfixProc) waitStdout(s string, d time.Duration) bool { return p.wait(p.stdout, s, d) }
func (p *upgfixProc) waitStderr(s string, d time.Duration) bool { return p.wait(p.stderr, s, d) }

type upgfixWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w upgfixWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(b)
}

// upgfixStart starts hookctl with args on u's store; it is killed when
// the test ends.
func upgfixStart(t *testing.T, u *upgradeEnv, args ...string) *upgfixProc {
	t.Helper()
	c := exec.Command(u.bin, args...)
	c.Dir = u.dir
	c.Env = []string{"HOME=" + u.dir, "HOOKCTL_CONFIG_DIR=" + filepath.Join(u.dir, "config"),
		"XDG_DATA_HOME=" + filepath.Join(u.dir, "data"), "HOOKCTL_STORE=" + u.store,
		"PATH=" + os.Getenv("PATH"), "NO_COLOR=1"}
	p := &upgfixProc{}
	c.Stdout, c.Stderr = upgfixWriter{&p.mu, &p.out}, upgfixWriter{&p.mu, &p.err}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Process.Kill(); c.Wait() })
	return p
}

// upgfixStartUI starts hookctl ui on u's store and returns its base URL.
func upgfixStartUI(t *testing.T, u *upgradeEnv) string {
	t.Helper()
	return upgfixStartReady(t, u, "ui", "--addr", "127.0.0.1:0", "--no-open", "-o", "json")
}

// upgfixStartReady starts hookctl with args (a server with -o json) on
// u's store and returns the URL of its ready line.
func upgfixStartReady(t *testing.T, u *upgradeEnv, args ...string) string {
	t.Helper()
	c := exec.Command(u.bin, args...)
	c.Dir = u.dir
	c.Env = []string{"HOME=" + u.dir, "HOOKCTL_CONFIG_DIR=" + filepath.Join(u.dir, "config"),
		"XDG_DATA_HOME=" + filepath.Join(u.dir, "data"), "HOOKCTL_STORE=" + u.store,
		"PATH=" + os.Getenv("PATH"), "NO_COLOR=1"}
	stdout, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	c.Stderr = &stderr
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Process.Kill(); c.Wait() })
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var l struct{ Kind, URL string }
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Kind == "ready" {
				ready <- strings.TrimSuffix(l.URL, "/")
			}
		}
		close(ready)
	}()
	select {
	case base, ok := <-ready:
		if !ok {
			t.Fatalf("hookctl %s exited before it was ready\n%s", args[0], stderr.String())
		}
		return base
	case <-time.After(60 * time.Second):
		t.Fatalf("hookctl %s not ready in 60s\n%s", args[0], stderr.String())
	}
	return ""
}

// TestUpgfixImportOldExports: what each old binary's `store export`
// wrote (format 1 up to SQLite 7 / PostgreSQL 10, format 2 since) is
// imported by the current binary into a new store, and exported again
// field for field. With PostgreSQL, each export goes to the other
// backend (a SQLite export into PostgreSQL, and back), else to SQLite.
func TestUpgfixImportOldExports(t *testing.T) {
	slowFaultTest(t, "every old export imported")
	exports, err := filepath.Glob(filepath.Join("testdata", "upgrade", "*-v*.export.jsonl"))
	if err != nil || len(exports) == 0 {
		t.Fatalf("no testdata/upgrade/*-v*.export.jsonl (%v)", err)
	}
	pg := os.Getenv("HOOKCTL_TEST_POSTGRES") != ""
	for _, export := range exports {
		name := strings.TrimSuffix(filepath.Base(export), ".export.jsonl")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			storeArg := filepath.Join(dir, "hookctl.db")
			if pg && strings.HasPrefix(name, "sqlite-") {
				storeArg = pgtest.URL(t)
			}
			abs, err := filepath.Abs(export)
			if err != nil {
				t.Fatal(err)
			}
			u := newUpgradeEnv(t, dir, storeArg)
			u.ok("store", "import", abs)
			f, err := os.Open(export)
			if err != nil {
				t.Fatal(err)
			}
			old := readDump(t, f)
			f.Close()
			compareExports(t, old, readDump(t, strings.NewReader(u.ok("store", "export"))))
		})
	}
}

// checkUnsignedRecovered: the unsigned request an old listen journalled
// (journal-vN/unsigned.body, N >= 8) is recovered with its body and its
// X-Raw header byte for byte, neither of them UTF-8, and the verdict
// that it was not signed.
func checkUnsignedRecovered(t *testing.T, recs map[string]store.Record, body []byte) {
	t.Helper()
	for _, r := range recs {
		e := r.Event
		if e == nil || !bytes.Equal(e.Payload, body) {
			continue
		}
		if e.Source != store.SourceReceived || !strings.HasPrefix(e.Verdict, "invalid") {
			t.Errorf("the recovered unsigned request: source %q, verdict %q, want received, invalid: …", e.Source, e.Verdict)
		}
		if got := e.Headers["X-Raw"]; len(got) != 1 || got[0] != "caf\xe9 \xff" {
			t.Errorf("the recovered unsigned request's X-Raw header: %q, want %q", got, "caf\xe9 \xff")
		}
		return
	}
	t.Errorf("no recovered event has the unsigned request's body %q", body)
}

// TestUpgfixServeOnUpgradedStores: serve's Svix API on a store holding
// serve's objects (from SQLite 7 / PostgreSQL 10 on) that an old binary
// wrote and the current one migrated: the application, its event type,
// endpoint and message are listed, the message's attempt too, and it is
// found by its eventId (SQLite 12 rebuilt the events table and the
// indexes serve reads them by).
func TestUpgfixServeOnUpgradedStores(t *testing.T) {
	slowFaultTest(t, "serve on every upgraded fixture")
	type fixture struct{ name, store, export string }
	var fs []fixture
	sqliteFixtures := upgradeFixtures(t, "sqlite-", ".db.gz")
	for _, v := range sortedKeys(sqliteFixtures) {
		if v >= 7 {
			fs = append(fs, fixture{fmt.Sprintf("sqlite-v%d", v), sqliteFixtures[v],
				filepath.Join("testdata", "upgrade", fmt.Sprintf("sqlite-v%d.export.jsonl", v))})
		}
	}
	if os.Getenv("HOOKCTL_TEST_POSTGRES") != "" {
		pgFixtures := upgradeFixtures(t, "pg-", ".sql")
		for _, v := range sortedKeys(pgFixtures) {
			if v >= 10 {
				fs = append(fs, fixture{fmt.Sprintf("pg-v%d", v), pgFixtures[v],
					filepath.Join("testdata", "upgrade", fmt.Sprintf("pg-v%d.export.jsonl", v))})
			}
		}
	}
	for _, fx := range fs {
		t.Run(fx.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			storeArg := filepath.Join(dir, "hookctl.db")
			if strings.HasPrefix(fx.name, "pg-") {
				storeArg = pgtest.URL(t)
				restorePostgresDump(t, storeArg, fx.store)
			} else {
				gunzipTo(t, fx.store, storeArg)
			}
			f, err := os.Open(fx.export)
			if err != nil {
				t.Fatal(err)
			}
			old := readDump(t, f)
			f.Close()
			var appID, msgID, msgEventID string
			for _, r := range old {
				if o := r.Object; o != nil && o.Kind == "svix.app" {
					appID = o.ID
				}
				if e := r.Event; e != nil && len(e.Headers["X-Hookctl-Svix-App"]) > 0 {
					msgID = e.ID
					msgEventID = e.Headers["X-Hookctl-Svix-Event-Id"][0]
				}
			}
			if appID == "" || msgID == "" || msgEventID == "" {
				t.Fatalf("%s: no Svix application (%q) or message (%q, eventId %q)", fx.export, appID, msgID, msgEventID)
			}
			u := newUpgradeEnv(t, dir, storeArg)
			u.ok("store", "migrate")
			base := upgfixStartReady(t, u, "serve", "--port", "0", "-o", "json")

			call := func(method, path, body string) (int, string) {
				t.Helper()
				req, err := http.NewRequest(method, base+path, strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Authorization", "Bearer testsk_local")
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				return resp.StatusCode, string(b)
			}
			ids := func(path string) []string {
				t.Helper()
				code, body := call("GET", path, "")
				var page struct {
					Data []struct {
						ID   string `json:"id"`
						Name string `json:"name"`
					} `json:"data"`
				}
				if err := json.Unmarshal([]byte(body), &page); code != http.StatusOK || err != nil {
					t.Fatalf("GET %s: %d %v\n%s", path, code, err, body)
				}
				var out []string
				for _, d := range page.Data {
					out = append(out, d.ID+d.Name)
				}
				return out
			}
			if got := ids("/api/v1/app/"); !slices.Contains(got, appID+"Shop") {
				t.Errorf("serve lists applications %v after the upgrade, want %s (Shop)", got, appID)
			}
			if got := ids("/api/v1/event-type/"); !slices.Contains(got, "order.created") {
				t.Errorf("serve lists event types %v after the upgrade, want order.created", got)
			}
			if got := ids("/api/v1/app/shop/endpoint/"); len(got) != 1 {
				t.Errorf("serve lists endpoints %v of the application after the upgrade, want the one", got)
			}
			if got := ids("/api/v1/app/shop/msg/"); !slices.Equal(got, []string{msgID}) {
				t.Errorf("serve lists messages %v after the upgrade, want [%s]", got, msgID)
			}
			if got := ids("/api/v1/app/shop/attempt/msg/" + msgID + "/"); len(got) != 1 {
				t.Errorf("serve lists attempts %v of message %s after the upgrade, want the one", got, msgID)
			}
			// Found by its eventId (what de-duplicates a new message with
			// it, for a day: the fixture's message may be older).
			code, body := call("GET", "/api/v1/app/shop/msg/"+msgEventID+"/", "")
			var msg struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal([]byte(body), &msg); code != http.StatusOK || err != nil || msg.ID != msgID {
				t.Errorf("GET the message by its eventId %s after the upgrade: %d %s, want %s", msgEventID, code, body, msgID)
			}
		})
	}
}
