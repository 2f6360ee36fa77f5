//go:build !windows

package main

import (
	"strings"
	"testing"
)

// TestLeadSubscriptionsListEventTypoOnTerminal: `subscriptions list
// --event card.craeted` on a terminal lists what would receive that name
// (the * subscription) and, after the table, the did-you-mean the other
// lists' filters give; exit 0, no colour with NO_COLOR. It was an error
// (exit 2); the piped form is outfix_subs_event_test.go's.
func TestLeadSubscriptionsListEventTypoOnTerminal(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	if out, err := e.command(nil, "subscribe", "--url", "http://127.0.0.1:9/all", "--events", "*").CombinedOutput(); err != nil {
		t.Fatalf("subscribe: %v\n%s", err, out)
	}
	r := e.pty([]string{"NO_COLOR=1"}, "subscriptions", "list", "--event", "card.craeted")
	hint := `no event type is called "card.craeted": did you mean "card.created"?`
	table := strings.Index(r.out, "http://127.0.0.1:9/all")
	if r.code != 0 || table < 0 || !strings.Contains(r.out, hint) || strings.Index(r.out, hint) < table || strings.Contains(r.out, "\x1b[") {
		t.Fatalf("on a terminal: exit %d, want 0, the * subscription listed, then %q, no colour; got:\n%s", r.code, hint, r.out)
	}
}
