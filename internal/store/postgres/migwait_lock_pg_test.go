package postgres

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/testutil/syncbuf"
)

// migwaitMigrating holds, on its own session, the migration lock of the
// store at storeURL, as another hookctl migrating it does; the returned
// func releases it.
func migwaitMigrating(t *testing.T, storeURL string) func() {
	t.Helper()
	u, err := url.Parse(storeURL)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	conn, err := pgx.Connect(context.Background(), storeURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(context.Background(), `SELECT pg_advisory_lock($1, hashtext($2))`, lockClass, schema); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release := func() { once.Do(func() { conn.Close(context.Background()) }) }
	t.Cleanup(release)
	return release
}

// TestMigwaitPostgresWaitsForMigration: a process opening a PostgreSQL
// store while another migrates it waited on pg_advisory_lock without a
// word and without a limit. Now it says once that the store is being
// migrated, and when the wait ended, and then opens the store.
func TestMigwaitPostgresWaitsForMigration(t *testing.T) {
	storeURL := pgtest.URL(t)
	oldQ := migrationQuiet
	migrationQuiet = 0
	t.Cleanup(func() { migrationQuiet = oldQ })
	release := migwaitMigrating(t, storeURL)
	var notes syncbuf.Buffer
	type result struct {
		s   store.Store
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := Open(store.WithNotices(context.Background(), &notes), storeURL)
		done <- result{s, err}
	}()
	for end := time.Now().Add(30 * time.Second); !strings.Contains(notes.String(), "is being migrated by another hookctl; waiting"); time.Sleep(10 * time.Millisecond) {
		select {
		case r := <-done:
			t.Fatalf("Open did not wait for the migration lock: %v", r.err)
		default:
		}
		if time.Now().After(end) {
			t.Fatalf("Open did not say it waits for another migration: notices %q", notes.String())
		}
	}
	release()
	var r result
	select {
	case r = <-done:
	case <-time.After(time.Minute):
		t.Fatal("Open did not go on after the migration lock was released")
	}
	if r.err != nil {
		t.Fatalf("Open: %v", r.err)
	}
	r.s.Close()
	if n := strings.Count(notes.String(), "is being migrated"); n != 1 || !strings.Contains(notes.String(), "ended after") {
		t.Errorf("notices %q: want the wait said once, and its end", notes.String())
	}
}

// TestMigwaitPostgresMigrationGivesUp: a migration that outlasts the wait
// is an error naming the store and what to do, not a wait without end;
// a cancelled wait returns at once.
func TestMigwaitPostgresMigrationGivesUp(t *testing.T) {
	storeURL := pgtest.URL(t)
	oldW := migrationWait
	migrationWait = 300 * time.Millisecond
	t.Cleanup(func() { migrationWait = oldW })
	migwaitMigrating(t, storeURL)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := Open(ctx, storeURL)
	var env *store.EnvironmentError
	if !errors.As(err, &env) || !strings.Contains(err.Error(), "is still being migrated by another hookctl after 300ms") || !strings.Contains(env.Hint, "let that migration finish") {
		t.Errorf("Open: %v, want an environment error saying the migration outlasted the wait", err)
	}
	migrationWait = time.Hour
	ctx, cancel2 := context.WithCancel(context.Background())
	go func() { time.Sleep(200 * time.Millisecond); cancel2() }()
	_, err = Open(ctx, storeURL)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Open cancelled while waiting: %v, want context.Canceled", err)
	}
}
