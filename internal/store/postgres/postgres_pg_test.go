package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/store/storetest"
)

func openDB(t *testing.T, u string) *postgres.DB {
	t.Helper()
	db, err := postgres.OpenDB(context.Background(), u)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newEvent(t *testing.T, db *postgres.DB, n int, runID string, at time.Time) (*store.Event, []*store.Delivery) {
	t.Helper()
	e := &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{"n":1}`), ContentType: "application/json", Source: store.SourceTriggered}
	var ds []*store.Delivery
	for i := 0; i < n; i++ {
		ds = append(ds, &store.Delivery{URL: fmt.Sprintf("http://127.0.0.1:1/%d", i), Status: store.DeliveryPending, MaxAttempts: 3,
			Schedule: "0s,1s,2s", NextAttemptAt: at, RunID: runID})
	}
	if err := db.CreateEvent(context.Background(), e, ds); err != nil {
		t.Fatalf("create event: %v", err)
	}
	return e, ds
}

// Two processes opening a fresh store at once: one migrates, the other
// waits on the advisory lock and finds the schema current.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	u := pgtest.URL(t)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			db, err := postgres.OpenDB(context.Background(), u)
			if err == nil {
				db.Close()
			}
			errs[i] = err
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
	}
	db := openDB(t, u)
	var n int
	if err := db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM hookctl_schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(migrationsOnDisk(t)) {
		t.Fatalf("schema_migrations has %d rows, want %d", n, len(migrationsOnDisk(t)))
	}
	cur, latest, err := db.SchemaVersion(context.Background())
	if err != nil || cur != latest || cur != postgres.LatestVersion() {
		t.Fatalf("SchemaVersion = %d, %d, %v", cur, latest, err)
	}
}

func migrationsOnDisk(t *testing.T) []int {
	var vs []int
	for v := 1; v <= postgres.LatestVersion(); v++ {
		vs = append(vs, v)
	}
	return vs
}

func TestNewerSchemaRefused(t *testing.T) {
	u := pgtest.URL(t)
	db := openDB(t, u)
	if _, err := db.Pool().Exec(context.Background(), `INSERT INTO hookctl_schema_migrations (version, name) VALUES (999, '0999_future.sql')`); err != nil {
		t.Fatal(err)
	}
	_, err := postgres.Open(context.Background(), u)
	var env *store.EnvironmentError
	if !errors.As(err, &env) {
		t.Fatalf("open newer schema: err = %v, want EnvironmentError", err)
	}
	if !strings.Contains(err.Error(), "schema version 999") || !strings.Contains(env.Hint, "upgrade hookctl") {
		t.Fatalf("error %q hint %q", err, env.Hint)
	}
	if strings.Contains(err.Error(), "hookctl@") {
		t.Fatalf("password not masked: %v", err)
	}
}

func TestForeignTablesRefused(t *testing.T) {
	u := pgtest.URL(t)
	conn, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(context.Background(), `CREATE TABLE events (x int)`); err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	_, err = postgres.Open(context.Background(), u)
	var env *store.EnvironmentError
	if !errors.As(err, &env) || !strings.Contains(err.Error(), "not a hookctl store") {
		t.Fatalf("err = %v, want EnvironmentError about a foreign schema", err)
	}
	// Refused, the schema is left as it was: no migrations table.
	var tables []string
	rows, err := conn.Query(context.Background(), `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	if tables, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	if strings.Join(tables, ",") != "events" {
		t.Fatalf("tables after the refusal: %v, want only events", tables)
	}
}

func TestConnectErrorsMaskPassword(t *testing.T) {
	base := pgtest.ServerURL(t)
	good, _ := url.Parse(base)
	wrongPass := *good
	wrongPass.User = url.UserPassword(good.User.Username(), "wrong-s3cret")
	noDB := *good
	noDB.Path = "/no_such_db"
	// The test server has ssl off: sslmode=require is refused.
	tlsRequired := *good
	tlsRequired.User = url.UserPassword(good.User.Username(), "top-s3cret")
	q := tlsRequired.Query()
	q.Set("sslmode", "require")
	tlsRequired.RawQuery = q.Encode()
	for _, tc := range []struct {
		name, url, hint string
		code            int
	}{
		{"unreachable", "postgres://app:top-s3cret@127.0.0.1:1/hookctl?sslmode=disable&connect_timeout=2", "is PostgreSQL running", 3},
		{"bad password", wrongPass.String(), "password", 3},
		{"no database", noDB.String(), "createdb no_such_db", 3},
		{"server without TLS", tlsRequired.String(), "does not accept TLS: use sslmode=disable", 3},
		// A malformed URL is bad input (exit 2), like an unknown scheme.
		{"bad URL", "postgres://app:top-s3cret@127.0.0.1:notaport/hookctl", "use postgres://USER:PASSWORD@HOST:PORT/DATABASE", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := postgres.Open(context.Background(), tc.url)
			var env *store.EnvironmentError
			if !errors.As(err, &env) {
				t.Fatalf("err = %v, want EnvironmentError", err)
			}
			if env.ExitCode() != tc.code {
				t.Fatalf("exit code %d, want %d", env.ExitCode(), tc.code)
			}
			hints := strings.Join(env.Hints(), "\n")
			msg := err.Error() + " " + hints
			if strings.Contains(msg, "s3cret") || !strings.Contains(msg, "xxxxx") {
				t.Fatalf("password not masked: %s", msg)
			}
			if !strings.Contains(hints, tc.hint) {
				t.Fatalf("hints %q, want them to mention %q", hints, tc.hint)
			}
		})
	}
}

