//go:build !windows

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// A shell's TAB runs `hookctl __complete …`: it must have no side effects
// and never hang. These tests run the requests the shells send (the
// scripts in completions/ run exactly these, with stderr discarded).

// completeRequests are TABs that read the store.
var completeRequests = [][]string{
	{"__complete", "subscriptions", "show", ""},
	{"__complete", "deliveries", "show", ""},
	{"__complete", "replay", ""},
	{"__complete", "events", "show", "e"},
	{"__complete", "trigger", "--subscription", ""},
}

// complete runs one completion request with env and returns its stdout
// (the candidates, then the :directive line) and how long it took.
func (e *ptyEnv) complete(env []string, args ...string) (string, time.Duration) {
	e.t.Helper()
	c := e.command(env, args...)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	start := time.Now()
	if err := c.Run(); err != nil {
		e.t.Fatalf("%v: %v\n%s", args, err, stderr.String())
	}
	return stdout.String(), time.Since(start)
}

// candidates are the values of a completion request's output.
func candidates(out string) []string {
	var vals []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" || strings.HasPrefix(l, ":") {
			continue
		}
		v, _, _ := strings.Cut(l, "\t")
		vals = append(vals, v)
	}
	return vals
}

// TAB never creates a store: not the file named by HOOKCTL_STORE, nor its
// directory, nor the default store.
func TestShellsCompletionCreatesNoStore(t *testing.T) {
	e := newPTYEnv(t)
	named := filepath.Join(e.dir, "sub", "new.db")
	empty := filepath.Join(e.dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, store := range []string{named, empty, ""} {
		for _, req := range completeRequests {
			e.complete([]string{"HOOKCTL_STORE=" + store}, req...)
		}
	}
	for _, p := range []string{filepath.Dir(named), empty + "-wal", filepath.Join(e.dir, ".local")} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("TAB created %s (%v)", p, err)
		}
	}
	if fi, err := os.Stat(empty); err != nil || fi.Size() != 0 {
		t.Errorf("TAB wrote to the empty file %s (%v)", empty, err)
	}
}

