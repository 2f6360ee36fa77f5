//go:build !windows

package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
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

// README (Subscriptions, Interactive) said the questions of plain
// `hookctl subscribe` are plain lines "so they work with screen readers
// and answers can be piped", next to "without a terminal, missing flags
// are an error naming them" — and piped answers are refused (STYLE: never
// prompt without a terminal), so the doc was wrong, not the product. It
// now says what holds, which this test pins: answers pasted into the
// terminal at once are taken a line at a time; answers piped in are an
// error naming the missing flags, and nothing is stored.
func TestDocauditSubscribeAnswersPastedNotPiped(t *testing.T) {
	e := newPTYEnv(t)
	c := e.command([]string{"NO_COLOR=1"}, "subscribe")
	f, out := e.start(c, 120)
	defer f.Close()
	// every answer at once, before the first question is read
	if _, err := f.WriteString("http://localhost:3000/pasted\n1\n0\npasted at once\n"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("subscribe with pasted answers: %v\n%s", err, out.String())
		}
	case <-time.After(60 * time.Second):
		c.Process.Kill()
		t.Fatalf("subscribe with pasted answers did not finish:\n%s", out.String())
	}
	var subs []struct {
		URL         string   `json:"callback_url"`
		Events      []string `json:"events"`
		Description string   `json:"description"`
	}
	if err := json.Unmarshal([]byte(e.plain("subscriptions", "list", "-o", "json")), &subs); err != nil {
		t.Fatal(err)
	}
	if len(subs) != 1 || subs[0].URL != "http://localhost:3000/pasted" || strings.Join(subs[0].Events, ",") != "account.*" ||
		subs[0].Description != "pasted at once" {
		t.Fatalf("subscription from pasted answers = %+v, want the URL, choice 1 (account.*) and the description typed\n%s", subs, out.String())
	}

	p := e.command(nil, "subscribe")
	p.Stdin = strings.NewReader("http://localhost:3000/piped\ncard.created\n\npiped\n")
	b, err := p.CombinedOutput()
	if code := p.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(b), "missing --url and --events") {
		t.Errorf("subscribe with piped answers: exit %d (%v), want 2 naming the missing flags:\n%s", code, err, b)
	}
	if got := e.plain("subscriptions", "list", "-o", "json"); strings.Contains(got, "/piped") {
		t.Errorf("piped answers stored a subscription:\n%s", got)
	}
}
