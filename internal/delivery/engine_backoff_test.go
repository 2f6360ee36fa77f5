package delivery

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

func TestClaimBackoff(t *testing.T) {
	poll := 100 * time.Millisecond
	for n, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 6: 3200 * time.Millisecond, 7: 5 * time.Second, 50: 5 * time.Second} {
		if got := claimBackoff(poll, n); got != want {
			t.Errorf("claimBackoff(%v, %d) = %v, want %v", poll, n, got, want)
		}
	}
}

// flakyStore fails ClaimDue a number of times, then claims nothing.
type flakyStore struct {
	store.Store
	mu    sync.Mutex
	fails int
	calls int
	err   error // nil: connection refused
}

func (f *flakyStore) ClaimDue(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, runID string) ([]*store.Delivery, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.calls <= f.fails {
		if f.err != nil {
			return nil, f.err
		}
		return nil, errors.New("connection refused")
	}
	return nil, nil
}

// Without OnClaimError, Run gives up after 20 failed claims; with it (the
// worker), Run outlives more failures than that and keeps claiming.
func TestClaimErrors(t *testing.T) {
	fs := &flakyStore{fails: 1000}
	e := &Engine{Store: fs, Poll: time.Microsecond}
	if err := e.Run(context.Background(), func() bool { return true }); err == nil {
		t.Fatal("Run kept going after 20 claim failures without OnClaimError")
	}
	if fs.calls != 20 {
		t.Fatalf("claims = %d, want 20", fs.calls)
	}

	fs = &flakyStore{fails: 25}
	var reported int
	e = &Engine{Store: fs, Poll: time.Nanosecond, OnClaimError: func(err error, wait time.Duration) { reported++ }}
	if err := e.Run(context.Background(), func() bool { return fs.calls > 25 }); err != nil {
		t.Fatalf("worker-style Run gave up: %v", err)
	}
	if reported != 25 {
		t.Fatalf("reported %d claim errors, want 25", reported)
	}
}

// A worker-style engine (OnClaimError: it never gives up) with a
// StoreWait says once that it waits for a store that went away and once
// that it is back, however many claims fail meanwhile (serve, which
// warned at each claim).
func TestClaimErrorsToldOncePerOutage(t *testing.T) {
	gone := &store.EnvironmentError{Err: errors.New("claim: PostgreSQL store unreachable"), Transient: true}
	fs := &flakyStore{fails: 12, err: gone}
	var out strings.Builder
	notice := &StoreNotice{W: &out, Patience: time.Minute}
	var reported int
	e := &Engine{Store: fs, Poll: time.Nanosecond, StoreWait: notice.Wait(), OnClaimError: func(err error, wait time.Duration) { reported++ }}
	if err := e.Run(context.Background(), func() bool { return fs.calls > 14 }); err != nil {
		t.Fatalf("worker-style Run gave up: %v", err)
	}
	if reported != 12 || strings.Count(out.String(), "waiting for the store") != 1 || strings.Count(out.String(), "the store is back") != 1 {
		t.Fatalf("12 failed claims: %d reported, told:\n%s", reported, out.String())
	}
}
