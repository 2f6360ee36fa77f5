//go:build !windows

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Hints quote a command as STYLE.md quotes a value (did you mean
// "card.created"?): in double quotes. They mixed backticks ("list them
// with `hookctl deliveries list`") and single quotes ("run 'hookctl
// trigger --help' for usage", "'hookctl store export' writes no such
// record") from one command to the next.
func TestPolish3HintsQuoteCommandsAlike(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	e.plain("subscribe", "--url", "http://127.0.0.1:9/h", "--events", "card.*")
	bad := filepath.Join(e.dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte(`{"header":{"format":"hookctl-store-export","version":1}}`+"\n"+`{"nonsense":{}}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	curl := filepath.Join(e.dir, "curl.txt")
	if err := os.WriteFile(curl, []byte("-H 'webhook-id: msg_1' -H 'webhook-timestamp: 1700000000' -H 'webhook-signature: v1,abc'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string // a command the hint names, in double quotes
	}{
		{[]string{"deliveries", "show", "0000dead"}, `"hookctl deliveries list"`},
		{[]string{"subscriptions", "get", "0000dead"}, `"hookctl subscriptions list"`},
		{[]string{"trigger", "card.nope"}, `"hookctl events list"`},
		{[]string{"trigger", "--no-such-flag"}, `"hookctl trigger --help"`},
		{[]string{"completion", "nope"}, `"hookctl completion --help"`},
		{[]string{"store", "import", bad}, `"hookctl store export"`},
		{[]string{"verify", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--header-file", curl}, `"hookctl sign --format curl"`},
	} {
		c := e.command([]string{"NO_COLOR=1"}, tc.args...)
		c.Stdin = strings.NewReader("{}")
		var stderr strings.Builder
		c.Stderr = &stderr
		if err := c.Run(); err == nil {
			t.Errorf("%v: exit 0, want an error\n%s", tc.args, stderr.String())
			continue
		}
		var hints []string
		for _, l := range strings.Split(stderr.String(), "\n") {
			if strings.HasPrefix(l, "hookctl: hint: ") {
				hints = append(hints, l)
			}
		}
		all := strings.Join(hints, "\n")
		if !strings.Contains(all, tc.want) {
			t.Errorf("%v: no hint names %s:\n%s", tc.args, tc.want, stderr.String())
		}
		for _, h := range hints {
			if strings.Contains(h, "`") || strings.Contains(h, "'hookctl") {
				t.Errorf("%v: a hint quotes a command otherwise than in double quotes: %q", tc.args, h)
			}
		}
	}
}
