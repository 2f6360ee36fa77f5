//go:build !windows

package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// left2Dump is a store with two subscriptions, two events and three
// deliveries, all made in 2020 (their relative times do not move while a
// test runs).
const left2Dump = `{"subscription":{"ID":"2c01e681-cd51-4f5e-920e-c345372e7371","CallbackURL":"http://127.0.0.1:9/h","Events":["card.*"],"Description":"cards","Status":"enabled","Secret":"whsec_ZM5U4rtOp4/hfKrCFE1CyVfGJU2vYPh/0kItRwFx5r8=","Scheme":"auto","CreatedAt":"2020-01-02T03:04:05Z","UpdatedAt":"2020-01-02T03:04:05Z"}}
{"subscription":{"ID":"feaa607a-f403-47c9-9f76-c914e0262cad","CallbackURL":"http://127.0.0.1:9/h2","Events":["card.created","kyc.verification.success"],"Status":"disabled","Secret":"whsec_P3kc4+Ja9VoIEDOZLWkK0IAqmYdJ7k3n1R8DnpqKWgY=","Scheme":"auto","CreatedAt":"2020-01-02T03:04:05Z","UpdatedAt":"2020-01-02T03:04:05Z"}}
{"event":{"ID":"evt_1","Type":"card.created","Provider":"bond","Payload":"e30=","ContentType":"application/json","Source":"triggered","CreatedAt":"2020-01-02T03:04:05Z"}}
{"event":{"ID":"evt_2","Type":"kyc.verification.success","Provider":"bond","Payload":"e30=","ContentType":"application/json","Source":"triggered","CreatedAt":"2020-01-02T03:05:05Z"}}
{"delivery":{"ID":"0a1b2c3d-0000-4000-8000-0000000000d1","EventID":"evt_1","SubscriptionID":"2c01e681-cd51-4f5e-920e-c345372e7371","URL":"http://127.0.0.1:9/h","Status":"failed","AttemptCount":1,"MaxAttempts":1,"Schedule":"0s","CreatedAt":"2020-01-02T03:04:05Z","UpdatedAt":"2020-01-02T03:04:05Z"}}
{"delivery":{"ID":"0a1b2c3d-0000-4000-8000-0000000000d3","EventID":"evt_1","URL":"http://localhost:3000/webhooks/longer","Status":"succeeded","AttemptCount":1,"MaxAttempts":1,"Schedule":"0s","CreatedAt":"2020-01-02T03:04:06Z","UpdatedAt":"2020-01-02T03:04:06Z"}}
{"delivery":{"ID":"0a1b2c3d-0000-4000-8000-0000000000d2","EventID":"evt_2","URL":"http://127.0.0.1:9/h2","Status":"succeeded","AttemptCount":1,"MaxAttempts":1,"Schedule":"0s","CreatedAt":"2020-01-02T03:05:05Z","UpdatedAt":"2020-01-02T03:05:05Z"}}
`

func left2Env(t *testing.T) *ptyEnv {
	t.Helper()
	e := newPTYEnv(t)
	dump := filepath.Join(e.dir, "dump.jsonl")
	if err := os.WriteFile(dump, []byte(left2Dump), 0o600); err != nil {
		t.Fatal(err)
	}
	e.plain("store", "import", dump)
	return e
}

