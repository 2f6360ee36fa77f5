package main

import (
	"encoding/json"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// trigoutJSONError is the document a failed command prints under -o json.
type trigoutJSONError struct {
	Error    string   `json:"error"`
	Hints    []string `json:"hints"`
	ExitCode int      `json:"exit_code"`
}

// deliveries show ID --attempt N --response (or --curl) with an attempt
// the delivery does not have is "not found" (exit 1, as a delivery id not
// found is, README's exit-code table) with a hint saying how many
// attempts there are and the command for the last; it said only
// "delivery … has 2 attempts: no attempt 9", with no hint.
// Seen failing on main (no hint line).
func TestTrigoutShowAttemptOutOfRangeHints(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	// Two attempts (a 500, then its retry), to a port nothing listens at.
	port := mustFreePort(t)
	trigoutRun(t, c, 1, "trigger", "card.created", "--url", "127.0.0.1:"+port, "--retry-schedule", "0s,10ms")
	var ds []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(c.hookctl(0, "deliveries", "list", "-o", "json"), &ds); err != nil || len(ds) != 1 {
		t.Fatalf("deliveries: %v %v", ds, err)
	}
	id := ds[0].ID
	for _, raw := range []string{"--response", "--curl"} {
		out, errb := trigoutRun(t, c, 1, "deliveries", "show", id, "--attempt", "9", raw)
		want := "hookctl: error: delivery " + id + " has 2 attempts: no attempt 9\n" +
			"hookctl: hint: it has 2 attempts, numbered 1 to 2: hookctl deliveries show " + id + " " + raw + " --attempt 2 (the last, as without --attempt)\n"
		if out != "" || errb != want {
			t.Errorf("%s: stdout %q, stderr:\n%s\nwant:\n%s", raw, out, errb, want)
		}
	}
	// HOOKCTL_OUTPUT=json (the raw flags give way to it): the JSON
	// document has the hint too.
	c.env = append(c.env, "HOOKCTL_OUTPUT=json")
	out, _ := trigoutRun(t, c, 1, "deliveries", "show", id, "--attempt", "9", "--response")
	var doc trigoutJSONError
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.ExitCode != 1 || len(doc.Hints) != 1 || !strings.Contains(doc.Hints[0], "it has 2 attempts") {
		t.Errorf("-o json: %+v %v\n%s", doc, err, out)
	}
}

// check -o json on a receiver it cannot reach follows every command's
// convention (README, Output: errors go to stderr as error + hint lines;
// under -o json a failed command that printed nothing on stdout also
// prints them there as one JSON document): exit 3, stdout one JSON
// document, stderr the same error and hint. It is the shape deliveries
// show ID -o json has for an id not found. (Checked: nothing to fix;
// this pins it.)
func TestTrigoutCheckJSONUnreachableFollowsTheConvention(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	port := mustFreePort(t)
	shape := func(args ...string) (trigoutJSONError, string) {
		t.Helper()
		out, errb := trigoutRun(t, c, 3, args...)
		var doc trigoutJSONError
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("%v: stdout is not one JSON document: %v\n%s", args, err, out)
		}
		return doc, errb
	}
	doc, errb := shape("check", "http://127.0.0.1:"+port+"/hooks", "--provider", "stripe", "--secret", "whsec_dGVzdHRlc3R0ZXN0dGVzdA==", "-o", "json")
	want := "hookctl: error: " + doc.Error + "\n"
	for _, h := range doc.Hints {
		want += "hookctl: hint: " + h + "\n"
	}
	if !strings.HasPrefix(doc.Error, "cannot reach http://127.0.0.1:"+port+"/hooks: ") || doc.ExitCode != 3 || len(doc.Hints) == 0 || errb != want {
		t.Errorf("check -o json: %+v\nstderr:\n%s\nwant:\n%s", doc, errb, want)
	}
	// The same shape as another command's error under -o json.
	other, oerr := shape("--store", filepath.Join(c.dir, "missing.db"), "deliveries", "show", "4f1c", "-o", "json")
	owant := "hookctl: error: " + other.Error + "\n"
	for _, h := range other.Hints {
		owant += "hookctl: hint: " + h + "\n"
	}
	if oerr != owant {
		t.Errorf("deliveries show -o json: stderr:\n%s\nwant:\n%s", oerr, owant)
	}
}

// A store that does not exist reads the same on SQLite and PostgreSQL:
// exit 3, "no store at WHERE: WHY", then the hint to check where the
// location comes from and the one to make a store. PostgreSQL said
// "cannot connect to PostgreSQL store …: database "x" does not exist"
// with only "create the database first". Seen failing on main.
func TestTrigoutMissingStoreSameOnBothStores(t *testing.T) {
	base, err := url.Parse(pgtest.ServerURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Parallel()
	noDB := *base
	noDB.Path = "/hookctl_trigout_missing"
	c := newCrashEnv(t)
	for _, args := range [][]string{
		{"deliveries", "list"},
		{"subscriptions", "list"},
		{"events", "log"},
		{"deliveries", "list", "-o", "json"},
	} {
		for _, where := range []string{filepath.Join(c.dir, "missing.db"), noDB.String()} {
			argv := append([]string{"--store", where}, args...)
			out, errb := trigoutRun(t, c, 3, argv...)
			lines := strings.Split(strings.TrimSuffix(errb, "\n"), "\n")
			name := strings.Join(args, " ") + " on " + where[:8]
			if len(lines) < 3 || !strings.HasPrefix(lines[0], "hookctl: error: no store at ") ||
				!strings.Contains(lines[0], " does not exist") ||
				!strings.HasPrefix(lines[1], "hookctl: hint: check --store, HOOKCTL_STORE or the store setting") ||
				!strings.Contains(lines[len(lines)-1], "hookctl subscribe, trigger, listen, serve, store import and store migrate") {
				t.Errorf("%s: stderr:\n%s", name, errb)
			}
			if !strings.Contains(errb, "xxxxx") && strings.HasPrefix(where, "postgres") {
				t.Errorf("%s: the URL's password is not masked:\n%s", name, errb)
			}
			if args[len(args)-1] == "json" {
				var doc trigoutJSONError
				if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.ExitCode != 3 || len(doc.Hints) < 2 ||
					!strings.HasPrefix(doc.Error, "no store at ") {
					t.Errorf("%s: %+v %v\n%s", name, doc, err, out)
				}
			}
		}
	}
}
