//go:build !windows

package main

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// goneReceiver answers 200 and deletes the store file (with its WAL and
// shared memory) when it takes request number at of the run, before it
// answers; it counts the requests it takes after that.
type goneReceiver struct {
	t       *testing.T
	db      string
	at      int32
	armed   atomic.Bool
	n       atomic.Int32
	after   atomic.Int32
	removed atomic.Bool
	fail    atomic.Bool // answer 500 (while the deliveries to replay are made)
}

func (r *goneReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	io.Copy(io.Discard, req.Body)
	if r.fail.Load() {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	if r.removed.Load() {
		r.after.Add(1)
	}
	if r.armed.Load() && r.n.Add(1) == r.at {
		for _, s := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(r.db + s); err != nil && !errors.Is(err, os.ErrNotExist) {
				r.t.Error(err)
			}
		}
		r.removed.Store(true)
	}
}

// runGone runs cmd to its end, wants exit 3 and the error that says the
// run stopped, with the number of requests sent unrecorded: at least
// those the receiver took after the file was gone, and far fewer than
// the run's total (the old code sent all of them).
func runGone(t *testing.T, g *ghostEnv, r *goneReceiver, total int, args ...string) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := g.cmd(args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	code := exitCode(cmd.Wait, 60*time.Second)
	if code != 3 {
		t.Fatalf("hookctl %v whose store file was deleted during the run: exit %d, want 3\nstderr:\n%s", args, code, errb.String())
	}
	if !r.removed.Load() {
		t.Fatal("the store file was never deleted")
	}
	after := int(r.after.Load())
	// Sent after the file was gone: at most what was in flight and
	// waiting for the group commit that found it gone (a few dozen).
	if after > total/4 {
		t.Errorf("%d of %d requests were sent after the store file was deleted: the run did not stop at the first refused write", after, total)
	}
	se := errb.String()
	m := regexp.MustCompile(`the run stopped at its first write since; (\d+) requests? (was|were) sent whose attempts? could not be recorded`).FindStringSubmatch(se)
	if m == nil && !strings.Contains(se, "no request was sent without its record") {
		t.Fatalf("stderr does not say the run stopped and what was sent unrecorded:\n%s", se)
	}
	if m != nil {
		if n, _ := strconv.Atoi(m[1]); n < after {
			t.Errorf("stderr says %d requests were sent unrecorded; the receiver took %d after the file was gone:\n%s", n, after, se)
		}
	} else if after > 0 {
		t.Errorf("stderr says no request was sent unrecorded; the receiver took %d after the file was gone:\n%s", after, se)
	}
	if !strings.Contains(se, "hookctl: hint: check the store file's permissions and that it is still in place (hookctl store info)") {
		t.Errorf("stderr has no hint:\n%s", se)
	}
}

// TestTriggerStopsWhenStoreGone: `trigger --count N` whose SQLite file
// was deleted went on sending every delivery of the run and only said so
// at the end; each of those sends lost its record. Now the first write
// that finds the file gone (a group commit) stops the run.
func TestTriggerStopsWhenStoreGone(t *testing.T) {
	g := newGhostEnv(t)
	r := &goneReceiver{t: t, db: g.db, at: 20}
	r.armed.Store(true)
	app := httptest.NewServer(r)
	t.Cleanup(app.Close)
	g.run("subscribe", "--url", app.URL+"/hooks", "--events", "card.created")
	runGone(t, g, r, 500, "trigger", "card.created", "--count", "500", "--concurrency", "2")
}

// TestReplayStopsWhenStoreGone: the same for `replay --failed`.
func TestReplayStopsWhenStoreGone(t *testing.T) {
	t.Parallel()
	g := newGhostEnv(t)
	r := &goneReceiver{t: t, db: g.db, at: 20}
	r.fail.Store(true)
	app := httptest.NewServer(r)
	t.Cleanup(app.Close)
	g.run("subscribe", "--url", app.URL+"/hooks", "--events", "card.created")
	if out, err := g.cmd("trigger", "card.created", "--count", "500", "--no-retry", "--concurrency", "16").CombinedOutput(); err == nil {
		t.Fatalf("trigger to a failing receiver succeeded:\n%s", out)
	}
	r.fail.Store(false)
	r.armed.Store(true)
	runGone(t, g, r, 500, "replay", "--failed", "--yes", "--concurrency", "2")
}