// tree lists the files under dir with a digest of each.
func tree(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	files := map[string][32]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			files[p] = [32]byte{}
			return err
		}
		b, err := os.ReadFile(p)
		files[p] = sha256.Sum256(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// On a store of the current schema, TABs change nothing on disk: not the
// store (nor do they leave a -wal or -shm beside it), not the config
// directory, nothing else in the home directory.
func TestShellsCompletionChangesNothing(t *testing.T) {
	e := left2Env(t)
	before := tree(t, e.dir)
	for _, req := range append(completeRequests, []string{"__complete", "config", "get", ""}, []string{"__complete", "tri"},
		[]string{"__complete", "listen", "--scheme", ""}, []string{"__completeNoDesc", "replay", ""}) {
		if out, _ := e.complete(nil, req...); req[1] != "tri" && req[1] != "listen" && req[1] != "config" && len(candidates(out)) == 0 {
			t.Errorf("%v: no candidates", req)
		}
	}
	after := tree(t, e.dir)
	for p, sum := range after {
		if b, ok := before[p]; !ok {
			t.Errorf("TAB created %s", p)
		} else if b != sum {
			t.Errorf("TAB changed %s", p)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			t.Errorf("TAB removed %s", p)
		}
	}
}

// An older store (schema 1, as the first hookctl wrote it) is left as it
// is: TAB does not migrate it (the next command does, and says so), and
// completes nothing from it.
func TestShellsCompletionLeavesOldStore(t *testing.T) {
	e := newPTYEnv(t)
	path := filepath.Join(e.dir, "v1.db")
	v1, err := os.ReadFile(filepath.Join("internal", "store", "sqlite", "migrations", "0001_init.sql"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{string(v1), `PRAGMA application_id = 1751868276; PRAGMA user_version = 1`,
		`INSERT INTO subscriptions (id, callback_url, events, secret, status, created_at, updated_at)
			VALUES ('5ub00000-0000-4000-8000-000000000001', 'http://127.0.0.1:9/h', '["*"]', 'whsec_x', 'enabled', 1, 1)`} {
		if _, err := db.Exec(q); err != nil {
			db.Close()
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	db.Close()
	sum := func() [32]byte {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(b)
	}
	before := sum()
	for _, req := range completeRequests {
		out, _ := e.complete([]string{"HOOKCTL_STORE=" + path}, req...)
		if c := candidates(out); len(c) > 0 && req[1] != "events" {
			t.Errorf("%v on a schema-1 store: %v", req, c)
		}
	}
	if sum() != before {
		t.Errorf("TAB changed the schema-1 store (migrated it?)")
	}
	for _, side := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(path + side); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("TAB left %s%s (%v)", path, side, err)
		}
	}
}

// A PostgreSQL server that accepts the connection and never answers (a
// firewall that black-holes it, a server hung) costs a TAB about a
// second, not pgx's 5 s connect timeout; one that refuses costs nothing.
// The candidates that need no store still come.
func TestShellsCompletionUnansweredPostgres(t *testing.T) {
	slowFaultTest(t, "TAB against a PostgreSQL that never answers (~4 s)")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var held []net.Conn // read nothing, answer nothing
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	e := newPTYEnv(t)
	for _, store := range []string{"postgres://u@" + ln.Addr().String() + "/x?sslmode=disable", "postgres://u@127.0.0.1:1/x?sslmode=disable"} {
		env := []string{"HOOKCTL_STORE=" + store}
		for _, req := range completeRequests[:3] {
			out, took := e.complete(env, req...)
			if took > 2*time.Second {
				t.Errorf("%v on %s took %v", req, store, took)
			}
			if !strings.HasSuffix(strings.TrimSpace(out), ":4") {
				t.Errorf("%v on %s: %q", req, store, out)
			}
		}
		out, _ := e.complete(env, "__complete", "events", "show", "card.cr")
		if c := candidates(out); len(c) != 1 || c[0] != "card.created" {
			t.Errorf("events show card.cr<TAB> on %s: %v, want the catalog's card.created", store, c)
		}
	}
}

// A process in the middle of a write transaction (listen, worker) does
// not hold up a TAB: the ids come at once.
//
// A TAB held up by the writer's lock waits CompletionWait (500 ms) for it
// and then completes nothing, or comes that much later. "At once" is
// measured against the same TAB without the writer, in turns, the fastest
// of each: a fixed bound of 1 s on the whole process failed at every run
// race-built beside two CPU hogs (load ~20), where starting and ending a
// race-built hookctl alone took 1.05–1.5 s, the ids right each time, and
// the fastest of three differed by up to 550 ms either way. Rounds go on
// until the fastest TAB beside the writer is within CompletionWait/2 of
// the fastest alone (a TAB that waits never is, however many rounds:
// they only make the fastest alone faster), at most maxRounds. There the
// TAB's own deadline (1 s from its start) also ran out once, alone: it
// completed nothing.
func TestShellsCompletionBesideWriter(t *testing.T) {
	e := left2Env(t)
	path := filepath.Join(e.dir, "hookctl.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_txlock=exclusive")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const want = "[2c01e681-cd51-4f5e-920e-c345372e7371 feaa607a-f403-47c9-9f76-c914e0262cad]"
	const maxRounds = 12
	tab := func() (ok bool, took time.Duration) {
		out, took := e.complete(nil, "__complete", "subscriptions", "show", "")
		return fmt.Sprint(candidates(out)) == want, took
	}
	var alone, beside []time.Duration // the TABs that completed the ids
	for round := 1; ; round++ {
		if ok, took := tab(); ok {
			alone = append(alone, took)
		}
		func() {
			tx, err := db.BeginTx(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if _, err := tx.Exec(`UPDATE subscriptions SET description = 'being edited'`); err != nil {
				t.Fatal(err)
			}
			if ok, took := tab(); ok {
				beside = append(beside, took)
			}
		}()
		if len(alone) > 0 && len(beside) > 0 && slices.Min(beside)-slices.Min(alone) < cli.CompletionWait/2 {
			t.Logf("round %d: the fastest TAB alone %v, beside a writer %v", round, slices.Min(alone), slices.Min(beside))
			return
		}
		if round == maxRounds {
			break
		}
	}
	switch {
	case len(beside) == 0:
		t.Errorf("subscriptions show <TAB> beside a writer: no ids in %d tries (alone: %d of %d)", maxRounds, len(alone), maxRounds)
	case len(alone) == 0:
		t.Errorf("subscriptions show <TAB>: no ids in %d tries, without a writer", maxRounds)
	default:
		t.Errorf("beside a writer the fastest TAB of %d took %v, alone %v: it waited for the writer's lock", maxRounds, slices.Min(beside), slices.Min(alone))
	}
}

// An empty PostgreSQL schema stays empty: TAB creates no hookctl tables
// there (it did: completion opened the store as subscribe does).
func TestShellsCompletionPostgresCreatesNothing(t *testing.T) {
	t.Parallel()
	u := pgtest.URL(t)
	e := newPTYEnv(t)
	for _, req := range completeRequests {
		e.complete([]string{"HOOKCTL_STORE=" + u}, req...)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("TAB created %d tables in an empty schema", n)
	}
	// A store of the current schema completes as a SQLite one does.
	env := []string{"HOOKCTL_STORE=" + u}
	sub := e.command(env, "subscribe", "--url", "http://127.0.0.1:9/h", "--events", "card.*", "-o", "json")
	if b, err := sub.CombinedOutput(); err != nil {
		t.Fatalf("subscribe: %v\n%s", err, b)
	}
	out, _ := e.complete(env, "__complete", "subscriptions", "show", "")
	if c := candidates(out); len(c) != 1 || !strings.Contains(out, "http://127.0.0.1:9/h card.*") {
		t.Errorf("subscriptions show <TAB> on PostgreSQL: %q", out)
	}
}