// On a terminal, an underlined text (a table's header cell, a URL, the
// headings of show) is one SGR start and one reset: lipgloss v1 wrote
// ESC[1;4;4mI ESC[0m ESC[1;4;4mD ESC[0m…, a start and a reset per rune,
// about ten times the bytes. What the terminal shows is the same as
// without colour, to the column.
func TestPTYUnderlineOneSGRPerCell(t *testing.T) {
	t.Parallel()
	e := left2Env(t)
	e.cols = 200 // nothing cut
	sgr := regexp.MustCompile(`\x1b\[[0-9;]*m`)
	for _, args := range [][]string{{"subscriptions", "list"}, {"deliveries", "list"}} {
		colored := e.pty(nil, args...)
		plain := e.pty([]string{"NO_COLOR=1"}, args...)
		if colored.code != 0 || plain.code != 0 {
			t.Fatalf("%v: exit %d / %d\n%s\n%s", args, colored.code, plain.code, colored.out, plain.out)
		}
		if strings.Contains(plain.out, "\x1b[") {
			t.Errorf("%v with NO_COLOR: escape sequences: %q", args, plain.out)
		}
		if got := ansiSeq.ReplaceAllString(colored.out, ""); got != plain.out {
			t.Errorf("%v: the coloured table reads\n%s\nwithout colour it reads\n%s", args, got, plain.out)
		}
		header := strings.SplitN(colored.out, "\n", 2)[0]
		cells := regexp.MustCompile(`\S+(?: \S+)*`).FindAllString(strings.SplitN(plain.out, "\n", 2)[0], -1)
		if len(cells) < 5 {
			t.Fatalf("%v: header cells %q", args, cells)
		}
		var want strings.Builder
		for _, c := range cells {
			want.WriteString("\x1b[1;4m" + c + "\x1b[0m")
		}
		if got := strings.Join(strings.Fields(header), ""); got != strings.ReplaceAll(want.String(), " ", "") {
			t.Errorf("%v: header line %q, want each of %q as one ESC[1;4m…ESC[0m", args, header, cells)
		}
		if n, want := len(sgr.FindAllString(header, -1)), 2*len(cells); n != want {
			t.Errorf("%v: %d SGR sequences in the header line, want %d (a start and a reset per cell)", args, n, want)
		}
		if args[0] == "subscriptions" {
			for _, u := range []string{"http://127.0.0.1:9/h ", "http://127.0.0.1:9/h2 "} {
				if !strings.Contains(colored.out, "\x1b[34;4m"+strings.TrimSpace(u)+"\x1b[0m ") {
					t.Errorf("subscriptions list: the URL %s is not one blue underlined run:\n%q", u, colored.out)
				}
			}
		}
	}

	// A heading with spaces in it (events show's body) is one run too.
	r := e.pty(nil, "events", "show", "evt_1")
	if r.code != 0 || !strings.Contains(r.out, "\x1b[1;4mBody (2 bytes, application/json)\x1b[0m\n") {
		t.Errorf("events show: the body heading is not one underlined run (exit %d):\n%q", r.code, r.out)
	}
	if r := e.pty([]string{"NO_COLOR=1"}, "events", "show", "evt_1"); !strings.Contains(r.out, "\nBody (2 bytes, application/json)\n") {
		t.Errorf("events show with NO_COLOR:\n%q", r.out)
	}
}

// On a terminal, events show lists the event's deliveries in columns:
// the URLs differ in length (a forward's, a subscription's) and the
// times after them were out of line.
func TestPTYEventsShowDeliveriesInColumns(t *testing.T) {
	e := left2Env(t)
	for _, env := range [][]string{{"NO_COLOR=1"}, nil} {
		r := e.pty(env, "events", "show", "evt_1")
		if r.code != 0 {
			t.Fatalf("exit %d\n%s", r.code, r.out)
		}
		var cols []int
		for _, l := range strings.Split(ansiSeq.ReplaceAllString(r.out, ""), "\n") {
			if strings.HasPrefix(l, "  0a1b2c3d-") {
				cols = append(cols, strings.Index(l, "2020-01-02"))
			}
		}
		if len(cols) != 2 || cols[0] < 0 || cols[0] != cols[1] {
			t.Errorf("%v: the deliveries' times start at columns %v, want one column for both:\n%s", env, cols, r.out)
		}
	}
}

// On a terminal too narrow for a table, the cells that are one value
// (a status, the attempts, the last answer, a time) are never cut: the
// delivery list at 75 columns showed "succeed…" and "2020-01…" while
// the URL kept as much. They are whole, or (ATTEMPTS, LAST, CREATED: see
// tablefit_pty_test.go) the column is left out. These three ids differ
// only in their last character: each is shown whole (a shorter prefix
// would name all three), so the rows cannot fit 75 columns and wrap.
func TestPTYNarrowTableKeepsWholeValues(t *testing.T) {
	e := left2Env(t)
	e.cols = 75
	r := e.pty([]string{"NO_COLOR=1"}, "deliveries", "list")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.out)
	}
	lines := strings.Split(strings.TrimRight(r.out, "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines, want a header and 3 rows:\n%s", len(lines), r.out)
	}
	header, rows := tablefitCells(t, r.out)
	for i, row := range rows {
		if !regexp.MustCompile(`^(succeeded|failed)$`).MatchString(row["STATUS"]) {
			t.Errorf("row %q: its status was cut", lines[i+1])
		}
		for _, h := range header {
			if v := row[h]; (h == "ATTEMPTS" || h == "CREATED" || h == "LAST") && strings.Contains(v, "…") {
				t.Errorf("row %q: its %s was cut", lines[i+1], h)
			}
		}
		if !strings.HasPrefix(lines[i+1], "0a1b2c3d-0000-4000-8000-0000000000d") {
			t.Errorf("row %q: not its whole id (its 8 first characters name three deliveries)", lines[i+1])
		}
	}
}

