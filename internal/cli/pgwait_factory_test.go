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

// openAfter is an OpenStore that fails with errs in turn, then succeeds.
func openAfter(calls *int, errs ...error) func(context.Context, string) (store.Store, error) {
	return func(context.Context, string) (store.Store, error) {
		*calls++
		if *calls <= len(errs) {
			return nil, errs[*calls-1]
		}
		return nil, nil // a nil store: not cached, but the open succeeded
	}
}

// The store's opening waits for a server that cannot be reached yet only
// when a long-running command asked (WaitForStore), says so once and its
// end once; the other commands wait only for a connection slot, a few
// seconds; nothing else is waited for (a SQLite disk full is Transient,
// not Unreachable).
func TestOpenWaiting(t *testing.T) {
	down := &store.EnvironmentError{Err: errors.New("cannot connect: connection refused"), Hint: "is it running?", Transient: true, Unreachable: true}
	busy := &store.EnvironmentError{Err: errors.New("cannot connect: too many clients"), Transient: true, Unreachable: true, NoConnectionLeft: true}
	diskFull := &store.EnvironmentError{Err: errors.New("store x: the disk is full"), Transient: true}
	badPW := &store.EnvironmentError{Err: errors.New("cannot connect: password authentication failed")}
	for _, tc := range []struct {
		name      string
		wait      time.Duration // <0: no WaitForStore (a one-shot command)
		errs      []error
		calls     int
		ok        bool
		notices   int
		reachable bool
	}{
		{"long run, server comes up", time.Minute, []error{down, down, down}, 4, true, 1, true},
		{"long run, gives up", 300 * time.Millisecond, []error{down, down, down, down, down, down, down, down, down, down, down, down}, 0, false, 1, false},
		{"long run, then a bad password", time.Minute, []error{down, badPW}, 2, false, 1, false},
		{"long run, --store-wait 0", 0, []error{down}, 1, false, 0, false},
		{"long run, SQLite disk full", time.Minute, []error{diskFull}, 1, false, 0, false},
		{"one-shot, no server", -1, []error{down}, 1, false, 0, false},
		{"one-shot, no connection left", -1, []error{busy, busy}, 3, true, 1, true},
		{"one-shot, no connection left then no server", -1, []error{busy, down}, 2, false, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ios, _, _, errb := ui.Test()
			calls := 0
			f := &Factory{IOStreams: ios, Config: &config.Config{}, OpenStore: openAfter(&calls, tc.errs...), retryPause: time.Millisecond}
			if tc.wait >= 0 {
				f.WaitForStore(tc.wait)
			}
			_, err := f.Store(context.Background())
			if (err == nil) != tc.ok || (tc.calls > 0 && calls != tc.calls) {
				t.Errorf("err %v after %d opens; want ok %v after %d", err, calls, tc.ok, tc.calls)
			}
			out := errb.String()
			if n := strings.Count(out, "retrying for up to"); n != tc.notices || strings.Contains(out, "store reachable") != tc.reachable {
				t.Errorf("%d notices (want %d), reachable said: %v (want %v):\n%s", n, tc.notices, !tc.reachable, tc.reachable, out)
			}
			if tc.name == "long run, gives up" {
				var ce CodeError
				var he HintError
				if !errors.As(err, &ce) || ce.ExitCode() != ExitEnvironment || !errors.As(err, &he) || !strings.Contains(err.Error(), "gave up after waiting 300ms") {
					t.Errorf("gave up with %v, want exit 3 saying it waited, with the hint", err)
				}
			}
		})
	}
}

// Ctrl-C while waiting ends the wait at once with the context's error
// (the root reports "interrupted", exit 130).
func TestOpenWaitingInterrupted(t *testing.T) {
	ios, _, _, _ := ui.Test()
	down := &store.EnvironmentError{Err: errors.New("cannot connect: connection refused"), Transient: true, Unreachable: true}
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	f := &Factory{IOStreams: ios, Config: &config.Config{}, OpenStore: func(context.Context, string) (store.Store, error) {
		calls++
		if calls == 2 {
			cancel()
		}
		return nil, down
	}}
	f.WaitForStore(time.Hour)
	start := time.Now()
	_, err := f.Store(ctx)
	if !errors.Is(err, context.Canceled) || time.Since(start) > 2*time.Second {
		t.Fatalf("err %v after %s, want context.Canceled at once", err, time.Since(start))
	}
}
