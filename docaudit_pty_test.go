//go:build !windows

package main

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// README's output contract: on a terminal, "aligned, coloured tables";
// colour off with NO_COLOR; piped, no styling. `events log` printed its
// DELIVERIES cell on a terminal as the escaped text of its own colour
// codes, `\x1b[32m1 succeeded\x1b[0m`: the cell was styled before the
// table escaped control characters (what receivers answer may hold
// some), so the table escaped hookctl's own styling.
func TestDocauditEventsLogColoursDeliveryStates(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(ok.Close)
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	t.Cleanup(bad.Close)
	e := newPTYEnv(t)
	for _, u := range []string{ok.URL + "/ok", bad.URL + "/bad"} {
		e.plain("subscribe", "--url", u, "--events", "card.created")
	}
	c := e.command(nil, "trigger", "card.created", "--no-retry")
	if out, err := c.CombinedOutput(); c.ProcessState == nil || c.ProcessState.ExitCode() != 1 {
		t.Fatalf("trigger: want exit 1 (one delivery failed): %v\n%s", err, out)
	}

	r := e.pty(nil, "events", "log")
	if r.code != 0 {
		t.Fatalf("events log: exit %d\n%s", r.code, r.out)
	}
	if strings.Contains(r.out, `\x1b`) {
		t.Errorf("events log on a terminal shows escaped colour codes:\n%s", r.out)
	}
	for _, part := range []string{"1 succeeded", "1 failed"} {
		// coloured: an SGR sequence right before the words, a reset after
		if !regexp.MustCompile(`\x1b\[[0-9;]*m` + part + `\x1b\[0?m`).MatchString(r.out) {
			t.Errorf("events log on a terminal: %q is not coloured:\n%q", part, r.out)
		}
	}

	r = e.pty([]string{"NO_COLOR=1"}, "events", "log")
	if r.code != 0 || strings.Contains(r.out, "\x1b[") || strings.Contains(r.out, `\x1b`) ||
		!strings.Contains(r.out, "1 succeeded, 1 failed") {
		t.Errorf("events log with NO_COLOR: exit %d, want plain '1 succeeded, 1 failed':\n%q", r.code, r.out)
	}
	if out := e.plain("events", "log"); !strings.Contains(out, "\t1 succeeded, 1 failed\t") || strings.Contains(out, "\x1b") || strings.Contains(out, `\x1b`) {
		t.Errorf("events log piped: want a plain tab-separated cell '1 succeeded, 1 failed':\n%q", out)
	}
}
