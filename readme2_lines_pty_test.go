//go:build !windows

package main

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

// TestReadmeLogLinesAsOnATerminal: the trigger and deliveries tail lines
// the README shows are the lines a terminal shows for the same run (times,
// latencies, ids and the receiver's address aside): trigger's without the
// date and with event ids cut to a prefix, tail's with the date, the
// event id a prefix too, and no error text the status code says. The
// README's lines had the date and whole-looking ids (`[79656a81-…]`) of
// neither form.
func TestReadmeLogLinesAsOnATerminal(t *testing.T) {
	t.Parallel()
	s := readme(t)

	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer ok.Close()
	var calls atomic.Int32
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer flaky.Close()

	// README: subscribe, then trigger card.created --set card.last_four=4242.
	e := newPTYEnv(t)
	e.plain("subscribe", "--url", ok.URL+"/webhooks", "--events", "card.*")
	r := e.pty(nil, "trigger", "card.created", "--set", "card.last_four=4242")
	if r.code != 0 {
		t.Fatalf("trigger: exit %d\n%s", r.code, r.out)
	}
	compareLogLines(t, "trigger", readmeLogLines(t, s, "hookctl trigger card.created --set card.last_four=4242\n"), r.out)

	// README: deliveries tail after a delivery answered 500, then 200.
	e = newPTYEnv(t)
	e.cols = 200 // the README's lines whole: 120 columns leave out the event of an attempt line
	e.plain("subscribe", "--url", flaky.URL+"/webhooks", "--events", "card.*")
	e.plain("trigger", "card.created")
	r = e.pty(nil, "deliveries", "tail", "--timeout", "1s")
	compareLogLines(t, "deliveries tail", readmeLogLines(t, s, "```sh\nhookctl deliveries tail\n"), r.out)
}

// readmeLogLines are the `# ` comment lines right after marker in the
// README: the output it shows (a `# (…)` remark aside).
func readmeLogLines(t *testing.T, s, marker string) []string {
	t.Helper()
	i := strings.Index(s, marker)
	if i < 0 {
		t.Fatalf("README has no %q", marker)
	}
	var lines []string
	for _, l := range strings.Split(s[i+len(marker):], "\n") {
		if !strings.HasPrefix(l, "# ") {
			break
		}
		if !strings.HasPrefix(l, "# (") {
			lines = append(lines, strings.TrimPrefix(l, "# "))
		}
	}
	if len(lines) == 0 {
		t.Fatalf("README shows no output after %q", marker)
	}
	return lines
}

var (
	logANSI     = regexp.MustCompile(`\x1b\[[0-9;]*m`)
	logUUID     = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	logShortID  = regexp.MustCompile(`\b[0-9a-f]{8}\b`)
	logURL      = regexp.MustCompile(`http://[^ ]+/webhooks`)
	logDuration = regexp.MustCompile(`\(\d+(\.\d+)? ?(µs|ms|s)\)`)
	logRetryIn  = regexp.MustCompile(`retry in [0-9.]+(µs|ms|s)`)
	logDigits   = regexp.MustCompile(`\d`)
	logSpaces   = regexp.MustCompile(` +`)
)

// logShape is a log line with what differs from run to run made constant.
func logShape(l string) string {
	l = logANSI.ReplaceAllString(l, "")
	l = logUUID.ReplaceAllString(l, "UUID")
	l = logShortID.ReplaceAllString(l, "ID")
	l = logURL.ReplaceAllString(l, "URL")
	l = logDuration.ReplaceAllString(l, "(T)")
	l = logRetryIn.ReplaceAllString(l, "retry in T")
	l = logDigits.ReplaceAllString(l, "0")
	return strings.TrimSpace(logSpaces.ReplaceAllString(l, " "))
}

// compareLogLines: the terminal's log lines (those with a time, and
// trigger's summary) have the README's lines' shapes, in order.
func compareLogLines(t *testing.T, name string, readme []string, out string) {
	t.Helper()
	stamp := regexp.MustCompile(`^(\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d  |^\d+ deliver`)
	var got []string
	for _, l := range strings.Split(logANSI.ReplaceAllString(out, ""), "\n") {
		if stamp.MatchString(l) {
			got = append(got, logShape(l))
		}
	}
	var want []string
	for _, l := range readme {
		want = append(want, logShape(l))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s on a terminal prints lines shaped\n%s\nREADME shows\n%s\n(terminal output:\n%s)", name,
			strings.Join(got, "\n"), strings.Join(want, "\n"), out)
	}
}

// TestTailLinesOnATerminalOfUnknownWidth: on a terminal that gives no
// width (a pseudo-terminal of 0 columns: `script` without a size, some
// CI runners), deliveries tail's delivery line names its event by the
// prefix its attempt lines give it, as trigger's lines do there; it
// named it whole (`[6b70a6f4-faf5-4786-854b-7bafd5af8db5]`) beside
// attempt lines saying `[6b70a6f4]`.
func TestTailLinesOnATerminalOfUnknownWidth(t *testing.T) {
	t.Parallel()
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer ok.Close()
	e := newPTYEnv(t)
	e.plain("subscribe", "--url", ok.URL+"/webhooks", "--events", "card.*")
	e.plain("trigger", "card.created")
	c := e.command(nil, "deliveries", "tail", "--timeout", "1s")
	f, out, drained := e.startDrained(c, 0)
	defer f.Close()
	if err := c.Wait(); err != nil {
		t.Fatalf("deliveries tail: %v\n%s", err, out.String())
	}
	<-drained
	text := logANSI.ReplaceAllString(out.String(), "")
	var sent, attempt string
	for _, l := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		switch {
		case strings.Contains(l, "  --> "):
			sent = l
		case strings.Contains(l, "  <-- "):
			attempt = l
		}
	}
	prefix := regexp.MustCompile(`card\.created \[([0-9a-f-]+)\]`)
	ms, ma := prefix.FindStringSubmatch(sent), prefix.FindStringSubmatch(attempt)
	if ms == nil || ma == nil {
		t.Fatalf("no delivery or attempt line naming the event:\n%s", text)
	}
	if ms[1] != ma[1] || logUUID.MatchString(ms[1]) {
		t.Errorf("the delivery line names the event %q, its attempt line %q: want the same prefix\n%s", ms[1], ma[1], text)
	}
}
