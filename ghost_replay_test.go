//go:build !windows

package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestReplayStoreFileGone: a bulk `hookctl replay --failed` whose SQLite
// file is deleted during the run recorded its attempts into the deleted
// file and exited 0 with a summary counted from it. Now it exits 3 saying
// what was lost, with the store's path and the hint.
func TestReplayStoreFileGone(t *testing.T) {
	g := newGhostEnv(t)
	// Failing while the deliveries are made; then the replay's requests
	// after the 5th are held until the store file is gone.
	var replaying atomic.Bool
	var n atomic.Int32
	held, release := make(chan struct{}), make(chan struct{})
	var heldOnce, releaseOnce sync.Once
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if !replaying.Load() {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		if n.Add(1) > 5 {
			heldOnce.Do(func() { close(held) })
			<-release
		}
	}))
	t.Cleanup(app.Close)
	free := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(free)
	g.run("subscribe", "--url", app.URL+"/hooks", "--events", "card.created")
	if out, err := g.cmd("trigger", "card.created", "--count", "20", "--no-retry").CombinedOutput(); err == nil {
		t.Fatalf("trigger to a failing receiver succeeded:\n%s", out)
	}
	replaying.Store(true)
	out, errb := g.removeStoreDuring(g.cmd("replay", "--failed", "--yes", "--concurrency", "2"), held, free, "replay")
	for _, want := range []string{"hookctl: error: store " + g.db + ": the file is gone",
		"what this replay recorded (its attempts) is lost with it",
		"hookctl: hint: check the store file's permissions and that it is still in place (hookctl store info)"} {
		if !strings.Contains(errb, want) {
			t.Errorf("replay's stderr does not say %q:\n%s", want, errb)
		}
	}
	if strings.Contains(out, "replayed 20 deliveries") {
		t.Errorf("replay printed a summary counted from the deleted file:\n%s", out)
	}
}
