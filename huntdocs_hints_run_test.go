//go:build !windows

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// hintCommand finds a command a hint tells the user to run: after a colon
// ("see why: hookctl deliveries list --status failed") or in double
// quotes ("list them with \"hookctl subscriptions list\""), up to where
// the prose goes on. A hookctl at the start of a hint is prose ("hookctl
// subscribe, trigger, listen, serve, … create a new store there"), not a
// command.
var hintCommand = regexp.MustCompile(`(?:: |")(hookctl [^"\n]*)`)

// hintCommands returns the commands the hint lines of stderr name.
func hintCommands(stderr string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		h, ok := strings.CutPrefix(l, "hookctl: hint: ")
		if !ok {
			continue
		}
		for _, m := range hintCommand.FindAllStringSubmatch(strings.ReplaceAll(h, "; ", "\n"), -1) {
			c := m[1]
			for _, stop := range []string{" (", "; ", ", "} {
				c, _, _ = strings.Cut(c, stop)
			}
			out = append(out, strings.TrimRight(c, ".)"))
		}
	}
	return out
}

// placeholder: a word of a hint the user fills in (ID, FILE, '<secret>',
// NAME,…): such a command is not run as it stands.
var placeholder = regexp.MustCompile(`(^|[ =,'])([A-Z][A-Z_]+|<[^>]*>|[^ ]*…)([ ,']|$)`)

// longRunning: a hinted command that runs until stopped (listen, serve,
// worker, ui, a tail without --timeout; not listen --print-secret) is
// checked to be named, not run.
var longRunning = regexp.MustCompile(`^hookctl (listen|serve|worker|ui)\b|^hookctl deliveries tail\b`)

