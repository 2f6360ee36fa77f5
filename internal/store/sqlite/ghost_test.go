package sqlite

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

// A guarded store (serve, worker) refuses writes once its file was
// deleted or replaced, with a store.IsGone error naming the file (they
// succeeded into the deleted file, lost with the process); the same store
// unguarded (listen and trigger check by themselves) is unchanged.
func TestGuardWritesRefusesOnceTheFileIsGone(t *testing.T) {
	ctx := context.Background()
	sub := func(id string) *store.Subscription {
		return &store.Subscription{ID: id, CallbackURL: "http://127.0.0.1:1/" + id, Events: []string{"card.created"}, Status: store.StatusEnabled}
	}
	for _, tc := range []struct {
		name, says string
		how        func(t *testing.T, path string)
	}{
		{"deleted", "the file is gone", func(t *testing.T, path string) {
			for _, s := range []string{"", "-wal", "-shm"} {
				os.Remove(path + s)
			}
		}},
		{"replaced", "the file was replaced", func(t *testing.T, path string) {
			if err := os.Rename(path, path+".old"); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTemp(t)
			s.GuardWrites()
			if err := s.CreateSubscription(ctx, sub("before")); err != nil {
				t.Fatal(err)
			}
			tc.how(t, s.path)
			err := s.CreateSubscription(ctx, sub("after"))
			if !store.IsGone(err) || !strings.Contains(err.Error(), s.path+": "+tc.says) || store.IsTransient(err) {
				t.Fatalf("a write once the file was %s: %v; want a store.IsGone error naming the file", tc.name, err)
			}
			var env *store.EnvironmentError
			if !errors.As(err, &env) || len(env.Hints()) != 1 || env.ExitCode() != 3 {
				t.Fatalf("the error is not an environment error with the hint: %#v", err)
			}
		})
	}
	t.Run("unguarded", func(t *testing.T) {
		s := openTemp(t)
		os.Remove(s.path)
		if err := s.CreateSubscription(ctx, sub("after")); err != nil {
			t.Fatalf("an unguarded store refused a write: %v", err)
		}
		if err := s.InPlace(); !store.IsGone(err) {
			t.Fatalf("InPlace: %v", err)
		}
	})
}

// A read connection opened once the file was deleted does not make a new,
// empty file at the path (it did: its reads then met "no such table", and
// the empty file took the deleted store's place), and its error says the
// file is gone (not "cannot be written: unable to open database file"),
// guarded or not.
func TestReadPoolDoesNotRecreateADeletedFile(t *testing.T) {
	for _, guard := range []bool{false, true} {
		s := openTemp(t)
		if guard {
			s.GuardWrites()
		}
		for _, x := range []string{"", "-wal", "-shm"} {
			os.Remove(s.path + x)
		}
		s.r.SetMaxIdleConns(0) // the next read opens a new connection
		_, err := s.ListSubscriptions(context.Background(), store.SubscriptionFilter{})
		if !store.IsGone(err) || !strings.Contains(err.Error(), s.path+": the file is gone") {
			t.Errorf("guarded %v: a read on a new connection once the file is gone: %v; want a store.IsGone error", guard, err)
		}
		if _, err := os.Stat(s.path); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("guarded %v: the store file is back at its path after a read (%v): a new connection created it", guard, err)
		}
	}
}
