//go:build !windows

package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestPTYLogLinesWholeAt80Columns pinned a decision that polish6
// reversed (README, trigger's "Narrow terminals"): the live log's lines
// were whole on a terminal narrower than them, and wrapped mid-word. On
// a terminal they fit its width now, as deliveries list's table does:
// the event id a prefix unique in the store (events show takes it), the
// URL's middle elided, the status, latency, attempt and outcome whole
// (TestPolish6AttemptLinesFit at 80 and 60 columns). Piped, the lines
// are whole, to copy or grep.
func TestPTYLogLinesWholeAt80Columns(t *testing.T) {
	srv := receiverFailingEvery(t, 0)
	e := newPTYEnv(t)
	e.cols = 80
	url := srv.URL + "/webhooks/orders"
	r := e.pty([]string{"NO_COLOR=1"}, "trigger", "card.created", "--url", url, "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.out)
	}
	linesFit(t, polish3Lines(r.out), 80)
	id := regexp.MustCompile(`--> card\.created \[([0-9a-f-]{8,})\]`).FindStringSubmatch(r.out)
	if id == nil {
		t.Fatalf("no event line with an event id on an 80-column terminal:\n%s", r.out)
	}
	polish4Runs(t, e, "trigger's event line", "events show "+id[1])
	// The latency is padded to 8 columns on a terminal ("(24 ms)  attempt"
	// lines up with "(1.2 ms) attempt"): one space or more.
	if !regexp.MustCompile(`<-- \[200\] POST http:\S*…\S*/orders +\(.*\) +attempt 1/5 succeeded`).MatchString(r.out) {
		t.Fatalf("the attempt line on an 80-column terminal is not fitted (URL %s):\n%s", url, r.out)
	}
	// Piped: whole.
	out := e.plain("trigger", "card.created", "--url", url, "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if !regexp.MustCompile(`<-- \[200\] POST `+regexp.QuoteMeta(url)+` \(.*\) attempt 1/5 succeeded  card\.created \[[0-9a-f-]{36}\]`).MatchString(out) ||
		!strings.Contains(out, "--> card.created [") {
		t.Fatalf("piped trigger's lines are not whole:\n%s", out)
	}
}
