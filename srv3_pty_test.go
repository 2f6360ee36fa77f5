//go:build !windows

package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hookctl/hookctl/internal/check"
	"github.com/hookctl/hookctl/internal/testutil/syncbuf"
)

// srv3Lines returns the lines of a terminal's output without colour.
func srv3Lines(out string) []string {
	return strings.Split(strings.TrimRight(ansiSeq.ReplaceAllString(out, ""), "\n"), "\n")
}

// wider returns the lines wider than cols.
func wider(lines []string, cols int) []string {
	var bad []string
	for _, l := range lines {
		if utf8.RuneCountInString(l) > cols {
			bad = append(bad, l)
		}
	}
	return bad
}

// On a terminal, check --list reads whole: the table cut every sentence
// to a few words at 80 and at 120 columns ("accepts a …", "schemes
// tha…"); each check is now a card, its sentences wrapped between words
// within the terminal's width. Piped, it is the same tab-separated rows.
func TestPTYCheckListReadable(t *testing.T) {
	e := newPTYEnv(t)
	for _, cols := range []uint16{80, 120} {
		e.cols = cols
		r := e.pty(nil, "check", "--list")
		if r.code != 0 {
			t.Fatalf("exit %d\n%s", r.code, r.out)
		}
		lines := srv3Lines(r.out)
		if strings.Contains(r.out, "…") {
			t.Errorf("%d columns: sentences cut:\n%s", cols, r.out)
		}
		if bad := wider(lines, int(cols)); len(bad) > 0 {
			t.Errorf("%d columns: lines wider than the terminal: %q", cols, bad)
		}
		flat := strings.Join(strings.Fields(strings.Join(lines, " ")), " ")
		for _, d := range check.Defs {
			for _, s := range []string{d.ID + " " + d.Title, "sends " + d.Sends, "expects " + d.Expects, "applies to " + d.Applies} {
				if !strings.Contains(flat, s) {
					t.Errorf("%d columns: %q is not shown whole:\n%s", cols, s, r.out)
				}
			}
		}
		if !strings.Contains(r.out, "\x1b[1maccepts-valid\x1b[0m") {
			t.Errorf("%d columns: a check's id is not bold:\n%q", cols, r.out)
		}
	}
	piped := e.plain("check", "--list")
	if rows := strings.Split(strings.TrimSpace(piped), "\n"); len(rows) != len(check.Defs) || strings.Count(rows[0], "\t") != 4 {
		t.Errorf("piped: want %d rows of 5 tab-separated cells:\n%s", len(check.Defs), piped)
	}
}

// On a terminal at 80 columns check's hints are wrapped between words
// under their verdict (they ran to 200 characters and broke mid-word at
// the terminal's edge), the verdict in its colour, the command to see the
// probe whole on one line with an 8-character id; the summary paints only
// the counts that happened ("0 passed" was green). Piped, the hints and
// the summary are as they were: one line each, whole ids.
func TestPTYCheckHintsWrapped(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer app.Close()
	args := []string{"check", app.URL + "/webhooks", "--provider", "bond", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"--only", "accepts-valid,ignores-unknown-event,accepts-rotated-secret"}
	e := newPTYEnv(t)
	e.cols = 80
	r := e.pty(nil, args...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.out)
	}
	lines := srv3Lines(r.out)
	if bad := wider(lines, 80); len(bad) > 0 {
		t.Errorf("lines wider than the terminal: %q", bad)
	}
	show := regexp.MustCompile(`\(hookctl deliveries show [0-9a-f]{8}\)$`)
	hints := 0
	for i, l := range lines {
		if !strings.HasPrefix(l, "FAIL ") {
			continue
		}
		hints++
		j := i + 1
		for j < len(lines) && strings.HasPrefix(lines[j], "  ") {
			j++
		}
		if j == i+1 {
			t.Errorf("hint %q: not wrapped under its verdict", l)
		}
		if !show.MatchString(lines[j-1]) {
			t.Errorf("hint ending %q: want the whole command, an 8-character id, on its last line", lines[j-1])
		}
	}
	if hints != 2 {
		t.Errorf("%d hints, want 2:\n%s", hints, r.out)
	}
	for _, want := range []string{"\x1b[31mFAIL\x1b[0m accepts-valid: ", "\x1b[31mFAIL\x1b[0m ignores-unknown-event: ",
		"0 passed, \x1b[31m2 failed\x1b[0m, 0 warnings, \x1b[38;5;244m1 skipped\x1b[0m ("} {
		if !strings.Contains(r.out, want) {
			t.Errorf("terminal output lacks %q:\n%q", want, r.out)
		}
	}
	// The line that says what is checked breaks between its parts only.
	if !regexp.MustCompile(`(?m)^  deadline 10s\)…$`).MatchString(strings.Join(lines, "\n")) {
		t.Errorf("the first line is not wrapped between its parts:\n%s", r.out)
	}
	if !regexp.MustCompile(`, run [0-9a-f]{8}\)\n`).MatchString(r.out) {
		t.Errorf("summary: want the run's 8-character id:\n%s", r.out)
	}

	c := e.command(nil, args...)
	var stderr strings.Builder
	c.Stderr = &stderr
	c.Run()
	for _, re := range []string{`(?m)^FAIL ignores-unknown-event: .* a 5xx is retried for days \(hookctl deliveries show [0-9a-f-]{36}\)$`,
		`(?m)^0 passed, 2 failed, 0 warnings, 1 skipped \(.*, run [0-9a-f-]{36}\)$`} {
		if !regexp.MustCompile(re).MatchString(stderr.String()) {
			t.Errorf("piped stderr does not match %s:\n%s", re, stderr.String())
		}
	}
}