// Many claimers racing over one outbox: every delivery is claimed exactly
// once.
func TestClaimDueNoDoubleClaim(t *testing.T) {
	db := openDB(t, pgtest.URL(t))
	ctx := context.Background()
	now := time.Now()
	const events, per = 100, 3
	for i := 0; i < events; i++ {
		newEvent(t, db, per, "", now.Add(-time.Second))
	}
	var mu sync.Mutex
	seen := map[string]string{}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			owner := fmt.Sprintf("w%d", w)
			for {
				ds, err := db.ClaimDue(ctx, owner, now, time.Minute, 7, "")
				if err != nil {
					t.Error(err)
					return
				}
				if len(ds) == 0 {
					return
				}
				mu.Lock()
				for _, d := range ds {
					if prev, ok := seen[d.ID]; ok {
						t.Errorf("delivery %s claimed by %s and %s", d.ID, prev, owner)
					}
					seen[d.ID] = owner
					if d.LeaseOwner != owner || !d.LeaseExpiresAt.Equal(now.Add(time.Minute).Truncate(time.Microsecond)) {
						t.Errorf("lease = %q until %v", d.LeaseOwner, d.LeaseExpiresAt)
					}
				}
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	if len(seen) != events*per {
		t.Fatalf("claimed %d deliveries, want %d", len(seen), events*per)
	}
}

func TestLeaseExpiryAndLeaseLost(t *testing.T) {
	db := openDB(t, pgtest.URL(t))
	ctx := context.Background()
	t0 := time.Now().Truncate(time.Microsecond)
	_, ds := newEvent(t, db, 1, "run-1", t0)
	got, err := db.ClaimDue(ctx, "A", t0, 30*time.Second, 10, "run-1")
	if err != nil || len(got) != 1 || got[0].ID != ds[0].ID {
		t.Fatalf("claim A: %v %v", got, err)
	}
	// Still leased to A: B gets nothing, other runs get nothing.
	if got, _ := db.ClaimDue(ctx, "B", t0.Add(10*time.Second), 30*time.Second, 10, ""); len(got) != 0 {
		t.Fatalf("B claimed a leased delivery: %v", got)
	}
	// A was killed; after the lease B takes over.
	got, err = db.ClaimDue(ctx, "B", t0.Add(31*time.Second), 30*time.Second, 10, "")
	if err != nil || len(got) != 1 {
		t.Fatalf("claim B after expiry: %v %v", got, err)
	}
	// A comes back and records its attempt: kept, but the lease is lost.
	err = db.RecordAttempt(ctx, "A", &store.Attempt{DeliveryID: ds[0].ID, Number: 1, StartedAt: t0, ResponseStatus: 200},
		store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200})
	if !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("record by A: %v, want ErrLeaseLost", err)
	}
	d, _ := db.GetDelivery(ctx, ds[0].ID)
	if d.Status != store.DeliveryPending || d.LeaseOwner != "B" || d.AttemptCount != 0 {
		t.Fatalf("after lost lease: status %s owner %s count %d", d.Status, d.LeaseOwner, d.AttemptCount)
	}
	// B records its own attempt: numbered after A's, applied, lease released.
	a := &store.Attempt{DeliveryID: ds[0].ID, Number: 1, StartedAt: t0.Add(31 * time.Second), ResponseStatus: 500}
	next := t0.Add(40 * time.Second)
	if err := db.RecordAttempt(ctx, "B", a, store.DeliveryUpdate{Status: store.DeliveryPending, NextAttemptAt: next, LastStatus: 500, LastError: "HTTP 500"}); err != nil {
		t.Fatal(err)
	}
	if a.Number != 2 {
		t.Fatalf("attempt number %d, want 2", a.Number)
	}
	d, _ = db.GetDelivery(ctx, ds[0].ID)
	if d.LeaseOwner != "" || d.AttemptCount != 1 || d.LastStatus != 500 || !d.NextAttemptAt.Equal(next) {
		t.Fatalf("after B: %+v", d)
	}
	atts, _ := db.ListAttempts(ctx, ds[0].ID)
	if len(atts) != 2 || atts[0].Number != 1 || atts[1].Number != 2 {
		t.Fatalf("attempts: %+v", atts)
	}
	// Not due before next.
	if got, _ := db.ClaimDue(ctx, "C", next.Add(-time.Millisecond), time.Minute, 10, ""); len(got) != 0 {
		t.Fatalf("claimed before due: %v", got)
	}
	if got, _ := db.ClaimDue(ctx, "C", next, time.Minute, 10, ""); len(got) != 1 {
		t.Fatalf("not claimed when due")
	}
}

func TestExportImportBatchRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := openDB(t, pgtest.URL(t))
	sub := &store.Subscription{CallbackURL: "https://example.test/hook", Events: []string{"card.*"}, Secret: "whsec_x",
		Headers: map[string]string{"X-Team": "a"}, Metadata: map[string]string{"created_by": "test"}}
	if err := src.CreateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	e := &store.Event{ID: "evt_1", Type: "card.created", Payload: []byte("{\"a\": 1.50}\n"), Headers: map[string][]string{"X": {"1", "2"}}}
	d := &store.Delivery{SubscriptionID: sub.ID, URL: sub.CallbackURL, MaxAttempts: 2}
	d2 := &store.Delivery{URL: "http://127.0.0.1:9/adhoc", Secret: "s", Scheme: "standard"}
	if err := src.CreateEvent(ctx, e, []*store.Delivery{d, d2}); err != nil {
		t.Fatal(err)
	}
	if err := src.RecordAttempt(ctx, "", &store.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: time.Now(), Duration: 1234567,
		ResponseStatus: 200, ResponseBody: []byte("ok"), ResponseHeaders: map[string][]string{"Content-Type": {"text/plain"}}},
		store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200}); err != nil {
		t.Fatal(err)
	}
	var recs []store.Record
	if err := src.Export(ctx, func(r store.Record) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 || recs[0].Subscription == nil || recs[1].Event == nil || recs[2].Delivery == nil || recs[4].Attempt == nil {
		t.Fatalf("export order/records: %+v", recs)
	}
	dst := openDB(t, pgtest.URL(t))
	for i := 0; i < 2; i++ { // idempotent
		if err := dst.ImportBatch(ctx, recs); err != nil {
			t.Fatalf("import %d: %v", i, err)
		}
	}
	info, err := dst.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Subscriptions != 1 || info.Events != 1 || info.Deliveries != 2 || info.Attempts != 1 || info.Backend != "postgres" {
		t.Fatalf("info after import: %+v", info)
	}
	gotE, _ := dst.GetEvent(ctx, "evt_1")
	if !bytes.Equal(gotE.Payload, e.Payload) || !gotE.CreatedAt.Equal(e.CreatedAt) || len(gotE.Headers["X"]) != 2 {
		t.Fatalf("event after import: %+v", gotE)
	}
	gotD, _ := dst.GetDelivery(ctx, d.ID)
	if gotD.Status != store.DeliverySucceeded || gotD.SubscriptionID != sub.ID || !gotD.CreatedAt.Equal(d.CreatedAt) {
		t.Fatalf("delivery after import: %+v", gotD)
	}
	atts, _ := dst.ListAttempts(ctx, d.ID)
	if len(atts) != 1 || atts[0].Duration != 1234567 || string(atts[0].ResponseBody) != "ok" {
		t.Fatalf("attempts after import: %+v", atts)
	}
	// A delivery whose subscription is not in the target keeps its history.
	dst2 := openDB(t, pgtest.URL(t))
	if err := dst2.ImportBatch(ctx, recs[1:]); err != nil {
		t.Fatal(err)
	}
	if gotD, _ := dst2.GetDelivery(ctx, d.ID); gotD.SubscriptionID != "" {
		t.Fatalf("dangling subscription kept: %q", gotD.SubscriptionID)
	}
	// Out of order (delivery before its event) is a clear error naming
	// both (bad input, exit 2; its hint gives the export order).
	dst3 := openDB(t, pgtest.URL(t))
	err = dst3.Import(ctx, recs[2])
	var re *store.ImportRefError
	if !errors.As(err, &re) || re.RefKind != "event" || re.RefID != "evt_1" || !strings.Contains(strings.Join(re.Hints(), " "), "in that order") {
		t.Fatalf("import orphan delivery: %v", err)
	}
}

