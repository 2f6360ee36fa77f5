//go:build !windows

package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// polish3Forward is listen's forward (received) of the delivery
// 9f8e7d6c-5b4a-…, whose first 8 characters another delivery of
// tablefitDump shares.
const polish3Forward = `{"event":{"ID":"3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b","Type":"card.created","Provider":"bond","Payload":"e30=","ContentType":"application/json","Source":"received","CreatedAt":"2020-01-02T03:07:05Z"}}
{"delivery":{"ID":"2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f","EventID":"3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b","URL":"http://localhost:3000/app","Status":"succeeded","AttemptCount":1,"MaxAttempts":1,"LastStatus":200,"Schedule":"0s","Kind":"forward","OriginID":"9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a","CreatedAt":"2020-01-02T03:07:05Z","UpdatedAt":"2020-01-02T03:07:05Z"}}
`

// polish3Unique fails unless short is a prefix of want and of no other of ids.
func polish3Unique(t *testing.T, what, short, want string, ids []string) {
	t.Helper()
	if !strings.HasPrefix(want, short) || len(short) < 8 {
		t.Errorf("%s: %q is not a prefix (8 or more) of %s", what, short, want)
	}
	for _, id := range ids {
		if id != want && strings.HasPrefix(id, short) {
			t.Errorf("%s: %q names %s too (ambiguous), not only %s", what, short, id, want)
		}
	}
}

var polish3IDs = []string{"9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", "9f8e7d6c-a1b2-4c3d-8e4f-5a6b7c8d9e0f", "1a2b3c4d-5e6f-4071-8293-a4b5c6d7e8f9", "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"}

// deliveries list on a terminal: the ↳ origin id of listen's forward was
// cut to 8 characters ("↳9f8e7d6c"), which two deliveries shown share;
// it is a prefix unique among the ids shown now, as the ID column's.
// Piped: the whole origin id, as before.
func TestPolish3ListOriginShortID(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	dump := filepath.Join(e.dir, "dump.jsonl")
	if err := os.WriteFile(dump, []byte(tablefitDump+polish3Forward), 0o600); err != nil {
		t.Fatal(err)
	}
	e.plain("store", "import", dump)
	e.cols = 160
	r := e.pty([]string{"NO_COLOR=1"}, "deliveries", "list")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.out)
	}
	m := regexp.MustCompile(`↳(\S+)`).FindAllStringSubmatch(r.out, -1)
	if len(m) != 1 {
		t.Fatalf("want one ↳ origin:\n%s", r.out)
	}
	polish3Unique(t, "↳ origin", m[0][1], polish3IDs[0], polish3IDs)
	out := e.plain("deliveries", "list")
	if !strings.Contains(out, "received:"+polish3IDs[0]+"\t") {
		t.Errorf("piped: no whole origin id received:%s\n%s", polish3IDs[0], out)
	}
}

// deliveries tail: on a terminal each line ended with the delivery's id
// cut to 8 characters, "9f8e7d6c" for two deliveries; each id is a prefix
// unique among the lines printed now. Piped, the whole id (it was cut
// there too).
func TestPolish3TailShortIDs(t *testing.T) {
	t.Parallel()
	e := tablefitEnv(t)
	e.cols = 200
	r := e.pty([]string{"NO_COLOR=1"}, "deliveries", "tail", "--lines", "10", "--timeout", "1s")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.out)
	}
	re := regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  (?:-->|<--) .*  (\S+)\r?$`)
	lines := re.FindAllStringSubmatch(r.out, -1)
	if len(lines) != 3 {
		t.Fatalf("%d delivery lines, want 3 (the store's deliveries have no attempts kept):\n%s", len(lines), r.out)
	}
	seen := map[string]bool{}
	for _, l := range lines {
		var full string
		for _, id := range polish3IDs[:3] {
			if strings.HasPrefix(id, l[1]) && full == "" {
				full = id
			}
		}
		polish3Unique(t, "tail line", l[1], full, polish3IDs[:3])
		seen[full] = true
	}
	if len(seen) != 3 {
		t.Errorf("lines name %d deliveries, want 3:\n%s", len(seen), r.out)
	}
	out := e.plain("deliveries", "tail", "--lines", "10", "--timeout", "1s")
	for _, id := range polish3IDs[:3] {
		if !strings.Contains(out, "  "+id+"\n") {
			t.Errorf("piped: no line ending with the whole id %s:\n%s", id, out)
		}
	}
}

// trigger's hints name a subscription its 410 disabled by a prefix of 8,
// the same for two subscriptions here; they are unique among the ids the
// hints name now on a terminal, and whole on a pipe.
func TestPolish3HintSubscriptionIDs(t *testing.T) {
	t.Parallel()
	gone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gone", http.StatusGone)
	}))
	t.Cleanup(gone.Close)
	subs := []string{"5b1d0e3a-8c2f-4a51-9d0e-1f2a3b4c5d6e", "5b1d0e3a-9e7d-4c3b-8a1f-6e5d4c3b2a19"}
	dump := ""
	for i, id := range subs {
		dump += `{"subscription":{"ID":"` + id + `","CallbackURL":"` + gone.URL + `/h` + string(rune('0'+i)) + `","Events":["card.*"],"Status":"enabled","Secret":"whsec_ZM5U4rtOp4/hfKrCFE1CyVfGJU2vYPh/0kItRwFx5r8=","Scheme":"auto","CreatedAt":"2020-01-02T03:04:05Z","UpdatedAt":"2020-01-02T03:04:05Z"}}` + "\n"
	}
	e := newPTYEnv(t)
	path := filepath.Join(e.dir, "dump.jsonl")
	if err := os.WriteFile(path, []byte(dump), 0o600); err != nil {
		t.Fatal(err)
	}
	e.plain("store", "import", path)
	e.cols = 400
	r := e.pty([]string{"NO_COLOR=1"}, "trigger", "card.created")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.out)
	}
	m := regexp.MustCompile(`hookctl subscriptions enable (\S+), then replay`).FindAllStringSubmatch(r.out, -1)
	if len(m) != 2 {
		t.Fatalf("want a hint per subscription:\n%s", r.out)
	}
	for _, h := range m {
		full := subs[0]
		if !strings.HasPrefix(full, h[1]) {
			full = subs[1]
		}
		polish3Unique(t, "hint", h[1], full, subs)
	}
	if m[0][1] == m[1][1] {
		t.Errorf("both hints name %q:\n%s", m[0][1], r.out)
	}

	// Piped: whole ids (enable them again first).
	for _, id := range subs {
		e.plain("subscriptions", "enable", id)
	}
	c := e.command(nil, "trigger", "card.created")
	var stderr strings.Builder
	c.Stderr = &stderr
	err := c.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("piped trigger: %v, want exit 1\n%s", err, stderr.String())
	}
	for _, id := range subs {
		if !strings.Contains(stderr.String(), "hookctl subscriptions enable "+id+", then replay") {
			t.Errorf("piped: no hint naming the whole id %s:\n%s", id, stderr.String())
		}
	}
}