// servePTY runs hookctl serve --port 0 with args on a pseudo-terminal
// cols wide until its banner is out, calls during with the URL it
// serves, stops it with sig and returns everything it wrote and its exit
// code.
func servePTY(t *testing.T, e *ptyEnv, cols uint16, env []string, sig os.Signal, during func(base string), args ...string) (string, int) {
	t.Helper()
	c := e.command(env, append([]string{"serve", "--port", "0"}, args...)...)
	f, out := e.start(c, cols)
	defer f.Close()
	exited := false
	defer func() {
		if !exited {
			c.Process.Kill()
			c.Wait()
		}
	}()
	ready := regexp.MustCompile(`Point an SDK at (http://127\.0\.0\.1:\d+) `)
	var m []string
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if m = ready.FindStringSubmatch(ansiSeq.ReplaceAllString(out.String(), "")); m != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not say where it serves:\n%s", out.String())
		}
	}
	if during != nil {
		during(m[1])
	}
	c.Process.Signal(sig)
	werr := c.Wait()
	exited = true
	code := 0
	if ee, ok := werr.(interface{ ExitCode() int }); ok && werr != nil {
		code = ee.ExitCode()
	}
	// The child's output ends with it; what the terminal still holds is
	// read until EIO.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(out.String(), "Stopped") && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	return strings.ReplaceAll(out.String(), "\r\n", "\n"), code
}