func TestInfoMasksPassword(t *testing.T) {
	db := openDB(t, pgtest.URL(t))
	info, err := db.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := url.Parse(pgtest.ServerURL(t)); u.User != nil {
		if p, ok := u.User.Password(); ok && strings.Contains(info.Location, p+"@") {
			t.Fatalf("location shows the password: %s", info.Location)
		}
	}
	if !strings.Contains(info.Location, "xxxxx@") || info.SchemaVersion != postgres.LatestVersion() {
		t.Fatalf("info: %+v", info)
	}
}

// search_path=NAME in the URL names hookctl's own schema: created on first
// open.
func TestSearchPathSchemaCreated(t *testing.T) {
	u, schema := newSchemaURL(t, fmt.Sprintf("hookctl_sp_%d", time.Now().UnixNano()))
	db := openDB(t, u)
	var n int
	if err := db.Pool().QueryRow(context.Background(),
		`SELECT count(*) FROM information_schema.tables WHERE table_schema = $1`, schema).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 8 {
		t.Fatalf("schema %s has %d tables, want 8", schema, n)
	}
}

// newSchemaURL returns the test server's URL with search_path=name, a
// schema that does not exist yet (dropped when the test ends), and the
// schema's name as PostgreSQL folds it.
func newSchemaURL(t *testing.T, name string) (string, string) {
	t.Helper()
	base := pgtest.ServerURL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	schema := strings.ToLower(name)
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), base)
		if err == nil {
			_, _ = conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
			conn.Close(context.Background())
		}
	})
	return u.String(), schema
}

