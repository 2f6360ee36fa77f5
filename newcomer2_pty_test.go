//go:build !windows

package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// A newcomer runs plain `hookctl subscribe` on a terminal and, asked for
// the events, types their names as --events takes them
// ("card.created,kyc.*", or "*" for all). The picker took any text that
// was not numbers for a filter: the names were listed, nothing was
// chosen, and the empty line that should finish answered "choose at least
// one event" again and again (only the numbers chose). A name typed whole
// now toggles that choice, as its number does; other text still filters.
func TestNewcomer2SubscribePickerTakesNamesTyped(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	c := e.command([]string{"NO_COLOR=1"}, "subscribe")
	f, out := e.start(c, 120)
	defer f.Close()
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	// waitFor polls the terminal's output for one of want (in order of
	// preference) after the answers so far, and returns the one seen.
	waitFor := func(want ...string) string {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			s := out.String()
			for _, w := range want {
				if strings.Contains(s, w) {
					return w
				}
			}
			select {
			case err := <-done:
				t.Fatalf("subscribe ended (%v) before asking %q:\n%s", err, want, out.String())
			case <-time.After(20 * time.Millisecond):
			}
		}
		c.Process.Kill()
		t.Fatalf("no %q on the terminal:\n%s", want, out.String())
		return ""
	}
	answer := func(s string) {
		t.Helper()
		if _, err := f.WriteString(s + "\n"); err != nil {
			t.Fatal(err)
		}
	}
	waitFor("Callback URL")
	answer("http://localhost:3000/typed")
	waitFor("finishes (1-")
	answer("") // nothing chosen yet: the answer says how to choose
	waitFor("choose at least one event")
	if !strings.Contains(out.String(), "choose at least one event: type its number or its name") {
		t.Errorf("the empty answer with nothing chosen does not say how to choose:\n%s", out.String())
	}
	answer("card.created,kyc.*") // the names, as --events takes them
	answer("")                   // done
	// Either the next question, or the picker refusing the empty line a
	// second time (nothing was chosen).
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "Description") {
		if strings.Count(out.String(), "choose at least one event") > 1 {
			c.Process.Kill()
			t.Fatalf("event names typed whole were not chosen (the empty line answered \"choose at least one event\" again):\n%s", out.String())
		}
		if time.Now().After(deadline) {
			c.Process.Kill()
			t.Fatalf("no next question:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond) // polling the terminal's output
	}
	answer("typed names")
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("subscribe: %v\n%s", err, out.String())
		}
	case <-time.After(60 * time.Second):
		c.Process.Kill()
		t.Fatalf("subscribe did not finish:\n%s", out.String())
	}
	var subs []struct {
		URL    string   `json:"callback_url"`
		Events []string `json:"events"`
	}
	if err := json.Unmarshal([]byte(e.plain("subscriptions", "list", "-o", "json")), &subs); err != nil {
		t.Fatal(err)
	}
	if len(subs) != 1 || subs[0].URL != "http://localhost:3000/typed" || strings.Join(subs[0].Events, ",") != "card.created,kyc.*" {
		t.Fatalf("subscription = %+v, want the URL and the events typed (card.created, kyc.*)\n%s", subs, out.String())
	}
	if !strings.Contains(out.String(), "selected card.created") || !strings.Contains(out.String(), "selected kyc.*") {
		t.Errorf("the terminal did not say what was chosen:\n%s", out.String())
	}
}

// On an ordinary 80-column terminal the cards of one thing cut their
// values to the width: `subscriptions get` (and `subscribe`, which
// prints the same card) showed "…/payments-provid…" and
// "…, transa…" — not the URL nor the events it was asked for — and
// `store info` cut the store's own path. A card's value is now whole on a
// terminal (a longer line wraps), as it is piped.
func TestNewcomer2RecordCardsWholeOnTerminal(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	e.cols = 80
	url := "http://localhost:3000/api/v2/integrations/webhooks/payments-provider/callback"
	events := "card.*,kyc.verification.success,kyc.verification.failure,transactions"
	e.plain("subscribe", "--url", url, "--events", events)
	var subs []struct {
		ID string `json:"webhook_id"`
	}
	if err := json.Unmarshal([]byte(e.plain("subscriptions", "list", "-o", "json")), &subs); err != nil || len(subs) != 1 {
		t.Fatalf("subscriptions list -o json: %v, %d subscriptions", err, len(subs))
	}
	for _, args := range [][]string{{"subscriptions", "get", subs[0].ID[:8]}, {"store", "info"}} {
		r := e.pty([]string{"NO_COLOR=1"}, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.out)
		}
		for _, l := range strings.Split(r.out, "\n") {
			if strings.Contains(l, "…") && !strings.HasPrefix(l, "Secret ") { // a masked secret is whsec_AbCd…xY=
				t.Errorf("%v on an 80-column terminal cut a value: %q", args, l)
			}
		}
		var want []string
		if args[0] == "store" {
			want = []string{filepath.Join(e.dir, "hookctl.db")}
		} else {
			want = []string{url, strings.ReplaceAll(events, ",", ", ")}
		}
		// A value longer than the line wraps; joined back, it is whole.
		joined := strings.ReplaceAll(r.out, "\n", "")
		for _, w := range want {
			if !strings.Contains(joined, w) {
				t.Errorf("%v on an 80-column terminal: no %q whole:\n%s", args, w, r.out)
			}
		}
	}
}

