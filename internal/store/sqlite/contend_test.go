package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// holdWriteLock takes the store's write lock from another connection (as
// another process would: a sqlite3 shell left in a transaction, a long
// import) until the test ends.
func holdWriteLock(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`CREATE TABLE lock_holder (x)`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback(); db.Close() })
}

// A write that waits out the busy timeout behind another process's write
// transaction fails with a transient *store.EnvironmentError naming the
// store and saying it is locked (exit 3; trigger, replay, listen and worker
// wait for it), not SQLite's raw "database is locked (5) (SQLITE_BUSY)":
// subscriptions update and store prune exited 1 with that, after 10 s.
func TestBusyStoreIsSaidInWords(t *testing.T) {
	old := busyTimeout
	busyTimeout = 200 * time.Millisecond
	t.Cleanup(func() { busyTimeout = old })
	ctx := context.Background()
	s := openTemp(t)
	t.Cleanup(func() { s.Close() })
	holdWriteLock(t, s.path)
	sub := &store.Subscription{ID: "s1", CallbackURL: "http://127.0.0.1:1/x", Events: []string{"card.created"}, Status: store.StatusEnabled}
	for name, write := range map[string]func() error{
		"create subscription": func() error { return s.CreateSubscription(ctx, sub) },
		"prune": func() error {
			_, err := s.Prune(ctx, time.Now(), 100, false)
			return err
		},
		"vacuum": func() error { return s.Vacuum(ctx) },
	} {
		start := time.Now()
		err := write()
		var env *store.EnvironmentError
		switch {
		case !errors.As(err, &env) || env.ExitCode() != 3 || !store.IsTransient(err) || len(env.Hints()) != 1:
			t.Errorf("%s under another process's write lock: %#v; want a transient environment error with a hint", name, err)
		case !strings.Contains(err.Error(), s.path+" is locked by another process") || strings.Contains(err.Error(), "SQLITE_BUSY"):
			t.Errorf("%s under another process's write lock: %q; want the store named and the lock said in words", name, err)
		case !isBusy(err):
			t.Errorf("%s: the driver's error is not kept (isBusy false): %v", name, err)
		case time.Since(start) < busyTimeout:
			t.Errorf("%s gave up after %s, before the busy timeout %s", name, time.Since(start), busyTimeout)
		}
	}
}

// Opening a store of an older schema (its first open by this hookctl
// migrates it) while another process holds the write lock past the busy
// timeout: refused in words (exit 3), not "opening store …: database is
// locked (5) (SQLITE_BUSY)".
func TestBusyOldStoreOpenIsSaidInWords(t *testing.T) {
	old := busyTimeout
	busyTimeout = 200 * time.Millisecond
	t.Cleanup(func() { busyTimeout = old })
	s := openTemp(t)
	path := s.path
	s.Close()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, SchemaVersion()-1)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	holdWriteLock(t, path)
	_, err = OpenStore(context.Background(), path)
	var env *store.EnvironmentError
	if !errors.As(err, &env) || env.ExitCode() != 3 || !strings.Contains(err.Error(), path+" is locked by another process") || strings.Contains(err.Error(), "SQLITE_BUSY") {
		t.Fatalf("opening an older store under another process's write lock: %v; want the lock said in words (exit 3)", err)
	}
}
