//go:build !windows

package main

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// polish7Stamped is a line of tail's log: its date and time, then
// --> (a delivery) or <-- (an attempt).
var polish7Stamped = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  (-->|<--) `)

// deliveries tail on a terminal 80 columns wide printed each attempt with
// the whole attempt line (the URL, the error, the event's type and whole
// id, then the delivery's id: 170–240 columns), and each delivery with the
// whole URL and event id (150 and more), which wrapped mid-word. Each
// line fits: an attempt's as trigger's do (delivery.Fit), its status
// code, latency, attempt number and outcome whole; a delivery's with its
// event's type and source; the delivery's id last; an event id shown is
// a prefix events show takes. Piped, the lines are whole, as before.
func TestPolish7TailAttemptLinesFit(t *testing.T) {
	t.Parallel()
	app := polish6App(t)
	env := []string{"NO_COLOR=1"}
	e := newPTYEnv(t)
	long := app.URL + "/a/rather/long/path/to/the/receivers/webhook/endpoint/"
	polish6Piped(t, e, env, "subscribe", "--url", long+"ok", "--events", "card.created")
	polish6Piped(t, e, env, "subscribe", "--url", long+"fail", "--events", "card.*")
	polish6Piped(t, e, env, "trigger", "card.created", "--retry-schedule", "0s,10ms,10ms")

	// Piped: whole.
	out, _ := polish6Piped(t, e, env, "deliveries", "tail", "--lines", "10", "--timeout", "1s")
	if !regexp.MustCompile(`<-- \[500\] POST ` + regexp.QuoteMeta(long+"fail") + ` .*failed: HTTP 500 Internal Server Error: boom  card.created \[[0-9a-f-]{36}\]  [0-9a-f-]{36}\n`).MatchString(out) {
		t.Fatalf("tail piped: not the whole attempt lines:\n%s", out)
	}
	if !regexp.MustCompile(`--> card.created \[[0-9a-f-]{36}\] POST ` + regexp.QuoteMeta(long+"fail") + ` \(sent, bond\)  [0-9a-f-]{36}\n`).MatchString(out) {
		t.Fatalf("tail piped: not the whole delivery lines:\n%s", out)
	}

	const cols = 80
	e.cols = cols
	r := polish5PTY(t, e, env, "deliveries", "tail", "--lines", "10", "--timeout", "1s")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.out)
	}
	attempts, deliveries := 0, 0
	eventRE := regexp.MustCompile(`\[([0-9a-f-]{8,})\]`)
	for _, l := range polish3Lines(r.out) {
		m := polish7Stamped.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		if n := utf8.RuneCountInString(l); n > cols {
			t.Errorf("a line %d wide on a %d-column terminal: %q\n%s", n, cols, l, r.out)
		}
		if !regexp.MustCompile(`  [0-9a-f]{8,}$`).MatchString(l) {
			t.Errorf("a line not ending with its delivery's id: %q", l)
		}
		if m[1] == "-->" {
			deliveries++
			d := regexp.MustCompile(`--> card\.created \[([0-9a-f-]{8,})\] .*\(sent(, bond)?\)  `).FindStringSubmatch(l)
			if d == nil {
				t.Errorf("a delivery line without its event's type and id, or its source: %q", l)
			} else {
				polish4Runs(t, e, "tail at 80 columns", "events show "+d[1])
			}
			continue
		}
		attempts++
		if !polish6Attempt.MatchString(l) {
			t.Errorf("an attempt line without its code, latency, number or outcome whole: %q\n%s", l, r.out)
		}
		if m := eventRE.FindAllStringSubmatch(l, -1); len(m) > 1 {
			polish4Runs(t, e, "tail at 80 columns", "events show "+m[len(m)-1][1])
		}
	}
	if attempts != 4 || deliveries != 2 {
		t.Errorf("%d attempt lines and %d delivery lines, want 4 and 2:\n%s", attempts, deliveries, r.out)
	}
	if strings.Count(r.out, "failed") < 1 {
		t.Errorf("no failed attempt:\n%s", r.out)
	}
}