// `hookctl sign` and `verify` say "reading the body from stdin (end with
// Ctrl-D)" when stdin is a terminal, but `trigger --data @-`, `events
// show --data @-` and `store import -` sat silent waiting for it: run in a
// terminal without a pipe, they looked hung. They now say what they read
// before reading it.
func TestNewcomer2StdinReadersSaySoOnTerminal(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	e := newPTYEnv(t)
	e.plain("subscribe", "--url", srv.URL, "--events", "card.created")
	dump := e.plain("store", "export")
	for _, tc := range []struct {
		args   []string
		input  string
		notice string
		after  string // printed once the input was read
	}{
		{[]string{"trigger", "card.created", "--data", "@-", "--url", srv.URL}, `{"event":"card.created","card":{"card_id":"c1"}}`,
			"hookctl: reading --data from stdin (end with Ctrl-D)", "1 delivery: 1 succeeded"},
		{[]string{"events", "show", "card.created", "--data", "@-"}, `{"event":"card.created","card":{"card_id":"c2"}}`,
			"hookctl: reading --data from stdin (end with Ctrl-D)", `"card_id": "c2"`},
		{[]string{"store", "import", "-", "--store", filepath.Join(e.dir, "copy.db")}, strings.TrimRight(dump, "\n"),
			"hookctl: reading the dump from stdin (end with Ctrl-D)", "imported 1 subscription"},
	} {
		c := e.command([]string{"NO_COLOR=1"}, tc.args...)
		f, out := e.start(c, 200)
		// The input, then Ctrl-D at the start of a line: end of input.
		if _, err := f.WriteString(tc.input + "\n\x04"); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- c.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%v: %v\n%s", tc.args, err, out.String())
			}
		case <-time.After(60 * time.Second):
			c.Process.Kill()
			t.Errorf("%v did not finish:\n%s", tc.args, out.String())
		}
		// What it printed last is still on its way from the terminal to
		// out (start's copier) when it exits: read at once, it was
		// missing under load ("no \"card_id\": \"c2\""). Closing the
		// terminal first would drop it.
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), tc.after) && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		f.Close()
		s := out.String()
		n, a := strings.Index(s, tc.notice), strings.Index(s, tc.after)
		if a < 0 {
			t.Errorf("%v: no %q:\n%s", tc.args, tc.after, s)
		}
		if n < 0 || n > a {
			t.Errorf("%v on a terminal did not say %q before reading stdin:\n%s", tc.args, tc.notice, s)
		}
	}
}

// `hookctl events log` on a terminal left the TYPE cell of a request
// listen rejected before it could tell its type blank (a missing column,
// to the eye), where `events show` of it and listen's own line say
// "(unknown type)". The terminal now says so too; piped, the cell stays
// empty for scripts.
func TestNewcomer2EventsLogNamesUnknownType(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	dump := filepath.Join(e.dir, "dump.jsonl")
	if err := os.WriteFile(dump, []byte(`{"hookctl_dump":{"version":2,"exported_at":"2026-12-06T17:07:31Z","store":"sqlite"}}
{"event":{"id":"rej_59a6c392b3e625c9e7a9f4b7","source":"received","created_at":"2026-12-06T16:38:12.155458Z","verdict":"invalid: no signature header of a known scheme (use --scheme to name it)","content_type":"application/json","headers":{"Content-Type":["application/json"]},"payload":{}}}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	e.plain("store", "import", dump)
	r := e.pty([]string{"NO_COLOR=1"}, "events", "log")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.out)
	}
	if !regexp.MustCompile(`(?m)^rej_59a6  \(unknown type\)  +received  +none \(signature rejected\)`).MatchString(r.out) {
		t.Errorf("events log on a terminal does not name the rejected request's type unknown:\n%s", r.out)
	}
	if got := e.plain("events", "log"); !strings.HasPrefix(got, "rej_59a6c392b3e625c9e7a9f4b7\t\t\treceived\t") {
		t.Errorf("piped, the row changed: %q", got)
	}
}
