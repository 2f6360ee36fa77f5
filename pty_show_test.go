//go:build !windows

package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// ansiSeq matches the terminal's escape sequences (colour, erase).
var ansiSeq = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// On a terminal, events show of an event listen refused (a forwarding
// loop) says it was refused and that its signature was not checked, in
// colour, not "Signature: refused: …" as if it had failed; deliveries
// show of an original lists its edited copies and a copy names its
// original. Script tests see these lines through a pipe only.
func TestPTYShowRefusedAndEditedCopies(t *testing.T) {
	e := newPTYEnv(t)
	dump := filepath.Join(e.dir, "dump.jsonl")
	records := `{"event":{"ID":"evt_loop","Type":"card.created","Provider":"bond","Payload":"e30=","ContentType":"application/json","Source":"received","Verdict":"refused: forwarding loop: this request came back to the listen that forwarded it","CreatedAt":"2026-12-04T16:00:00Z"}}
{"event":{"ID":"evt_orig","Type":"card.created","Provider":"bond","Payload":"e30=","ContentType":"application/json","Source":"triggered","CreatedAt":"2026-12-04T16:00:00Z"}}
{"event":{"ID":"evt_copy1","Type":"card.created","Provider":"bond","Payload":"e30=","ContentType":"application/json","Source":"triggered","CreatedAt":"2026-12-04T16:01:00Z"}}
{"delivery":{"ID":"0a1b2c3d-0000-4000-8000-0000000000d1","EventID":"evt_orig","URL":"http://127.0.0.1:9/h","Status":"failed","AttemptCount":1,"MaxAttempts":1,"Schedule":"0s","CreatedAt":"2026-12-04T16:00:00Z","UpdatedAt":"2026-12-04T16:00:00Z"}}
{"delivery":{"ID":"0a1b2c3d-0000-4000-8000-0000000000d2","EventID":"evt_copy1","URL":"http://127.0.0.1:9/h","Status":"succeeded","AttemptCount":1,"MaxAttempts":1,"Schedule":"0s","Kind":"edited","OriginID":"0a1b2c3d-0000-4000-8000-0000000000d1","CreatedAt":"2026-12-04T16:01:00Z","UpdatedAt":"2026-12-04T16:01:00Z"}}
`
	if err := os.WriteFile(dump, []byte(records), 0o600); err != nil {
		t.Fatal(err)
	}
	e.plain("store", "import", dump)

	lines := func(r ptyResult) map[string]string {
		t.Helper()
		if r.code != 0 {
			t.Fatalf("exit %d\n%s", r.code, r.out)
		}
		m := map[string]string{}
		for _, l := range strings.Split(r.out, "\n") {
			plain := strings.TrimRight(ansiSeq.ReplaceAllString(l, ""), "\r ")
			if k, _, ok := strings.Cut(plain, ":"); ok {
				m[k] = l // keeps the colour
			}
		}
		return m
	}
	value := func(l string) string {
		_, v, _ := strings.Cut(ansiSeq.ReplaceAllString(l, ""), ":")
		return strings.TrimSpace(v)
	}

	ev := lines(e.pty(nil, "events", "show", "evt_loop"))
	if got := value(ev["Refused"]); got != "forwarding loop: this request came back to the listen that forwarded it" {
		t.Errorf("Refused line %q, want the reason", ev["Refused"])
	}
	if got := value(ev["Signature"]); got != "not checked" {
		t.Errorf("Signature line %q, want \"not checked\"", ev["Signature"])
	}
	for _, k := range []string{"Refused", "Signature"} {
		if !strings.Contains(ev[k], "\x1b[") {
			t.Errorf("%s line %q has no colour on a terminal", k, ev[k])
		}
	}
	nc := lines(e.pty([]string{"NO_COLOR=1"}, "events", "show", "evt_loop"))
	if strings.Contains(nc["Refused"], "\x1b[") || value(nc["Refused"]) == "" {
		t.Errorf("NO_COLOR: Refused line %q, want it without colour", nc["Refused"])
	}

	orig := lines(e.pty(nil, "deliveries", "show", "0a1b2c3d-0000-4000-8000-0000000000d1"))
	if got := value(orig["Edited copy"]); !regexp.MustCompile(`^0a1b2c3d-0000-4000-8000-0000000000d2 succeeded, sent `).MatchString(got) {
		t.Errorf("Edited copy line %q, want the copy, its status and when it was sent", orig["Edited copy"])
	}
	if !strings.Contains(orig["Edited copy"], "\x1b[") {
		t.Errorf("Edited copy line %q: the status has no colour on a terminal", orig["Edited copy"])
	}
	cp := lines(e.pty(nil, "deliveries", "show", "0a1b2c3d-0000-4000-8000-0000000000d2"))
	if got := value(cp["Origin"]); got != "edited resend of delivery 0a1b2c3d-0000-4000-8000-0000000000d1" {
		t.Errorf("Origin line %q, want the original", cp["Origin"])
	}
}

// On a terminal, store migrate says it created a store it just made (it
// said "is up to date"), and store import says which stored deliveries a
// newer copy brought up to date (it counted them as skipped).
func TestPTYStoreMigrateAndImportSummaries(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	r := e.pty([]string{"NO_COLOR=1"}, "store", "migrate")
	if r.code != 0 || !regexp.MustCompile(`sqlite store \S+hookctl\.db created \(schema version \d+\)`).MatchString(r.out) {
		t.Fatalf("store migrate on a new store: exit %d\n%s", r.code, r.out)
	}
	if r = e.pty([]string{"NO_COLOR=1"}, "store", "migrate"); !strings.Contains(r.out, "is up to date") {
		t.Errorf("store migrate again:\n%s", r.out)
	}
	ev := `{"event":{"ID":"evt_1","Type":"card.created","Provider":"bond","Payload":"e30=","ContentType":"application/json","Source":"triggered","CreatedAt":"2026-12-04T16:00:00Z"}}`
	d := func(status string, n int, at string) string {
		return `{"delivery":{"ID":"0a1b2c3d-0000-4000-8000-0000000000d1","EventID":"evt_1","URL":"http://127.0.0.1:9/h","Status":"` + status +
			`","AttemptCount":` + strconv.Itoa(n) + `,"MaxAttempts":2,"Schedule":"0s","CreatedAt":"2026-12-04T16:00:00Z","UpdatedAt":"` + at + `"}}`
	}
	first, newer := filepath.Join(e.dir, "first.jsonl"), filepath.Join(e.dir, "newer.jsonl")
	if err := os.WriteFile(first, []byte(ev+"\n"+d("failed", 1, "2026-12-04T16:00:00Z")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(newer, []byte(ev+"\n"+d("succeeded", 2, "2026-12-04T17:00:00Z")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.plain("store", "import", first)
	r = e.pty([]string{"NO_COLOR=1"}, "store", "import", newer)
	if r.code != 0 || !strings.Contains(r.out, "(1 record already present, skipped; 1 delivery brought up to date from a newer copy)") {
		t.Errorf("store import of a newer copy: exit %d\n%s", r.code, r.out)
	}
}
