//go:build !windows

package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// deliveries tail --event card.craeted followed nothing, forever, without
// a word: deliveries list, events log and replay --failed say after their
// empty result that no type has that name and which one is close
// (README: "one close to a catalog type (card.craeted) gets a
// did-you-mean hint after the empty result"). tail says it once the log
// was read and showed nothing for it; a filter that shows deliveries, or
// names a real type, gets no hint.
func TestHuntdocsTailEventTypoHint(t *testing.T) {
	t.Parallel()
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") }))
	defer app.Close()
	e := newPTYEnv(t)
	e.plain("subscribe", "--url", app.URL+"/webhooks", "--events", "card.*")
	e.plain("trigger", "card.created")
	const hint = `hookctl: hint: no event type is called "card.craeted": did you mean "card.created"?`
	for _, tc := range []struct {
		args []string
		hint bool
	}{
		{[]string{"--event", "card.craeted"}, true},
		{[]string{"--event", "card.craeted", "--lines", "0", "-o", "json"}, true},
		{[]string{"--event", "card.created"}, false},
		{[]string{"--event", "card.status.lost"}, false}, // a real type, none sent yet
	} {
		c := e.command([]string{"NO_COLOR=1"}, append([]string{"deliveries", "tail", "--timeout", "300ms"}, tc.args...)...)
		var stdout, stderr bytes.Buffer
		c.Stdout, c.Stderr = &stdout, &stderr
		if err := c.Run(); err != nil {
			t.Fatalf("tail %v: %v\n%s", tc.args, err, stderr.String())
		}
		if got := strings.Contains(stderr.String(), hint); got != tc.hint {
			t.Errorf("tail %v: the did-you-mean hint shown %v, want %v:\nstdout:\n%s\nstderr:\n%s", tc.args, got, tc.hint, stdout.String(), stderr.String())
		}
		if strings.Contains(stdout.String(), "hint") {
			t.Errorf("tail %v: a hint on stdout:\n%s", tc.args, stdout.String())
		}
	}
}
