package delivery

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// StoreWait retries only a store that went away (a transient
// EnvironmentError), within its patience, and a StoreNotice tells one
// outage once however many waits share it.
func TestStoreWait(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	down := &store.EnvironmentError{Err: errors.New("store unreachable"), Transient: true}
	var out strings.Builder
	n := &StoreNotice{W: &out, Patience: 300 * time.Millisecond}
	a, b := n.Wait(), n.Wait()
	if a.Retry(ctx, errors.New("constraint failed")) || a.Retry(ctx, &store.EnvironmentError{Err: errors.New("read-only")}) {
		t.Fatal("a store error that is not an outage is retried")
	}
	began := time.Now() // a's outage begins with its next Retry
	if !a.Retry(ctx, down) || !b.Retry(ctx, down) {
		t.Fatal("an outage is not retried")
	}
	for a.Retry(ctx, down) {
	}
	// Not before the patience has passed since the outage's first failure;
	// the upper bound leaves a loaded machine room (the longest back-off
	// sleep is 2 s).
	if waited := time.Since(began); waited < 300*time.Millisecond || waited > 10*time.Second {
		t.Errorf("gave up %s after the outage began, want just past the patience (300ms)", waited)
	}
	a.Ok()
	b.Ok()
	if got := out.String(); strings.Count(got, "waiting for the store (up to 300ms)") != 1 || strings.Count(got, "the store is back after") != 1 {
		t.Errorf("notice:\n%s\nwant one waiting line and one back line", got)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if (&StoreWait{Patience: time.Minute}).Retry(cancelled, down) {
		t.Error("retried after the context was cancelled")
	}
	var none *StoreWait
	if none.Retry(ctx, down) {
		t.Error("a nil StoreWait retried")
	}
}

// The notice says its patience as every other duration hookctl prints:
// "10m", not Go's "10m0s".
func TestStoreNoticePatienceReadable(t *testing.T) {
	var out strings.Builder
	n := &StoreNotice{W: &out, Patience: 10 * time.Minute}
	n.notify(errors.New("connection refused"))
	if got := out.String(); !strings.Contains(got, "waiting for the store (up to 10m)\n") {
		t.Errorf("notice %q, want the patience as 10m", got)
	}
}
