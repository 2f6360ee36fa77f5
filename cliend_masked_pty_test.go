//go:build !windows

package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	xansi "github.com/charmbracelet/x/ansi"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// trigger --subscription ID for an event outside that subscription's
// filter warns on stderr: on a terminal (60 columns) the warning is
// wrapped to its width, piped it is one line without a terminal's
// escapes, the same words both ways, and never on stdout.
func TestCliendPTYTriggerOutsideFilterWarning(t *testing.T) {
	t.Parallel()
	app := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer app.Close()
	e := newPTYEnv(t)
	var sub struct {
		ID string `json:"webhook_id"`
	}
	if err := json.Unmarshal([]byte(e.plain("subscribe", "--url", app.URL+"/h", "--events", "kyc.*", "-o", "json")), &sub); err != nil || sub.ID == "" {
		t.Fatalf("subscribe -o json: %v %+v", err, sub)
	}
	args := []string{"trigger", "card.created", "--subscription", sub.ID}
	want := "hookctl: warning: subscription " + sub.ID + " does not take card.created (its filter: --events kyc.*): sent anyway, as --subscription names it\n"
	out, errb, code := trigoutPiped(t, e, args...)
	if code != 0 || !strings.Contains(errb, want) || strings.Contains(out+errb, "\x1b") {
		t.Errorf("piped: exit %d, stderr\n%s\nwant the warning line\n%s(and no escapes)", code, errb, want)
	}
	if strings.Contains(out, "warning") {
		t.Errorf("the warning is on stdout:\n%s", out)
	}
	// On the terminal: wrapped to its width (the line is wider than 60
	// columns), the lines after the first indented, the same words.
	e.cols = 60
	r := e.pty(nil, args...)
	if r.code != 0 {
		t.Fatalf("on a terminal: exit %d\n%s", r.code, r.out)
	}
	lines := strings.Split(xansi.Strip(r.out), "\n")
	linesFit(t, lines, 60)
	var warning []string
	for j, l := range lines {
		if strings.HasPrefix(l, "hookctl: warning: ") {
			warning = append(warning, l)
			for _, more := range lines[j+1:] {
				if !strings.HasPrefix(more, "  ") {
					break
				}
				warning = append(warning, more)
			}
		}
	}
	if len(warning) < 2 || trigoutWords(strings.Join(warning, "\n")) != trigoutWords(want) {
		t.Errorf("the warning on a 60-column terminal, wrapped:\n%s\nwant the words of\n%s\nterminal:\n%s", strings.Join(warning, "\n"), want, r.out)
	}
	// NO_COLOR on the terminal: no escape at all.
	if r := e.pty([]string{"NO_COLOR=1"}, args...); strings.Contains(r.out, "\x1b[") {
		t.Errorf("NO_COLOR on a terminal: escapes in\n%q", r.out)
	}
}

// A callback URL with a password in it (written by an older hookctl) is
// shown masked (alice:xxxxx@) in the terminal's tables and views:
// subscriptions list and get, deliveries list and show; --reveal shows
// it exact; piped the same.
func TestCliendPTYCallbackPasswordMasked(t *testing.T) {
	t.Parallel()
	app := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer app.Close()
	host := strings.TrimPrefix(app.URL, "http://")
	exact := "http://alice:s3cret@" + host + "/x"
	masked := "http://alice:xxxxx@" + host + "/x"
	const subID = "0b6c1d1e-0000-4000-8000-0000000000dd"
	e := newPTYEnv(t)
	e.cols = 200 // wide enough that no table cuts the URL
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(e.dir, "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSubscription(ctx, &store.Subscription{ID: subID, CallbackURL: exact, Events: []string{"card.*"},
		Status: store.StatusEnabled, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "auto"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	e.plain("trigger", "card.created")
	var ds []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(e.plain("deliveries", "list", "-o", "json")), &ds); err != nil || len(ds) != 1 {
		t.Fatalf("deliveries list -o json: %v %+v", err, ds)
	}
	for _, args := range [][]string{
		{"subscriptions", "list"},
		{"subscriptions", "get", subID},
		{"subscriptions", "show", subID[:8]},
		{"deliveries", "list"},
		{"deliveries", "show", ds[0].ID},
	} {
		name := strings.Join(args, " ")
		r := e.pty(nil, args...)
		out := xansi.Strip(r.out)
		if r.code != 0 || strings.Contains(out, "s3cret") || !strings.Contains(out, masked) {
			t.Errorf("%s on a terminal: exit %d, want %s and no password:\n%s", name, r.code, masked, out)
		}
		if p := e.plain(args...); strings.Contains(p, "s3cret") || !strings.Contains(p, masked) {
			t.Errorf("%s piped: want %s and no password:\n%s", name, masked, p)
		}
	}
	for _, args := range [][]string{
		{"subscriptions", "list", "--reveal"},
		{"subscriptions", "get", subID, "--reveal"},
	} {
		r := e.pty(nil, args...)
		if out := xansi.Strip(r.out); r.code != 0 || !strings.Contains(out, exact) {
			t.Errorf("%s on a terminal: exit %d, want %s exact:\n%s", strings.Join(args, " "), r.code, exact, out)
		}
	}
}
