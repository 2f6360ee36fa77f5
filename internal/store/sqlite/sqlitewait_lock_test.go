package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// Another process's write lock held past the busy timeout is said as
// store.IsLocked, which the long-running commands wait for at start
// (--store-wait): by CheckWritable (listen opens its store with it), a
// write, and the opening of a store to migrate. A CheckWritable whose
// context ends first (the wait's end) returns then, not after the busy
// timeout; once the lock is free it succeeds.
func TestSqlitewaitLockedIsSaid(t *testing.T) {
	old := busyTimeout
	busyTimeout = 300 * time.Millisecond
	t.Cleanup(func() { busyTimeout = old })
	ctx := context.Background()
	s := openTemp(t)
	t.Cleanup(func() { s.Close() })
	if err := s.CheckWritable(ctx); err != nil {
		t.Fatalf("CheckWritable on a free store: %v", err)
	}
	sub := &store.Subscription{ID: "s1", CallbackURL: "http://127.0.0.1:1/x", Events: []string{"card.created"}, Status: store.StatusEnabled}
	t.Run("held", func(t *testing.T) {
		holdWriteLock(t, s.path)
		if err := s.CheckWritable(ctx); !store.IsLocked(err) {
			t.Errorf("CheckWritable under another process's write lock: %v, want IsLocked", err)
		}
		if err := s.CreateSubscription(ctx, sub); !store.IsLocked(err) {
			t.Errorf("a write under another process's write lock: %v, want IsLocked", err)
		}
		busyTimeout = 30 * time.Second
		dctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := s.CheckWritable(dctx)
		if took := time.Since(start); err == nil || took > 10*time.Second {
			t.Errorf("CheckWritable with a 200ms context under the lock: %v after %s, want an error when the context ends", err, took)
		}
		busyTimeout = 300 * time.Millisecond
	})
	// holdWriteLock's cleanup let it go.
	if err := s.CheckWritable(ctx); err != nil {
		t.Fatalf("CheckWritable once the lock is let go: %v", err)
	}
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
	if _, err := OpenStore(ctx, path); !store.IsLocked(err) {
		t.Fatalf("opening a store to migrate under another process's write lock: %v, want IsLocked", err)
	}
}