// Several processes starting at once on a search_path schema that does not
// exist yet: the first creates it and migrates; those that start once the
// schema exists (but before the tables do) must wait for that migration,
// not run their own beside it (duplicate key in pg_type, "already has tables
// that are not a hookctl store", a version recorded twice).
func TestConcurrentOpenCreatesSchemaOnce(t *testing.T) {
	for round := 0; round < 3; round++ {
		u, schema := newSchemaURL(t, fmt.Sprintf("Hookctl_Race_%d_%d", round, time.Now().UnixNano()))
		var wg sync.WaitGroup
		errs := make([]error, 12)
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				// Staggered: some find no schema, some find it mid-migration.
				time.Sleep(time.Duration(i) * 4 * time.Millisecond)
				db, err := postgres.OpenDB(context.Background(), u)
				if err == nil {
					db.Close()
				}
				errs[i] = err
			}(i)
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: open %d: %v", round, i, err)
			}
		}
		db := openDB(t, u)
		var n int
		if err := db.Pool().QueryRow(context.Background(),
			`SELECT count(*) FROM hookctl_schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		var cur string
		if err := db.Pool().QueryRow(context.Background(), `SELECT current_schema()`).Scan(&cur); err != nil || cur != schema {
			t.Fatalf("current_schema() = %q, %v; want %q", cur, err, schema)
		}
		if n != len(migrationsOnDisk(t)) {
			t.Fatalf("round %d: schema_migrations has %d rows, want %d", round, n, len(migrationsOnDisk(t)))
		}
	}
}

// A server with no connection left for hookctl's user (max_connections,
// or the role's or database's CONNECTION LIMIT) is an environment problem
// with a hint about the pool, at open and when the pool grows mid-run:
// before, it was "is PostgreSQL running and reachable?" at open and exit 1
// with SQLSTATE 53300 mid-run.
func TestTooManyConnections(t *testing.T) {
	u := pgtest.URL(t)
	ctx := context.Background()
	openDB(t, u) // migrated by the owner
	roleURL := newRole(t, u, "CONNECTION LIMIT 2", "GRANT USAGE ON SCHEMA %s TO %s", "GRANT SELECT ON ALL TABLES IN SCHEMA %s TO %s")
	var held []*pgx.Conn
	hold := func() {
		c, err := pgx.Connect(ctx, roleURL)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	t.Cleanup(func() {
		for _, c := range held {
			c.Close(ctx)
		}
	})
	wantNoConnections := func(what string, err error) {
		t.Helper()
		var env *store.EnvironmentError
		if !errors.As(err, &env) || env.ExitCode() != 3 || !strings.Contains(env.Hint, "pool_max_conns") ||
			strings.Contains(err.Error(), "role-s3cret") {
			t.Fatalf("%s with no connection left: %v (%T)", what, err, err)
		}
	}

	// Mid-run: the store holds one connection; another process takes the
	// last one; the pool needs a second.
	db := openDB(t, roleURL)
	hold()
	conn, err := db.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.ListSubscriptions(ctx, store.SubscriptionFilter{})
	conn.Release()
	wantNoConnections("a second pooled connection", err)

	// At open: the store above and the other process hold both.
	_, err = postgres.OpenDB(ctx, roleURL)
	wantNoConnections("open", err)
}

// A query the server cancels because its statement_timeout or lock_timeout
// (set for hookctl's user or database) ran out says so, with the setting to
// raise: exit 3, not exit 1 with "canceling statement … (SQLSTATE 57014)".
func TestServerTimeouts(t *testing.T) {
	u := pgtest.URL(t)
	ctx := context.Background()
	openDB(t, u)
	// Another session holds the events table, so the store's query waits
	// until the server's timeout cancels it.
	locker, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close(ctx)
	tx, err := locker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `LOCK TABLE events IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	for _, setting := range []string{"statement_timeout", "lock_timeout"} {
		db := openDB(t, u+"&options=-c%20"+setting+"%3D200")
		_, err := db.ListEvents(ctx, store.EventFilter{})
		var env *store.EnvironmentError
		if !errors.As(err, &env) || env.ExitCode() != 3 || !strings.Contains(err.Error(), setting) ||
			!strings.Contains(env.Hint, "raise "+setting) {
			t.Errorf("%s ran out: %v (%T)", setting, err, err)
		}
	}
}

// newRole creates a login role (dropped when the test ends) with options
// (e.g. CONNECTION LIMIT 2), runs each grant (a format with the schema of
// u and the role), and returns u for that role.
func newRole(t *testing.T, u, options string, grants ...string) string {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, pgtest.ServerURL(t))
	if err != nil {
		t.Fatal(err)
	}
	role := fmt.Sprintf("hookctl_role_%d", time.Now().UnixNano())
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	schema := parsed.Query().Get("search_path")
	qs := []string{`CREATE ROLE ` + role + ` LOGIN PASSWORD 'role-s3cret' ` + options}
	for _, g := range grants {
		qs = append(qs, fmt.Sprintf(g, schema, role))
	}
	for _, q := range qs {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		defer admin.Close(context.Background())
		_, _ = admin.Exec(context.Background(), `DROP OWNED BY `+role+` CASCADE`)
		if _, err := admin.Exec(context.Background(), `DROP ROLE `+role); err != nil {
			t.Logf("drop role %s: %v", role, err)
		}
	})
	parsed.User = url.UserPassword(role, "role-s3cret")
	return parsed.String()
}