// TestHuntdocsHintedCommandsRun: the commands hookctl's hints tell a user
// to run next, after the errors a newcomer meets first, are run as
// printed (with bash, against the same store; localhost:3000 in a hint
// stands for the app, as in TestHelpExamplesRun), and each does what it
// says: exits 0 without an error. TestHuntdocsMessageCommandsParse (cmd)
// checks every hint in the source parses; this runs them.
func TestHuntdocsHintedCommandsRun(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	var failing atomic.Bool
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if failing.Load() {
			http.Error(w, "failing on purpose", http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, `{"ok":true}`)
	}))
	defer app.Close()
	appAddr := "127.0.0.1:" + strconv.Itoa(app.Listener.Addr().(*net.TCPAddr).Port)
	appURL := "http://" + appAddr + "/webhooks"

	e := newPTYEnv(t)
	bin := hookctlBinary(t)
	env := []string{"PATH=" + filepath.Dir(bin) + ":" + os.Getenv("PATH"), "NO_COLOR=1"}
	run := func(line string) (string, string, int) {
		t.Helper()
		c := e.command(env)
		c.Path, c.Args = "/bin/bash", []string{"bash", "-c", line}
		if p, err := exec.LookPath("bash"); err == nil {
			c.Path = p
		}
		var stdout, stderr bytes.Buffer
		c.Stdout, c.Stderr = &stdout, &stderr
		err := c.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return stdout.String(), stderr.String(), code
	}
	var sub struct {
		ID string `json:"webhook_id"`
	}
	if err := json.Unmarshal([]byte(e.plain("subscribe", "--url", appURL, "--events", "card.*", "-o", "json")), &sub); err != nil || sub.ID == "" {
		t.Fatalf("subscribe: %v", err)
	}
	failing.Store(true)
	if _, stderr, code := run("hookctl trigger card.created --no-retry"); code != 1 {
		t.Fatalf("trigger to a failing app: exit %d, want 1\n%s", code, stderr)
	}
	var dels []struct {
		ID      string `json:"id"`
		EventID string `json:"event_id"`
	}
	if err := json.Unmarshal([]byte(e.plain("deliveries", "list", "-o", "json")), &dels); err != nil || len(dels) == 0 {
		t.Fatalf("deliveries list: %v", err)
	}
	failed := dels[0]

	ran := 0
	seen := map[string]bool{} // a command several hints name is run once
	for _, tc := range []struct {
		line   string // the failing command
		before func() // set the scene
		want   []string
	}{
		{line: "hookctl trigger card.created --no-retry", before: func() { failing.Store(true) },
			want: []string{"hookctl deliveries list --status failed", "hookctl replay --failed --yes"}},
		{line: "hookctl trigger card.nope", want: []string{"hookctl events list"}},
		{line: "hookctl trigger customer.updated --provider bond", want: []string{"hookctl events list --provider bond"}},
		// Named with its provider, the event the hint sends ad hoc is
		// that one: "hookctl trigger invoice.paid --url" sent Standard
		// Webhooks' invoice.paid, "trigger ping --url" its ping.
		{line: "hookctl trigger stripe:invoice.paid", want: []string{"hookctl trigger stripe:invoice.paid --url"}},
		{line: "hookctl trigger github:ping", want: []string{"hookctl trigger github:ping --url"}},
		{line: "hookctl trigger customer.updated", want: []string{"hookctl subscribe --url", "hookctl trigger customer.updated --url"}},
		{line: "hookctl deliveries show 0000dead", want: []string{"hookctl deliveries list"}},
		{line: "hookctl subscriptions get 0000dead", want: []string{"hookctl subscriptions list"}},
		{line: "hookctl deliveries show " + failed.EventID, want: []string{"hookctl deliveries show " + failed.ID}},
		// The event's delivery succeeded since (replay --failed --yes
		// above): the hint carries --force, or it fails as printed.
		{line: "hookctl replay " + failed.EventID, want: []string{"hookctl replay " + failed.ID + " --force"}},
		{line: "hookctl deliveries show " + failed.ID + " --body -o json", want: []string{"hookctl deliveries show " + failed.ID + " -o json"}},
		{line: "hookctl deliveries show " + failed.ID + " --attempt 1", want: []string{"hookctl deliveries show " + failed.ID}},
		{line: "hookctl replay --failed", before: func() { failing.Store(true); run("hookctl trigger card.created --no-retry") },
			want: []string{"hookctl replay --failed --dry-run"}},
		{line: "hookctl replay --pending", want: []string{"hookctl replay --pending --dry-run"}},
		{line: "hookctl events show rej_nope", want: []string{"hookctl events list", "hookctl events log"}},
		{line: "hookctl subscribe --url " + appURL, want: []string{"hookctl subscribe --url http://localhost:3000/webhooks --events 'card.*'"}},
		{line: "hookctl store prune", want: []string{"hookctl store prune --older-than 30d --dry-run"}},
		{line: "hookctl config set listen_port nope", want: []string{"hookctl config set listen_port 8787"}},
		{line: "hookctl subscriptions rotate-secret " + sub.ID + " --grace nope", want: []string{"hookctl subscriptions rotate-secret --help"}},
		{line: "hookctl subscriptions update " + sub.ID + " --remove-events 'card.*'", want: []string{"hookctl subscriptions disable " + sub.ID}},
		{line: "hookctl listen --port 8787 --forward 8787", want: []string{"hookctl listen --port 8787 --forward localhost:3000/webhooks"}},
		{line: "hookctl check " + appURL + " --only nope", want: []string{"hookctl check --list"}},
		{line: "hookctl completion nope", want: []string{"hookctl completion --help"}},
		{line: "hookctl trigger kyc.verification.success", before: func() {
			var kyc struct {
				ID string `json:"webhook_id"`
			}
			json.Unmarshal([]byte(e.plain("subscribe", "--url", appURL, "--events", "kyc.*", "-o", "json")), &kyc)
			e.plain("subscriptions", "disable", kyc.ID)
		}, want: []string{"hookctl subscriptions enable "}},
		{line: "hookctl trigger card.created", before: func() {
			e.plain("config", "set", "retry_profile", "bond")
			e.plain("config", "set", "retry_schedule", "0s,1s")
		}, want: []string{"hookctl config unset retry_profile"}},
	} {
		if tc.before != nil {
			tc.before()
		}
		_, stderr, code := run(tc.line)
		if code == 0 {
			t.Errorf("%s: exit 0, want an error with hints", tc.line)
			continue
		}
		cmds := hintCommands(stderr)
		for _, w := range tc.want {
			found := false
			for _, c := range cmds {
				found = found || strings.HasPrefix(c, w)
			}
			if !found {
				t.Errorf("%s: no hint names %q:\n%s", tc.line, w, stderr)
			}
		}
		// The app works again: what the hints say to run now succeeds.
		failing.Store(false)
		for _, c := range cmds {
			if longRunning.MatchString(c) && !strings.Contains(c, "--print-secret") && !strings.Contains(c, "--timeout") {
				t.Logf("%s: hint %q runs until stopped: not run", tc.line, c)
				continue
			}
			if placeholder.MatchString(c) {
				t.Logf("%s: hint %q has a placeholder: not run", tc.line, c)
				continue
			}
			line := regexp.MustCompile(`\blocalhost:3000\b`).ReplaceAllString(c, appAddr)
			if seen[line] {
				continue
			}
			seen[line] = true
			stdout, stderr, code := run(line + " </dev/null")
			ran++
			t.Logf("%s → %s: exit %d", tc.line, line, code)
			if code != 0 || strings.Contains(stderr, "hookctl: error:") {
				t.Errorf("%s: its hint says to run %q; that exits %d:\nstdout:\n%s\nstderr:\n%s", tc.line, c, code, stdout, stderr)
			}
		}
	}
	if ran < 15 {
		t.Errorf("ran only %d hinted commands", ran)
	}
}
