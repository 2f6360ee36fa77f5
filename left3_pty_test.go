//go:build !windows

package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestPTYLogLinesWholeAt80Columns pins a decision (README, trigger's
// "Narrow terminals"): the live log's lines are not shortened on a
// terminal narrower than them. At 80 columns an attempt line cannot fit
// without dropping one of its fields (a success to
// http://localhost:3000/webhooks is 149 columns, 121 with the event id
// cut to 8 characters, 111 with the URL's middle elided to 20 columns
// too, 100 without the date), so cutting would cost whole, copyable event
// ids and URLs and the line would wrap all the same. The terminal shows what
// a pipe gets, whole.
func TestPTYLogLinesWholeAt80Columns(t *testing.T) {
	srv := receiverFailingEvery(t, 0)
	e := newPTYEnv(t)
	e.cols = 80
	url := srv.URL + "/webhooks/orders"
	r := e.pty([]string{"NO_COLOR=1"}, "trigger", "card.created", "--url", url, "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.out)
	}
	id := regexp.MustCompile(`--> card\.created \[([0-9a-f-]{36})\]`).FindStringSubmatch(r.out)
	if id == nil {
		t.Fatalf("no event line with a whole event id on an 80-column terminal:\n%s", r.out)
	}
	attempt := regexp.MustCompile(`<-- \[200\] POST (\S+) \(.*\) attempt 1/5 succeeded  card\.created \[(\S+)\]`).FindStringSubmatch(r.out)
	if attempt == nil || attempt[1] != url || attempt[2] != id[1] {
		t.Fatalf("the attempt line on an 80-column terminal is not whole (URL %s, event id %s):\n%s", url, id[1], r.out)
	}
	// Piped: the same lines.
	out := e.plain("trigger", "card.created", "--url", url, "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if !regexp.MustCompile(`<-- \[200\] POST `+regexp.QuoteMeta(url)+` \(.*\) attempt 1/5 succeeded  card\.created \[[0-9a-f-]{36}\]`).MatchString(out) ||
		!strings.Contains(out, "--> card.created [") {
		t.Fatalf("piped trigger's lines are not whole:\n%s", out)
	}
}
