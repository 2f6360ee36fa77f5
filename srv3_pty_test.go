//go:build !windows

package main

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hookctl/hookctl/internal/check"
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
