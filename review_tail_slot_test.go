//go:build !windows

package main

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestReviewTailWaitsForAConnection: deliveries tail started when the
// PostgreSQL server has no connection left for its user (53300) waits for
// one up to --store-wait (1m), as the other long-running commands do, or
// up to its --timeout when that is shorter (it bounds the whole run), says
// so once, and follows the log once one is freed. Before, it exited 3 at once, though a tail
// rides out an outage once started.
func TestReviewTailWaitsForAConnection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, roleURL := oneConnectionRole(t, "rvtail")

	held, err := pgx.Connect(ctx, roleURL)
	if err != nil {
		t.Fatal(err)
	}
	var errb lockedBuffer
	cmd := c.cmd("hookctl", "deliveries", "tail", "--timeout", "5s")
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release := func() { once.Do(func() { held.Close(ctx) }) }
	defer release()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Released once it said it waits (the old code exited 3 at once).
	deadline := time.After(15 * time.Second)
wait:
	for !strings.Contains(errb.String(), "retrying for up to 5s (--timeout)") {
		select {
		case err = <-exited:
			exited <- err
			break wait
		case <-deadline:
			break wait
		case <-time.After(20 * time.Millisecond):
		}
	}
	release()
	err = <-exited
	out := errb.String()
	if err != nil || strings.Count(out, "retrying for up to 5s (--timeout)") != 1 || !strings.Contains(out, "store reachable") ||
		!strings.Contains(out, "(^C to stop)") {
		t.Fatalf("deliveries tail with no connection left for a moment: %v, want exit 0 after one notice, then following:\n%s", err, out)
	}
}
