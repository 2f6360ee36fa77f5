//go:build !windows

package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// The help's `hookctl subscriptions rotate-secret 4f1c [--grace 1h]` on a
// terminal: the previous secret's line says how long it keeps signing in
// English ("keeps signing for 1 day"); it read "(signs until in 1 day)".
func TestPTYRotateSecretSaysHowLongThePreviousSigns(t *testing.T) {
	e := newPTYEnv(t)
	var sub struct {
		ID string `json:"webhook_id"`
	}
	if err := json.Unmarshal([]byte(e.plain("subscribe", "--url", "http://127.0.0.1:9/h", "--events", "card.*", "-o", "json")), &sub); err != nil || sub.ID == "" {
		t.Fatalf("subscribe: %v", err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"subscriptions", "rotate-secret", sub.ID[:8]}, "(keeps signing for 1 day)"},
		{[]string{"subscriptions", "rotate-secret", sub.ID[:8], "--grace", "1h"}, "(keeps signing for 1 hour)"},
		{[]string{"subscriptions", "get", sub.ID[:8]}, "(keeps signing for 1 hour)"},
	} {
		r := e.pty([]string{"NO_COLOR=1"}, tc.args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d\n%s", tc.args, r.code, r.out)
		}
		if !strings.Contains(r.out, tc.want) || strings.Contains(r.out, "until in ") {
			t.Errorf("%v on a terminal: want %q on the previous secret's line:\n%s", tc.args, tc.want, r.out)
		}
	}
	// Without a terminal: the time itself.
	if out := e.plain("subscriptions", "get", sub.ID[:8]); !strings.Contains(out, "(signs until 20") {
		t.Errorf("subscriptions get without a terminal:\n%s", out)
	}
}
