//go:build !windows

package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// receiverFailingEvery answers 500 to every nth request (0: never), 200
// otherwise.
func receiverFailingEvery(t *testing.T, n int64) *httptest.Server {
	var count atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c := count.Add(1); n > 0 && c%n == 0 {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func countMatches(out, re string) int {
	return len(regexp.MustCompile("(?m)"+re).FindAllStringIndex(out, -1))
}

// On a terminal, one delivery prints one attempt line (the final flush
// used to write the last line again: issue 20 item 1).
func TestPTYOneAttemptLinePerDelivery(t *testing.T) {
	t.Parallel()
	srv := receiverFailingEvery(t, 0)
	e := newPTYEnv(t)
	r := e.pty([]string{"NO_COLOR=1"}, "trigger", "card.created", "--url", srv.URL+"/h")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.out)
	}
	if n := countMatches(r.out, `<-- \[200\] POST .* attempt 1/5 succeeded`); n != 1 {
		t.Errorf("trigger: %d attempt lines, want 1:\n%s", n, r.out)
	}

	var ds []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(e.plain("deliveries", "list", "-o", "json")), &ds); err != nil || len(ds) == 0 {
		t.Fatalf("deliveries list: %v %v", ds, err)
	}
	r = e.pty([]string{"NO_COLOR=1"}, "replay", ds[0].ID, "--force")
	if r.code != 0 {
		t.Fatalf("replay exit %d\n%s", r.code, r.out)
	}
	if n := countMatches(r.out, `<-- \[200\] POST .* succeeded`); n != 1 {
		t.Errorf("replay: %d attempt lines, want 1:\n%s", n, r.out)
	}

	r = e.pty([]string{"NO_COLOR=1"}, "trigger", "card.created", "--url", srv.URL+"/h", "--count", "3", "-v")
	if n := countMatches(r.out, `<-- \[200\]`); n != 3 {
		t.Errorf("trigger --count 3 -v: %d attempt lines, want 3:\n%s", n, r.out)
	}
}

// A bulk trigger on a terminal draws one progress line and prints only the
// failures and the summary; -v brings the per-delivery lines back; piped
// output keeps them (issue 20 item 12).
func TestPTYBulkTriggerProgress(t *testing.T) {
	t.Parallel()
	srv := receiverFailingEvery(t, 10)
	e := newPTYEnv(t)
	r := e.pty([]string{"NO_COLOR=1"}, "trigger", "card.created", "--url", srv.URL+"/h", "--count", "200", "--no-retry")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (some failed)\n%s", r.code, r.out)
	}
	if n := countMatches(r.out, `-->`); n != 0 {
		t.Errorf("%d event lines on a terminal, want none", n)
	}
	if n := countMatches(r.out, `<-- \[200\]`); n != 0 {
		t.Errorf("%d success lines on a terminal, want none", n)
	}
	if n := countMatches(r.out, `<-- \[500\] .* failed`); n != 20 {
		t.Errorf("%d failure lines, want 20:\n%s", n, r.out)
	}
	for _, want := range []string{"triggering [", "200/200", "180 ok", "20 failed", "200 deliveries: 180 succeeded, 20 failed"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.out)
		}
	}
	if !regexp.MustCompile(`[0-9.k]+/s`).MatchString(r.out) {
		t.Errorf("no rate in the progress line:\n%s", r.out)
	}
	// Lines that are not the progress bar: failures and the summary.
	lines := 0
	for _, l := range strings.Split(r.out, "\n") {
		if i := strings.LastIndex(l, "\r"); i >= 0 {
			l = l[i+1:]
		}
		l = strings.TrimPrefix(l, "\x1b[K")
		if strings.TrimSpace(l) != "" && !strings.HasPrefix(l, "triggering [") {
			lines++
		}
	}
	if lines > 25 {
		t.Errorf("%d lines for 200 deliveries on a terminal:\n%s", lines, r.out)
	}

	r = e.pty([]string{"NO_COLOR=1"}, "trigger", "card.created", "--url", srv.URL+"/h", "--count", "20", "--no-retry", "-v")
	if n := countMatches(r.out, `-->`); n != 20 {
		t.Errorf("-v: %d event lines, want 20", n)
	}
	if strings.Contains(r.out, "triggering [") {
		t.Errorf("-v: progress bar drawn")
	}

	piped := e.command(nil, "trigger", "card.created", "--url", srv.URL+"/h", "--count", "20", "--no-retry")
	out, _ := piped.Output()
	if n := countMatches(string(out), `-->`); n != 20 {
		t.Errorf("piped: %d event lines, want 20", n)
	}
}

