package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestSmallfixImportJSONOnError: store import -o json prints its one JSON
// document on stdout however the import ends, as a script reading it
// needs: read/written/skipped count the records in the store, and an
// import that stopped adds "first_unwritten_record" (records before it
// are in the store) and "error" (stderr's error line, which is still
// printed with its hint, and the exit code is as before). Cases: a bad
// record 7 after three batches (--batch-size 2), a file cut short in its
// last record (everything before it imported), an empty stdin (nothing
// read, the store not opened). A whole import has neither key. Before,
// stdout was empty whenever the import failed.
func TestSmallfixImportJSONOnError(t *testing.T) {
	t.Parallel()
	dump := storefix3Dump(t)
	type result struct {
		Read           map[string]int64 `json:"read"`
		Written        map[string]int64 `json:"written"`
		Refreshed      *int64           `json:"refreshed_deliveries"`
		Skipped        *int64           `json:"skipped"`
		FirstUnwritten int64            `json:"first_unwritten_record"`
		Error          string           `json:"error"`
	}
	parse := func(t *testing.T, what, out string) result {
		t.Helper()
		var r result
		dec := json.NewDecoder(strings.NewReader(out))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil || dec.More() {
			t.Fatalf("%s: stdout is not one JSON document (%v):\n%s", what, err, out)
		}
		if r.Read == nil || r.Written == nil || r.Refreshed == nil || r.Skipped == nil {
			t.Fatalf("%s: keys missing:\n%s", what, out)
		}
		return r
	}
	kinds := []string{"subscriptions", "objects", "events", "deliveries", "attempts"}
	same := func(got map[string]int64, want ...int64) bool {
		for i, k := range kinds {
			if got[k] != want[i] {
				return false
			}
		}
		return len(got) == len(kinds)
	}
	errLine := func(stderr string) string {
		line, _, _ := strings.Cut(stderr, "\n")
		return strings.TrimPrefix(line, "hookctl: error: ")
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			var c *crashEnv
			if backend == "postgres" {
				c = pgEnv(t, pgtest.URL(t))
			} else {
				c = newCrashEnv(t)
			}
			write := func(name, content string) string {
				p := filepath.Join(c.dir, name)
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
				return p
			}

			// An empty stdin: refused before the store is opened.
			r := c.run([]byte{}, "store", "import", "-", "-o", "json")
			if r.code != 2 || !strings.HasPrefix(r.stderr, "hookctl: error: stdin is empty") {
				t.Fatalf("empty stdin: exit %d\n%s", r.code, r.stderr)
			}
			got := parse(t, "empty stdin", r.stdout)
			if !same(got.Read, 0, 0, 0, 0, 0) || !same(got.Written, 0, 0, 0, 0, 0) || got.FirstUnwritten != 1 || got.Error != errLine(r.stderr) {
				t.Errorf("empty stdin: %+v\nstderr: %s", got, r.stderr)
			}

			// Record 7 bad, after three batches of two.
			bad := `{"event":{"ID":"","Type":"card.created","Provider":"bond","Payload":"e30=","ContentType":"application/json","Source":"triggered","CreatedAt":"2026-01-02T03:10:00Z"}}`
			lines := append(append(append([]string(nil), dump[:6]...), bad), dump[6:]...)
			file := write("bad.jsonl", strings.Join(lines, "\n")+"\n")
			r = c.run(nil, "store", "import", file, "--batch-size", "2", "-o", "json")
			if r.code != 2 || !strings.Contains(r.stderr, "record 7: event ID is empty; records 1-6 are in the store") || !strings.Contains(r.stderr, "\nhookctl: hint: ") {
				t.Fatalf("record 7 bad: exit %d\n%s", r.code, r.stderr)
			}
			got = parse(t, "record 7 bad", r.stdout)
			if !same(got.Read, 2, 3, 1, 0, 0) || !same(got.Written, 2, 3, 1, 0, 0) || *got.Skipped != 0 || got.FirstUnwritten != 7 || got.Error != errLine(r.stderr) {
				t.Errorf("record 7 bad: %+v\nstderr: %s", got, r.stderr)
			}

			// The whole dump but its last record cut short: records 1-6
			// are already there, 7-12 written.
			whole := strings.Join(dump, "\n")
			file = write("cut.jsonl", whole[:len(whole)-10])
			r = c.run(nil, "store", "import", file, "--batch-size", "2", "-o", "json")
			if r.code != 2 || !strings.Contains(r.stderr, "record 13: the last line is cut short") {
				t.Fatalf("cut short: exit %d\n%s", r.code, r.stderr)
			}
			got = parse(t, "cut short", r.stdout)
			if !same(got.Read, 2, 3, 2, 3, 2) || !same(got.Written, 0, 0, 1, 3, 2) || *got.Skipped != 6 || got.FirstUnwritten != 13 || got.Error != errLine(r.stderr) {
				t.Errorf("cut short: %+v\nstderr: %s", got, r.stderr)
			}

			// The rest: a whole import says no error.
			file = write("dump.jsonl", whole+"\n")
			r = c.run(nil, "store", "import", file, "-o", "json")
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("whole: exit %d\n%s", r.code, r.stderr)
			}
			got = parse(t, "whole", r.stdout)
			if !same(got.Written, 0, 0, 0, 0, 1) || *got.Skipped != 12 || got.FirstUnwritten != 0 || got.Error != "" || strings.Contains(r.stdout, "error") {
				t.Errorf("whole: %+v\n%s", got, r.stdout)
			}
		})
	}
}