// A user without the privileges hookctl needs gets an environment error
// (exit 3) saying which and the GRANT to run: to create hookctl's tables
// (PostgreSQL 15 no longer lets every user create in public), to create
// the search_path schema, to write the tables. Before: exit 1 and
// "permission denied for schema public (SQLSTATE 42501)".
func TestInsufficientPrivileges(t *testing.T) {
	ctx := context.Background()
	want := func(what string, err error, hint string) {
		t.Helper()
		var env *store.EnvironmentError
		if !errors.As(err, &env) || env.ExitCode() != 3 || !strings.Contains(env.Hint, hint) || strings.Contains(err.Error(), "role-s3cret") {
			t.Errorf("%s: %v (%T), want an environment error with a hint about %q", what, err, err, hint)
		}
	}
	// A schema the user may use but not create in.
	u := pgtest.URL(t)
	_, err := postgres.OpenDB(ctx, newRole(t, u, "", "GRANT USAGE ON SCHEMA %s TO %s"))
	want("creating the tables", err, "GRANT CREATE ON SCHEMA")

	// A search_path schema the user may not create.
	noSchema := regexp.MustCompile(`search_path=[^&]*`).ReplaceAllString(newRole(t, u, ""), fmt.Sprintf("search_path=hookctl_priv_%d", time.Now().UnixNano()))
	_, err = postgres.OpenDB(ctx, noSchema)
	want("creating the schema", err, "CREATE SCHEMA")

	// Tables the user may read, not write.
	openDB(t, u)
	db := openDB(t, newRole(t, u, "", "GRANT USAGE ON SCHEMA %s TO %s", "GRANT SELECT ON ALL TABLES IN SCHEMA %s TO %s"))
	if _, err := db.ListSubscriptions(ctx, store.SubscriptionFilter{}); err != nil {
		t.Fatal(err)
	}
	err = db.CreateSubscription(ctx, &store.Subscription{CallbackURL: "http://127.0.0.1:1/", Events: []string{"*"}})
	want("writing", err, "GRANT SELECT, INSERT, UPDATE, DELETE")
}

