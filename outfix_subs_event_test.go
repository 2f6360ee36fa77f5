package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// outfixSubsTypo runs subscriptions list --event with a typo (and the
// other lists' filters with it) against c's store, holding three
// subscriptions, and returns what they printed, the ids left out (they
// differ between stores).
func outfixSubsTypo(t *testing.T, c *crashEnv) string {
	t.Helper()
	for _, s := range [][2]string{{"card", "card.*"}, {"all", "*"}, {"kyc", "kyc.*"}} {
		c.hookctl(0, "subscribe", "--url", "http://127.0.0.1:9/"+s[0], "--events", s[1])
	}
	const hint = "hookctl: hint: no event type is called \"card.craeted\": did you mean \"card.created\"?\n"
	var log strings.Builder
	run := func(args ...string) (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		cmd := c.cmd("hookctl", args...)
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("hookctl %s: %v (want exit 0: nothing found is not a failure)\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out.String(), errb.String())
		}
		return out.String(), errb.String()
	}
	// Piped: the subscriptions that receive card.craeted (card.* and *),
	// then the hint deliveries list gives for the same typo.
	out, errOut := run("subscriptions", "list", "--event", "card.craeted")
	var rows []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(l, "\t")
		if len(f) < 4 {
			t.Fatalf("subscriptions list --event card.craeted: row %q", l)
		}
		rows = append(rows, strings.Join(f[1:4], " "))
	}
	if got := strings.Join(rows, "\n"); got != "http://127.0.0.1:9/card card.* enabled\nhttp://127.0.0.1:9/all * enabled" {
		t.Errorf("subscriptions list --event card.craeted listed:\n%s", got)
	}
	if errOut != hint {
		t.Errorf("subscriptions list --event card.craeted: stderr %q, want %q", errOut, hint)
	}
	note := func(what, s string) { log.WriteString("== " + what + "\n" + s) }
	note("list rows", strings.Join(rows, "\n")+"\n")
	note("list stderr", errOut)
	if _, dErr := run("deliveries", "list", "--event", "card.craeted"); !strings.HasSuffix(dErr, hint) {
		t.Errorf("deliveries list --event card.craeted: stderr %q, want it to end with %q", dErr, hint)
	}
	// -o json: the same list, the hint on stderr.
	out, errOut = run("subscriptions", "list", "--event", "card.craeted", "-o", "json")
	var subs []struct {
		URL    string `json:"callback_url"`
		Events []string
	}
	if err := json.Unmarshal([]byte(out), &subs); err != nil || len(subs) != 2 {
		t.Errorf("subscriptions list --event card.craeted -o json: %v\n%s", err, out)
	}
	if errOut != hint {
		t.Errorf("subscriptions list --event card.craeted -o json: stderr %q, want %q", errOut, hint)
	}
	b, _ := json.Marshal(subs)
	note("json", string(b)+"\n")
	note("json stderr", errOut)
	// Nothing matches: said, then the hint.
	out, errOut = run("subscriptions", "list", "--event", "card.craeted", "--status", "disabled")
	if out != "" || errOut != "No subscriptions match\n"+hint {
		t.Errorf("subscriptions list --event card.craeted --status disabled: stdout %q, stderr %q", out, errOut)
	}
	note("none", out+errOut)
	// A name the catalog has: no hint.
	if _, errOut := run("subscriptions", "list", "--event", "card.created"); errOut != "" {
		t.Errorf("subscriptions list --event card.created: stderr %q", errOut)
	}
	return log.String()
}

// TestOutfixSubscriptionsListEventTypo: subscriptions list --event
// card.craeted was an error (exit 2, "unknown event"), while deliveries
// list --event, events log --event and deliveries tail --event with the
// same typo list what matches and give a did-you-mean hint (STYLE.md:
// nothing found is not a failure). Now it lists the subscriptions that
// receive that name (card.*, *) and gives the same hint after them, in
// every output mode; SQLite and PostgreSQL print the same. Real binary.
func TestOutfixSubscriptionsListEventTypo(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	lite := outfixSubsTypo(t, newCrashEnv(t))
	t.Run("postgres", func(t *testing.T) {
		pg := outfixSubsTypo(t, pgEnv(t, pgtest.URL(t)))
		if pg != lite {
			t.Errorf("PostgreSQL printed:\n%s\nSQLite:\n%s", pg, lite)
		}
	})
}
