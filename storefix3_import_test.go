package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// storefix3Dump is the 13 records of testdata/script/store_export_import.txtar's
// dump.jsonl: 2 subscriptions, 3 objects, 2 events, 3 deliveries, 3 attempts.
func storefix3Dump(t *testing.T) []string {
	t.Helper()
	ar, err := txtar.ParseFile("testdata/script/store_export_import.txtar")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range ar.Files {
		if f.Name == "dump.jsonl" {
			lines := strings.Split(strings.TrimSpace(string(f.Data)), "\n")
			if len(lines) != 13 {
				t.Fatalf("dump.jsonl has %d records, want 13", len(lines))
			}
			return lines
		}
	}
	t.Fatal("no dump.jsonl")
	return nil
}

// TestStorefix3ImportStopsSaysWhatIsIn: store import of a dump whose
// record 7 is bad, after the first batch (--batch-size 2: records 1-6
// were written in three batches), on SQLite and PostgreSQL. A record no
// store takes (an event with no id), and one the store refuses (a
// delivery of an event that is nowhere), each exit 2 with one error line
// that names the record and says which records are in the store (with
// the counts written) and that nothing after was written, and one hint:
// fix or remove the record, then import again, the records before it
// skipped. The store has exactly those records; the file fixed and
// imported again, the rest is added and the 6 are skipped. Before, the
// bad record's error said nothing of the 6 records written ("record 7:
// event ID is empty" with the hint "was the file edited?"), and a
// store's refusal said "stopped after 8 records" (the batch refused
// counted) with "records before the failing batch are kept" as a second
// hint.
func TestStorefix3ImportStopsSaysWhatIsIn(t *testing.T) {
	t.Parallel()
	dump := storefix3Dump(t)
	bad := map[string]string{
		"invalid": `{"event":{"ID":"","Type":"card.created","Provider":"bond","Payload":"e30=","ContentType":"application/json","Source":"triggered","CreatedAt":"2026-01-02T03:10:00Z"}}`,
		"orphan":  `{"delivery":{"ID":"d0000000-0000-4000-8000-0000000000ff","EventID":"evt_nowhere","URL":"http://127.0.0.1:9/x","Status":"failed","CreatedAt":"2026-01-02T03:10:00Z","UpdatedAt":"2026-01-02T03:10:00Z"}}`,
	}
	wantErr := map[string]string{
		"invalid": "hookctl: error: %s: record 7: event ID is empty; ",
		"orphan":  "hookctl: error: import %s stopped: record 7: delivery d0000000-0000-4000-8000-0000000000ff: its event evt_nowhere is neither earlier in the input nor in the store; ",
	}
	wantHint := map[string]string{
		"invalid": "hookctl: hint: \"hookctl store export\" writes no such record: was the file edited? Fix or remove record 7, then import the file again: records 1-6 are skipped as already present\n",
		"orphan":  "hookctl: hint: import a whole \"hookctl store export\" (subscriptions, objects, events, deliveries, attempts, in that order); fix or remove record 7, then import the file again: records 1-6 are skipped as already present\n",
	}
	in := "records 1-6 are in the store (2 subscriptions, 3 objects, 1 event, 0 deliveries, 0 attempts written; 0 already present), nothing from record 7 on was written\n"
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, kind := range []string{"invalid", "orphan"} {
			t.Run(backend+"/"+kind, func(t *testing.T) {
				var c *crashEnv
				if backend == "postgres" {
					c = pgEnv(t, pgtest.URL(t))
				} else {
					c = newCrashEnv(t)
				}
				lines := append(append(append([]string(nil), dump[:6]...), bad[kind]), dump[6:]...)
				file := filepath.Join(c.dir, "bad.jsonl")
				if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				r := c.run(nil, "store", "import", file, "--batch-size", "2")
				out, errs, code := r.stdout, r.stderr, r.code
				if code != 2 || out != "" || errs != strings.Replace(wantErr[kind], "%s", file, 1)+in+wantHint[kind] {
					t.Errorf("store import, record 7 bad: exit %d, want 2\nstdout: %s\nstderr:\n%s\nwant stderr:\n%s", code, out, errs,
						strings.Replace(wantErr[kind], "%s", file, 1)+in+wantHint[kind])
				}
				var info map[string]any
				if err := json.Unmarshal(c.hookctl(0, "store", "info", "-o", "json"), &info); err != nil {
					t.Fatal(err)
				}
				for k, want := range map[string]float64{"subscriptions": 2, "objects": 3, "events": 1, "deliveries": 0, "attempts": 0} {
					if info[k] != want {
						t.Errorf("after the refused import: %s = %v, want %v", k, info[k], want)
					}
				}
				// The hint followed: record 7 removed, the file imported
				// again.
				if err := os.WriteFile(file, []byte(strings.Join(dump, "\n")+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				got := string(c.hookctl(0, "store", "import", file, "--batch-size", "2"))
				if want := "imported 0 subscriptions, 0 objects, 1 event, 3 deliveries, 3 attempts into "; !strings.HasPrefix(got, want) ||
					!strings.HasSuffix(got, " (6 records already present, skipped)\n") {
					t.Errorf("store import of the fixed file: %q, want %q… (6 records already present, skipped)", got, want)
				}
			})
		}
	}
}