// On a terminal, a summary paints only the counts that happened: "0
// pending" was yellow and "0 succeeded" green, catching the eye for
// nothing; "3 succeeded" is green, a failure red.
func TestPTYSummaryPaintsOnlyWhatHappened(t *testing.T) {
	ok := receiverFailingEvery(t, 0)
	e := newPTYEnv(t)
	r := e.pty(nil, "trigger", "card.created", "--url", ok.URL+"/h", "--count", "3")
	if r.code != 0 || !strings.Contains(r.out, "3 deliveries: \x1b[32m3 succeeded\x1b[0m, 0 failed, 0 pending (") {
		t.Errorf("trigger --count 3 (exit %d): want only \"3 succeeded\" in colour:\n%q", r.code, r.out)
	}
	if strings.Contains(r.out, "\x1b[32m0 ok") {
		t.Errorf("trigger --count 3: the progress line paints \"0 ok\":\n%q", r.out)
	}
	bad := receiverFailingEvery(t, 1)
	r = e.pty(nil, "trigger", "card.created", "--url", bad.URL+"/h", "--no-retry")
	if r.code == 0 || !strings.Contains(r.out, "1 delivery: 0 succeeded, \x1b[31m1 failed\x1b[0m, 0 pending (") {
		t.Errorf("trigger to a failing receiver (exit %d): want only \"1 failed\" in colour:\n%q", r.code, r.out)
	}
	r = e.pty(nil, "replay", "--failed", "--yes")
	if !strings.Contains(r.out, "replayed 1 delivery: 0 succeeded, \x1b[31m1 failed\x1b[0m, 0 pending (") {
		t.Errorf("replay --failed (exit %d): want only \"1 failed\" in colour:\n%q", r.code, r.out)
	}
}

// On a terminal, a subscription's card says "none" for an empty
// description or header list (the key alone, padded with spaces, read as
// cut off); piped, the value stays empty for scripts.
func TestPTYSubscriptionCardSaysNone(t *testing.T) {
	e := left2Env(t)
	r := e.pty([]string{"NO_COLOR=1"}, "subscriptions", "get", "feaa607a")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.out)
	}
	for _, k := range []string{"Description", "Headers"} {
		if !regexp.MustCompile(`(?m)^` + k + ` +none$`).MatchString(r.out) {
			t.Errorf("no %q line saying none:\n%s", k, r.out)
		}
	}
	if !regexp.MustCompile(`(?m)^Description +cards$`).MatchString(e.pty([]string{"NO_COLOR=1"}, "subscriptions", "get", "2c01e681").out) {
		t.Error("a description is not shown as it is")
	}
	if out := e.plain("subscriptions", "get", "feaa607a"); !regexp.MustCompile(`(?m)^Description\t$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^Headers\t$`).MatchString(out) {
		t.Errorf("piped, the empty values are not empty:\n%s", out)
	}
}

// On an 80-column terminal the demo's sentences are wrapped to its width
// between words (lines of 98 to 108 characters broke mid-word at the
// edge and went on at column 0); piped, its lines stay as written. The
// log lines (│), commands ($) and the rejected request's answer are
// shown as they are.
func TestPTYDemoWrapsSentences(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	e.cols = 80
	r := e.pty([]string{"NO_COLOR=1"}, "demo")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.out)
	}
	for _, l := range strings.Split(r.out, "\n") {
		if strings.Contains(l, "│") || strings.HasPrefix(l, "  $ ") || strings.Contains(l, "wrong secret got") {
			continue
		}
		if w := utf8.RuneCountInString(l); w > 80 {
			t.Errorf("a line %d wide on an 80-column terminal: %q", w, l)
		}
	}
	for _, want := range []string{"\n  should, it verifies each signature itself", "\nDemo finished in "} {
		if !strings.Contains(r.out, want) {
			t.Errorf("no %q:\n%s", want, r.out)
		}
	}
	if out := e.plain("demo"); !strings.Contains(out, "Like your handler should, it verifies\n  each signature itself and ignores duplicates. It fails the first attempt of payment.succeeded on purpose.\n") {
		t.Errorf("piped, the demo's lines changed:\n%s", out)
	}
}