// Bulk replay on a terminal prints the failures above its progress line.
func TestPTYBulkReplayShowsFailures(t *testing.T) {
	down := receiverFailingEvery(t, 1)
	e := newPTYEnv(t)
	e.command(nil, "trigger", "card.created", "--url", down.URL+"/h", "--count", "5", "--no-retry").Run()
	r := e.pty([]string{"NO_COLOR=1"}, "replay", "--failed", "--yes", "--no-retry")
	if n := countMatches(r.out, `<-- \[500\] .* failed`); n != 5 {
		t.Errorf("%d failure lines, want 5:\n%s", n, r.out)
	}
	if !strings.Contains(r.out, "replaying [") || !strings.Contains(r.out, "5/5") {
		t.Errorf("no progress line:\n%s", r.out)
	}
}

// Ctrl-C at bulk replay's question ends the run (exit 130, nothing
// replayed). replay read the answer with a blocking read of its own that
// the interrupt could not stop: it hung until Enter was pressed.
func TestPTYReplayPromptCtrlC(t *testing.T) {
	e := newPTYEnv(t)
	url := "http://127.0.0.1:" + mustFreePort(t) + "/h" // connection refused: the delivery fails at once
	if err := e.command(nil, "trigger", "card.created", "--url", url, "--no-retry").Run(); err == nil {
		t.Fatal("trigger to a closed port succeeded")
	}

	c := e.command([]string{"NO_COLOR=1"}, "replay", "--failed")
	f, out := e.start(c, 120)
	defer f.Close()
	output := out.String
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(output(), "[y/N]") {
		if time.Now().After(deadline) {
			c.Process.Kill()
			t.Fatalf("no question:\n%s", output())
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.Write([]byte{3}) // Ctrl-C: the terminal sends SIGINT

	exited := make(chan error, 1)
	go func() { exited <- c.Wait() }()
	var err error
	select {
	case err = <-exited:
	case <-time.After(30 * time.Second):
		c.Process.Kill()
		<-exited
		t.Fatalf("replay still waits for an answer after Ctrl-C:\n%s", output())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("exit %v, want 130\n%s", err, output())
	}
	if out := e.plain("deliveries", "list", "--status", "failed", "-o", "json"); !strings.Contains(out, `"attempt_count": 1`) {
		t.Errorf("the failed delivery changed after an interrupted question:\n%s", out)
	}
}

// What a receiver answers is shown by deliveries show with its control
// characters escaped: a body with ESC sequences (clear the screen, retitle
// the window, hide text) was written raw to the terminal and obeyed.
func TestPTYDeliveriesShowEscapesAnswer(t *testing.T) {
	hostile := "\x1b]0;owned\x07\x1b[2J\x1b[8mhidden\x1b[0m \x9b31m\xff\r\nsecond line"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(hostile))
	}))
	t.Cleanup(srv.Close)
	e := newPTYEnv(t)
	if err := e.command(nil, "trigger", "card.created", "--url", srv.URL+"/h", "--no-retry").Run(); err == nil {
		t.Fatal("trigger to a 500 receiver succeeded")
	}
	var ds []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(e.plain("deliveries", "list", "-o", "json")), &ds); err != nil || len(ds) != 1 {
		t.Fatalf("deliveries list: %v %v", ds, err)
	}
	r := e.pty([]string{"NO_COLOR=1"}, "deliveries", "show", ds[0].ID)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.out)
	}
	if strings.ContainsAny(r.out, "\x1b\x07") || strings.IndexByte(r.out, 0x9b) >= 0 { // (0x9b: the 8-bit CSI, a byte, not a rune)
		t.Errorf("raw control characters reached the terminal:\n%q", r.out)
	}
	if want := `\x1b]0;owned\x07\x1b[2J\x1b[8mhidden\x1b[0m \x9b31m\xff`; !strings.Contains(r.out, want) || !strings.Contains(r.out, "\nsecond line") {
		t.Errorf("the answer is not shown escaped (%q):\n%q", want, r.out)
	}
}

