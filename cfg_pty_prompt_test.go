//go:build !windows

package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// With -o json on a terminal hookctl does not prompt (a script reads the
// output), so a destructive command needs --yes there too; the refusal
// said "not a terminal" to someone looking at one.
func TestPTYRefusalUnderJSONNamesJSON(t *testing.T) {
	e := newPTYEnv(t)
	r := e.pty(nil, "subscribe", "--url", "http://127.0.0.1:9/h", "--events", "card.*", "-o", "json")
	if r.code != 0 {
		t.Fatalf("subscribe: exit %d\n%s", r.code, r.out)
	}
	var subs []struct {
		ID string `json:"webhook_id"`
	}
	if err := json.Unmarshal([]byte(e.plain("subscriptions", "list", "-o", "json")), &subs); err != nil || len(subs) != 1 {
		t.Fatalf("subscriptions list: %v %v", subs, err)
	}
	id := subs[0].ID
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"subscriptions", "delete", id, "-o", "json"}, "hookctl: error: refusing to delete without confirmation: -o json never prompts\n"},
		{[]string{"store", "prune", "--older-than", "1d", "-o", "json"}, "hookctl: error: refusing to delete without confirmation: -o json never prompts\n"},
		{[]string{"replay", "--failed", "-o", "json"}, "hookctl: error: bulk replay with -o json needs --yes\n"},
	} {
		r := e.pty(nil, tc.args...)
		if r.code != 2 || !strings.HasPrefix(r.out, tc.want) || strings.Contains(r.out, "not a terminal") {
			t.Errorf("%v: exit %d\n%s\nwant first %q", tc.args, r.code, r.out, tc.want)
		}
		if !strings.Contains(r.out, "--yes") {
			t.Errorf("%v: no --yes hint in %q", tc.args, r.out)
		}
	}
}
