//go:build !windows

package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
)

// TestTailfixFollowsAfterPruneSQLite: `store prune --older-than 0`
// deleted every delivery under a running tail, and SQLite gives the next
// ones the positions in the log of those deleted: tail still prints them.
// Before, it printed nothing until the log grew past where it was.
func TestTailfixFollowsAfterPruneSQLite(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	t.Cleanup(app.Close)
	c.hookctl(0, "subscribe", "--url", app.URL+"/hook", "--events", "card.*")
	for range 3 {
		c.hookctl(0, "trigger", "card.created")
	}
	p := startTail(c, "--lines", "0", "--interval", "20ms")
	c.hookctl(0, "store", "prune", "--older-than", "0", "--yes")
	c.hookctl(0, "trigger", "card.created")
	c.hookctl(0, "trigger", "card.created")
	p.waitFor("the two deliveries after the prune, and their attempts", func() bool { return len(p.lines()) >= 4 })
	out := p.stop(syscall.SIGINT)
	if n := strings.Count(out, "--> card.created"); n != 2 {
		t.Errorf("%d deliveries printed, want 2:\n%s", n, out)
	}
}
