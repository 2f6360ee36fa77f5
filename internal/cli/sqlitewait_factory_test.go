package cli

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/ui"
)

// A SQLite store locked by another process past the busy timeout
// (store.IsLocked) is waited for at start by the long-running commands
// (WaitForStore), said once and its end once, as an unreachable server;
// a one-shot command's opening gives up at once (exit 3, the lock's
// error), as before.
func TestSqlitewaitOpenWaitsForLock(t *testing.T) {
	locked := &store.EnvironmentError{Err: errors.New("store x is locked by another process"), Transient: true, Locked: true}
	for _, tc := range []struct {
		name    string
		wait    time.Duration // <0: a one-shot command
		errs    []error
		calls   int
		ok      bool
		notices int
	}{
		{"long run, lock let go", time.Minute, []error{locked, locked}, 3, true, 1},
		{"long run, --store-wait 0", 0, []error{locked}, 1, false, 0},
		{"one-shot", -1, []error{locked}, 1, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ios, _, _, errb := ui.Test()
			calls := 0
			f := &Factory{IOStreams: ios, Config: &config.Config{}, OpenStore: openAfter(&calls, tc.errs...), retryPause: time.Millisecond}
			if tc.wait >= 0 {
				f.WaitForStore(tc.wait)
			}
			_, err := f.Store(context.Background())
			if (err == nil) != tc.ok || calls != tc.calls {
				t.Errorf("err %v after %d opens; want ok %v after %d", err, calls, tc.ok, tc.calls)
			}
			if !tc.ok && !store.IsLocked(err) {
				t.Errorf("err %v, want the lock's", err)
			}
			out := errb.String()
			if n := strings.Count(out, "retrying for up to"); n != tc.notices || strings.Contains(out, "store reachable") != tc.ok {
				t.Errorf("%d notices (want %d), reachable said: %v:\n%s", n, tc.notices, strings.Contains(out, "store reachable"), out)
			}
		})
	}
}

// A try after the store was found locked waits for the lock (SQLite's
// busy handler) no longer than the wait has left: its context ends with
// it, and the command gives up with the lock's error then, not after
// another busy timeout.
func TestSqlitewaitTryBoundedByWait(t *testing.T) {
	ios, _, _, _ := ui.Test()
	locked := &store.EnvironmentError{Err: errors.New("store x is locked by another process"), Transient: true, Locked: true}
	calls := 0
	f := &Factory{IOStreams: ios, Config: &config.Config{}, retryPause: time.Millisecond,
		OpenStore: func(ctx context.Context, _ string) (store.Store, error) {
			calls++
			if calls == 1 {
				return nil, locked
			}
			// The busy timeout: only the context ends it early.
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Minute):
				return nil, locked
			}
		}}
	f.WaitForStore(300 * time.Millisecond)
	start := time.Now()
	_, err := f.Store(context.Background())
	if took := time.Since(start); took > 20*time.Second || !store.IsLocked(err) || !strings.Contains(err.Error(), "gave up after waiting 300ms") {
		t.Fatalf("err %v after %s, want the lock's, gave up after the 300ms wait", err, took)
	}
}