// A table on a terminal narrower than its rows cuts the longest cells with
// an ellipsis (the width asked of the terminal, no COLUMNS): rows wrapped
// before, two or three screen lines each.
func TestPTYTableFitsANarrowTerminal(t *testing.T) {
	e := newPTYEnv(t)
	long := "http://localhost:3000/webhooks/" + strings.Repeat("segment/", 10) + "end"
	e.plain("subscribe", "--url", long, "--events", "card.*")
	e.cols = 100
	r := e.pty([]string{"NO_COLOR=1"}, "subscriptions", "list")
	id := strings.TrimSpace(e.plain("subscriptions", "list", "-o", "json"))
	if r.code != 0 || !strings.Contains(r.out, "http://lo") || !strings.Contains(r.out, "…") {
		t.Fatalf("exit %d:\n%s", r.code, r.out)
	}
	lines := strings.Split(strings.TrimRight(r.out, "\n"), "\n")
	linesFit(t, lines, 100)
	// The id column is never cut: ids are copied. On a terminal it is the
	// 8-character prefix every command takes.
	if len(lines) != 2 || !strings.Contains(id, `"webhook_id": "`+strings.Fields(lines[1])[0]) || len(strings.Fields(lines[1])[0]) != 8 {
		t.Errorf("the subscription's id was cut: %q", lines)
	}
}

// On a terminal, a delivery list cut at its --limit while more match says
// so under the table (the hint is on stderr, which is the terminal too),
// and a list that holds everything does not.
func TestPTYListSaysMoreMatch(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	e := newPTYEnv(t)
	if err := e.command(nil, "trigger", "card.created", "--url", srv.URL+"/h", "--count", "3").Run(); err != nil {
		t.Fatal(err)
	}
	r := e.pty([]string{"NO_COLOR=1"}, "deliveries", "list", "--limit", "2")
	if r.code != 0 || strings.Count(r.out, "succeeded") != 2 {
		t.Fatalf("exit %d:\n%s", r.code, r.out)
	}
	if !strings.Contains(r.out, "hookctl: hint: showing the newest 2 deliveries, and more match: --limit 0 shows them all") {
		t.Errorf("no hint that more deliveries match:\n%s", r.out)
	}
	if r := e.pty([]string{"NO_COLOR=1"}, "deliveries", "list"); strings.Contains(r.out, "hint") || strings.Count(r.out, "succeeded") != 3 {
		t.Errorf("the whole list:\n%s", r.out)
	}
}

// On a terminal: a delivery's credential header shows no more than its
// subscription's mask (4 characters), and an --event filter that matches
// nothing says why — a typo's did-you-mean after the empty result, a
// pattern that can match nothing as a usage error (exit 2).
func TestPTYMaskedCredentialAndEventFilterHints(t *testing.T) {
	srv := receiverFailingEvery(t, 1)
	e := newPTYEnv(t)
	e.plain("subscribe", "--url", srv.URL+"/h", "--events", "card.*", "--header", "X-Auth-Token: abcdefghi")
	if err := e.command(nil, "trigger", "card.created", "--no-retry").Run(); err == nil {
		t.Fatal("trigger to a 500 receiver succeeded")
	}
	var ds []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(e.plain("deliveries", "list", "-o", "json")), &ds); err != nil || len(ds) != 1 {
		t.Fatalf("deliveries list: %v %v", ds, err)
	}
	r := e.pty([]string{"NO_COLOR=1"}, "deliveries", "show", ds[0].ID)
	if r.code != 0 || !strings.Contains(r.out, "X-Auth-Token: abcd…") || strings.Contains(r.out, "abcde") {
		t.Errorf("deliveries show on a terminal (exit %d) does not mask X-Auth-Token as its subscription does:\n%s", r.code, r.out)
	}
	r = e.pty([]string{"NO_COLOR=1"}, "replay", "--failed", "--event", "card.craeted", "--yes")
	if r.code != 0 || !strings.Contains(r.out, "Nothing to replay") || !strings.Contains(r.out, `no event type is called "card.craeted": did you mean "card.created"?`) {
		t.Errorf("replay with a mistyped --event on a terminal (exit %d):\n%s", r.code, r.out)
	}
	r = e.pty([]string{"NO_COLOR=1"}, "deliveries", "list", "--event", "card*")
	if r.code != 2 || !strings.Contains(r.out, `invalid --event: invalid event pattern "card*"`) {
		t.Errorf("deliveries list --event 'card*' on a terminal (exit %d):\n%s", r.code, r.out)
	}
}
