//go:build !windows

package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// deliveries tail --event with a type close to a catalog one, as a user
// runs it on a terminal: the did-you-mean hint shows while tail follows
// (before any Ctrl-C), once, in hookctl's voice, wrapped at the
// terminal's width; Ctrl-C then ends tail with exit 0 (README: "deliveries
// tail exits 0 on Ctrl-C"). --event=card.craeted reads the same, and
// NO_COLOR leaves no escape code.
func TestClitestsTailEventTypoOnTerminal(t *testing.T) {
	t.Parallel()
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") }))
	defer app.Close()
	e := newPTYEnv(t)
	e.plain("subscribe", "--url", app.URL+"/webhooks", "--events", "card.*")
	e.plain("trigger", "card.created")
	const hint = `hookctl: hint: no event type is called "card.craeted": did you mean "card.created"?`

	c := e.command(nil, "deliveries", "tail", "--event", "card.craeted")
	f, out, drained := e.startDrained(c, 80)
	defer f.Close()
	for deadline := time.Now().Add(15 * time.Second); !strings.Contains(clitestsFlat(out.String()), hint); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			c.Process.Kill()
			c.Wait()
			t.Fatalf("tail --event card.craeted followed without the did-you-mean hint:\n%s", out.String())
		}
	}
	f.Write([]byte{3}) // Ctrl-C: the terminal sends SIGINT
	werr := c.Wait()
	<-drained
	if werr != nil {
		t.Errorf("tail stopped by Ctrl-C: %v, want exit 0\n%s", werr, out.String())
	}
	text := strings.ReplaceAll(out.String(), "\r\n", "\n")
	if !strings.HasPrefix(clitestsFlat(text), "Following the delivery log of "+e.dir+"/hookctl.db (^C to stop) ") {
		t.Errorf("tail did not say what it follows:\n%s", text)
	}
	if n := strings.Count(clitestsFlat(text), hint); n != 1 {
		t.Errorf("the hint shown %d times, want once:\n%s", n, text)
	}
	linesFit(t, strings.Split(ansiSeq.ReplaceAllString(text, ""), "\n"), 80)

	r := e.pty([]string{"NO_COLOR=1"}, "deliveries", "tail", "--event=card.craeted", "--timeout", "1s")
	if r.code != 0 || !strings.Contains(clitestsFlat(r.out), hint) || strings.Contains(r.out, "\x1b") {
		t.Errorf("--event=card.craeted --timeout 1s, NO_COLOR: exit %d, want 0, the hint and no escape code:\n%q", r.code, r.out)
	}
}

// An --event filter written as the inspector's Trigger page and `events
// list` name a type, with its provider (bond:card.created), matches
// nothing: the log's types have no provider. deliveries list, tail and
// events log said nothing after their empty result (no hint: the
// did-you-mean was only for a misspelt type); they now say which filter
// was meant, the type without its provider, misspelt or not. A type with
// a colon that names no provider (order:created, as a sender may send
// one) gets none.
func TestClitestsEventFilterWithProviderHint(t *testing.T) {
	t.Parallel()
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") }))
	defer app.Close()
	e := newPTYEnv(t)
	e.plain("subscribe", "--url", app.URL+"/webhooks", "--events", "card.*")
	e.plain("trigger", "card.created")
	for _, tc := range []struct {
		args []string
		hint string
	}{
		{[]string{"deliveries", "list", "--event", "bond:card.created"},
			`hookctl: hint: no event type is called "bond:card.created": did you mean "card.created"?`},
		{[]string{"events", "log", "--event", "bond:card.created"},
			`hookctl: hint: no event type is called "bond:card.created": did you mean "card.created"?`},
		{[]string{"deliveries", "tail", "--event", "bond:card.craeted", "--timeout", "300ms"},
			`hookctl: hint: no event type is called "bond:card.craeted": did you mean "card.created"?`},
	} {
		r := e.pty([]string{"NO_COLOR=1"}, tc.args...)
		if r.code != 0 || !strings.Contains(clitestsFlat(r.out), tc.hint) {
			t.Errorf("%v on a terminal: exit %d, want 0 and\n%s\ngot:\n%s", tc.args, r.code, tc.hint, r.out)
		}
	}
	if r := e.pty([]string{"NO_COLOR=1"}, "deliveries", "list", "--event", "order:created"); r.code != 0 || strings.Contains(r.out, "hint") {
		t.Errorf("deliveries list --event order:created: exit %d, want 0 and no hint:\n%s", r.code, r.out)
	}
}