// On a terminal of 80 columns serve's banner says where it serves and
// whether it delivers, then each API by the name the README gives it,
// with its routes, the inspector's URL, and what an SDK takes, every
// line within the terminal: it was one line of 112 characters ("Serving
// bond, stripe, svix, mambu, hookctl on …"), broken mid-word at the
// edge, that named the control API "hookctl" and neither the inspector
// nor an SDK's base URL. Stopped by SIGHUP with nothing delivered, it
// says so and for how long it served (it said "Stopped." only).
func TestPTYServeBanner(t *testing.T) {
	e := newPTYEnv(t)
	for _, cols := range []uint16{80, 120} {
		out, code := servePTY(t, e, cols, nil, syscall.SIGHUP, nil)
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, out)
		}
		lines := srv3Lines(out)
		if bad := wider(lines, int(cols)); len(bad) > 0 {
			t.Errorf("%d columns: lines wider than the terminal: %q", cols, bad)
		}
		base := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(out)
		text := strings.Join(lines, "\n")
		for _, want := range []string{
			"Ready! Serving on " + base + ", delivering in-process (^C to stop)\n",
			"\n  Bond          /api/v0/webhooks, ",
			"\n  Stripe-style  /v1/webhook_endpoints, /v1/events\n",
			"\n  Svix          /api/v1/app/…",
			"\n  Mambu         /api/notifications/…, /api/communications/…\n",
			"\n  Control API   /_hookctl/… (every route: /_hookctl/openapi.json)\n",
			"\n  Inspector     " + base + "/\n",
			"\nPoint an SDK at " + base + " (Stripe's api_base, Svix's serverUrl).\n",
			"Shutting down: finishing what is in flight… (^C again to quit at once)\n",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("%d columns: the output lacks %q:\n%s", cols, want, out)
			}
		}
		if !regexp.MustCompile(`\nStopped after \d+s: no deliveries attempted\.\n?$`).MatchString(text) {
			t.Errorf("%d columns: no summary at the end:\n%s", cols, out)
		}
		if !strings.Contains(out, "\x1b[32mReady!\x1b[0m") || !strings.Contains(out, "\x1b[34;4m"+base+"/\x1b[0m") {
			t.Errorf("%d columns: Ready! is not green or the inspector's URL is not a blue underlined link:\n%q", cols, out)
		}
	}

	// Piped, the same lines without colour; --no-worker says who delivers.
	c := e.command(nil, "serve", "--port", "0", "--no-worker")
	// Read while the command's copier writes it: a strings.Builder here
	// was a data race (race-built, flakehunt3).
	stderr := &syncbuf.Buffer{}
	c.Stderr = stderr
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(15 * time.Second); !strings.Contains(stderr.String(), "serverUrl"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			c.Process.Kill()
			t.Fatalf("serve did not start:\n%s", stderr.String())
		}
	}
	c.Process.Signal(syscall.SIGTERM)
	if err := c.Wait(); err != nil {
		t.Fatalf("serve: %v\n%s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "\x1b[") || !regexp.MustCompile(`^Ready! Serving on http://127\.0\.0\.1:\d+, not delivering: run "hookctl worker" \(\^C to stop\)\n  Bond `).MatchString(stderr.String()) ||
		!strings.Contains(stderr.String(), "\nStopped after 0s (--no-worker: nothing delivered here).\n") {
		t.Errorf("piped with --no-worker:\n%s", stderr.String())
	}
}

// When serve stops (SIGINT, SIGTERM) it sums up what its worker did, as
// worker does, painting only the counts that happened, and repeats the
// hint its failures share: it said "Stopped." whatever had happened.
func TestPTYServeStopSummary(t *testing.T) {
	t.Parallel()
	ok := receiverFailingEvery(t, 0)
	bad := receiverFailingEvery(t, 1)
	for _, sig := range []os.Signal{syscall.SIGINT, syscall.SIGTERM} {
		e := newPTYEnv(t)
		for _, u := range []string{ok.URL + "/ok", bad.URL + "/bad", "http://127.0.0.1:1/nobody"} {
			e.plain("subscribe", "--url", u, "--events", "card.*")
		}
		out, code := servePTY(t, e, 80, nil, sig, func(base string) {
			resp, err := http.Post(base+"/_hookctl/trigger", "application/json", strings.NewReader(`{"type":"card.created"}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			// Until each delivery had its attempt (the next is an hour away).
			var ds []struct {
				AttemptCount int `json:"attempt_count"`
			}
			for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				ds = nil
				json.Unmarshal([]byte(e.plain("deliveries", "list", "-o", "json")), &ds)
				if len(ds) == 3 && ds[0].AttemptCount+ds[1].AttemptCount+ds[2].AttemptCount == 3 {
					return
				}
			}
			t.Errorf("the deliveries were not attempted: %+v", ds)
		}, "--retry-schedule", "0s,1h")
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", sig, code, out)
		}
		text := strings.Join(srv3Lines(out), "\n")
		if !regexp.MustCompile(`\nStopped after \d+s: 3 attempts; deliveries: 1 succeeded, 0 failed, 2 to retry\.\n`).MatchString(text) {
			t.Errorf("%v: no summary of the attempts:\n%s", sig, out)
		}
		if !strings.Contains(out, "\x1b[32m1 succeeded\x1b[0m, 0 failed, \x1b[33m2 to retry\x1b[0m.") {
			t.Errorf("%v: the summary's counts are not painted as they happened:\n%q", sig, out)
		}
		if !strings.Contains(text, "\nhookctl: hint: nothing listens at 127.0.0.1:1") {
			t.Errorf("%v: no hint for the receiver that is not running:\n%s", sig, out)
		}
	}
}

// Bound beyond loopback (--host 0.0.0.0 --api-key), serve's banner says
// so: the URL it printed is this machine's, and nothing said that other
// machines reach the APIs, with the key, while the inspector answers
// this machine only.
func TestPTYServeBoundBeyondLoopback(t *testing.T) {
	e := newPTYEnv(t)
	out, code := servePTY(t, e, 80, []string{"NO_COLOR=1"}, syscall.SIGINT, nil, "--host", "0.0.0.0", "--api-key", "k")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	lines := srv3Lines(out)
	if bad := wider(lines, 80); len(bad) > 0 {
		t.Errorf("lines wider than the terminal: %q", bad)
	}
	flat := strings.Join(strings.Fields(strings.Join(lines, " ")), " ")
	if !strings.Contains(flat, "Bound to 0.0.0.0 (every address of this machine): other machines reach the APIs with the --api-key; the inspector answers this machine only.") {
		t.Errorf("the banner does not say who else it serves:\n%s", out)
	}
	if out, _ := servePTY(t, e, 80, []string{"NO_COLOR=1"}, syscall.SIGINT, nil); strings.Contains(out, "Bound to") {
		t.Errorf("on loopback:\n%s", out)
	}
}