// search_path=hookctl,public names the schema for hookctl's tables first:
// when it does not exist it is created and the tables go there, not into
// the next schema of the path (where the day someone created hookctl every
// process would switch to an empty store). A store later on the path
// (another team's, or one an older hookctl made there) is neither used
// nor hidden by a new empty one: refused, naming both schemas, and no
// schema is created.
func TestSearchPathListCreatesFirstSchema(t *testing.T) {
	ctx := context.Background()
	fallback := pgtest.URL(t) // an existing, empty schema: the path's second
	parsed, _ := url.Parse(fallback)
	second := parsed.Query().Get("search_path")
	withPath := func(path string) string {
		return regexp.MustCompile(`search_path=[^&]*`).ReplaceAllString(fallback, "search_path="+url.QueryEscape(path))
	}
	first := fmt.Sprintf("hookctl_first_%d", time.Now().UnixNano())
	newSchemaURL(t, first) // dropped when the test ends
	db := openDB(t, withPath(first+","+second))
	var where string
	if err := db.Pool().QueryRow(ctx, `SELECT table_schema FROM information_schema.tables WHERE table_name = 'events' AND table_schema IN ($1, $2)`,
		first, second).Scan(&where); err != nil {
		t.Fatal(err)
	}
	if where != first {
		t.Fatalf("tables created in %s, want %s (the first of search_path)", where, first)
	}

	// A store in the second schema: refused.
	openDB(t, fallback)
	other := fmt.Sprintf("hookctl_other_%d", time.Now().UnixNano())
	newSchemaURL(t, other)
	_, err := postgres.OpenDB(ctx, withPath(other+","+second))
	var env *store.EnvironmentError
	if !errors.As(err, &env) || !strings.Contains(err.Error(), fmt.Sprintf(`schema %q, the first of search_path, has no hookctl store, but schema %q later on the path has one`, other, second)) {
		t.Fatalf("open with a store later on the path: %v, want it refused naming %s and %s", err, other, second)
	}
	var n int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_namespace WHERE nspname = $1`, other).Scan(&n); err != nil || n != 0 {
		t.Fatalf("schema %s was created (%d, %v) though a store was on the path", other, n, err)
	}
}

// A batch of attempts sent again (RecordAttemptsAgain) after the server
// committed it but went away before saying so (the recorder waits for the
// store and tries the batch again) is recorded once: each attempt was inserted a second time,
// renumbered as a lease-lost attempt (34 extra attempts in a worker run
// through a PostgreSQL crash).
func TestRecordAttemptsSentTwiceRecordedOnce(t *testing.T) {
	db := openDB(t, pgtest.URL(t))
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	_, ds := newEvent(t, db, 3, "", now)
	if c, err := db.ClaimDue(ctx, "w", now, time.Minute, 10, ""); err != nil || len(c) != 3 {
		t.Fatalf("claim: %d %v", len(c), err)
	}
	var as []*store.Attempt
	var us []store.DeliveryUpdate
	for i, d := range ds {
		as = append(as, &store.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: now.Add(time.Duration(i) * time.Millisecond),
			Duration: time.Millisecond, ResponseStatus: 200})
		us = append(us, store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200})
	}
	for try, record := range []func(context.Context, string, []*store.Attempt, []store.DeliveryUpdate) ([]error, error){db.RecordAttempts, db.RecordAttemptsAgain} {
		errs, err := record(ctx, "w", as, us)
		if err != nil {
			t.Fatalf("try %d: %v", try, err)
		}
		for i, e := range errs {
			if e != nil {
				t.Errorf("try %d, attempt %d: %v, want it recorded", try, i, e)
			}
		}
	}
	for _, d := range ds {
		got, err := db.ListAttempts(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		g, _ := db.GetDelivery(ctx, d.ID)
		if len(got) != 1 || g.AttemptCount != 1 || g.Status != store.DeliverySucceeded {
			t.Errorf("delivery %s: %d attempts, count %d, %s; want one attempt, succeeded", d.ID, len(got), g.AttemptCount, g.Status)
		}
	}
}

// A deleted subscription's deliveries are stamped with hookctl's clock,
// as every other write is, not with the server's: a store shared by
// machines whose clocks differ orders its changes by their writers'.
func TestDeleteSubscriptionStampsClientClock(t *testing.T) {
	db := openDB(t, pgtest.URL(t))
	ctx := context.Background()
	at := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	defer postgres.SetClock(func() time.Time { return at })()
	sub := &store.Subscription{CallbackURL: "http://127.0.0.1:1/hook", Events: []string{"*"}, Secret: "whsec_dGVzdHNlY3JldHRlc3RzZWNyZXQ=", Status: "enabled"}
	if err := db.CreateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	e := &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{"n":1}`), ContentType: "application/json", Source: store.SourceTriggered}
	d := &store.Delivery{SubscriptionID: sub.ID, URL: sub.CallbackURL, Status: store.DeliveryPending, MaxAttempts: 3, Schedule: "0s", NextAttemptAt: at.Add(time.Hour)}
	if err := db.CreateEvent(ctx, e, []*store.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	at = at.Add(time.Minute)
	if err := db.DeleteSubscription(ctx, sub.ID); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetDelivery(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.DeliveryFailed || !got.UpdatedAt.Equal(at) {
		t.Errorf("after delete: %s, updated %s; want failed, updated %s (hookctl's clock)", got.Status, got.UpdatedAt, at)
	}
}

// Subscriptions stored before URL schemes were kept in lower case (and
// the deliveries that copied their URL) are lowered by schema version 11
// (taken back with those after it, which migrate again).
func TestMigratesUpperCaseSchemes(t *testing.T) {
	u := pgtest.URL(t)
	db := openDB(t, u)
	c := storetest.SeedUpperCaseSchemes(t, db)
	if _, err := db.Pool().Exec(context.Background(), `DELETE FROM hookctl_schema_migrations WHERE version >= 11`); err != nil {
		t.Fatal(err)
	}
	again, err := postgres.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	storetest.CheckLowerCaseSchemes(t, again, c)
}

// store migrate reports the migration that opening the store applied
// (open migrates, so asking again found nothing left and read "up to
// date" after every upgrade).
func TestMigrateReportsWhatOpenApplied(t *testing.T) {
	u := pgtest.URL(t)
	ctx := context.Background()
	db := openDB(t, u)
	latest := postgres.LatestVersion()
	if from, to, err := db.Migrate(ctx); err != nil || from != 0 || to != latest {
		t.Fatalf("new store: Migrate = %d, %d, %v; want 0, %d", from, to, err, latest)
	}
	if _, err := db.Pool().Exec(ctx, `DELETE FROM hookctl_schema_migrations WHERE version = $1`, latest); err != nil {
		t.Fatal(err)
	}
	again, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	m := again.(store.Migrator)
	if from, to, err := m.Migrate(ctx); err != nil || from != latest-1 || to != latest {
		t.Fatalf("store at %d: Migrate = %d, %d, %v; want %d, %d", latest-1, from, to, err, latest-1, latest)
	}
	third, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	if from, to, err := third.(store.Migrator).Migrate(ctx); err != nil || from != latest || to != latest {
		t.Fatalf("current store: Migrate = %d, %d, %v; want %d, %d", from, to, err, latest, latest)
	}
}
