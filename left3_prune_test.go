//go:build !windows

package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

// pruneReceiver answers 200 (500 while fail is set) and, at the at-th
// request once armed, runs `hookctl store prune --older-than 0s --yes`
// on the same store before it answers: the run's deliveries that ended
// so far are deleted under it.
type pruneReceiver struct {
	t      *testing.T
	g      *ghostEnv
	at     int32
	armed  atomic.Bool
	fail   atomic.Bool
	n      atomic.Int32
	pruned atomic.Value // prune's output
}

func (r *pruneReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	io.Copy(io.Discard, req.Body)
	if r.fail.Load() {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	if r.armed.Load() && r.n.Add(1) == r.at {
		out, err := r.g.cmd("store", "prune", "--older-than", "0s", "--yes").CombinedOutput()
		if err != nil {
			r.t.Errorf("store prune: %v\n%s", err, out)
		}
		r.pruned.Store(string(out))
	}
}

// deletedSome wants prune to have deleted some of the run's events.
func (r *pruneReceiver) deletedSome() {
	r.t.Helper()
	out, _ := r.pruned.Load().(string)
	if !regexp.MustCompile(`Deleted [1-9]\d* events`).MatchString(out) {
		r.t.Fatalf("store prune during the run deleted nothing:\n%s", out)
	}
}

// TestTriggerSummaryThroughPrune: a `store prune` in another terminal
// during `trigger --count` made trigger's summary (and its -o json
// summary) count only what prune left of the run: "102 deliveries: 102
// succeeded" for a run of 200. The summary counts what the run did.
func TestTriggerSummaryThroughPrune(t *testing.T) {
	t.Parallel()
	g := newGhostEnv(t)
	r := &pruneReceiver{t: t, g: g, at: 100}
	app := httptest.NewServer(r)
	t.Cleanup(app.Close)
	g.run("subscribe", "--url", app.URL+"/hooks", "--events", "card.created")

	r.armed.Store(true)
	out, err := g.cmd("trigger", "card.created", "--count", "200", "--concurrency", "2").Output()
	if err != nil {
		t.Fatalf("trigger: %v\n%s", err, out)
	}
	r.deletedSome()
	if !strings.Contains(string(out), "200 deliveries: 200 succeeded, 0 failed, 0 pending") {
		t.Errorf("trigger's summary does not count the run's 200 deliveries:\n%s", lastLines(string(out), 2))
	}

	r.n.Store(0)
	out, err = g.cmd("trigger", "card.created", "--count", "200", "--concurrency", "2", "-o", "json").Output()
	if err != nil {
		t.Fatalf("trigger -o json: %v\n%s", err, out)
	}
	r.deletedSome()
	var doc struct {
		Summary struct{ Total, Succeeded, Failed, Pending int64 }
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if s := doc.Summary; s.Total != 200 || s.Succeeded != 200 || s.Failed != 0 || s.Pending != 0 {
		t.Errorf("trigger -o json's summary: %+v, want 200 succeeded", s)
	}
}

// TestReplaySummaryThroughPrune: the same for `replay --failed`.
func TestReplaySummaryThroughPrune(t *testing.T) {
	t.Parallel()
	g := newGhostEnv(t)
	r := &pruneReceiver{t: t, g: g, at: 100}
	r.fail.Store(true)
	app := httptest.NewServer(r)
	t.Cleanup(app.Close)
	g.run("subscribe", "--url", app.URL+"/hooks", "--events", "card.created")
	if out, err := g.cmd("trigger", "card.created", "--count", "200", "--no-retry", "--concurrency", "8").CombinedOutput(); err == nil {
		t.Fatalf("trigger to a failing receiver succeeded:\n%s", out)
	}
	r.fail.Store(false)
	r.armed.Store(true)
	out, err := g.cmd("replay", "--failed", "--yes", "--concurrency", "2").Output()
	if err != nil {
		t.Fatalf("replay: %v\n%s", err, out)
	}
	r.deletedSome()
	if !strings.Contains(string(out), "replayed 200 deliveries: 200 succeeded, 0 failed, 0 pending") {
		t.Errorf("replay's summary does not count the run's 200 deliveries:\n%s", lastLines(string(out), 2))
	}
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(l[max(0, len(l)-n):], "\n")
}
