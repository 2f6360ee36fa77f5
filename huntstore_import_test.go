package main

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// huntstoreHeader is a version 2 dump's header line.
const huntstoreHeader = `{"hookctl_dump":{"version":2,"exported_at":"2026-01-02T03:04:05.1Z","store":"sqlite"}}`

// huntstoreImport runs store import of lines (written to a file) into
// c's store and returns the exit code, stdout and stderr.
func huntstoreImport(t *testing.T, c *crashEnv, lines ...string) (int, string, string) {
	t.Helper()
	file := filepath.Join(c.dir, "dump.jsonl")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb strings.Builder
	cmd := c.cmd("hookctl", "store", "import", file)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// TestHuntstoreImportTwoRecordsOnOneLine: a hand-edited version 2 line
// holding two records ({"event":{…},"object":{…}}) is refused (exit 2,
// naming the record, with a hint) before the store is opened, as a line
// holding none is. Before, import took one of them (the object) and
// dropped the event without a word: "imported … 1 object, 0 events",
// exit 0.
func TestHuntstoreImportTwoRecordsOnOneLine(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	c := newCrashEnv(t)
	two := `{"event":{"id":"evt_1","type":"card.created","created_at":"2026-01-02T03:10:00Z","payload":{"a":1}},` +
		`"object":{"kind":"svix.app","id":"app_1","created_at":"2026-01-02T03:10:00Z","updated_at":"2026-01-02T03:10:00Z","data":{}}}`
	code, out, errb := huntstoreImport(t, c, huntstoreHeader, two)
	if code != 2 || !strings.Contains(errb, "hookctl: error: ") || !strings.Contains(errb, "record 1: want exactly one of subscription, object, event, delivery, attempt, got 2") ||
		!strings.Contains(errb, "hookctl: hint: ") {
		t.Errorf("store import of a line with an event and an object: exit %d, stdout %q, stderr:\n%s\nwant exit 2 naming record 1 (got 2 records), with a hint", code, out, errb)
	}
	if _, err := os.Stat(filepath.Join(c.dir, "hookctl.db")); !os.IsNotExist(err) {
		t.Errorf("the refused import created the store (%v)", err)
	}
}

// TestHuntstoreImportInterruptedSaysWhatIsIn: Ctrl-C (SIGINT) while
// store import - waits for more of its input (a stalled `ssh … store
// export |`, a terminal) after it wrote some batches. It stops at once
// (exit 130), saying which records are in the store and that importing
// the file again adds the rest; importing the whole dump then adds the
// rest and skips those. Before, the signal was not seen until the input
// came or ended (the import went on waiting, here until the test closed
// its stdin 20 s later), and then it said only "interrupted".
func TestHuntstoreImportInterruptedSaysWhatIsIn(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT to send on Windows")
	}
	// 2 subscriptions, 3 objects, 2 events, 3 deliveries, 3 attempts (a
	// dump of format version 1, without a header line)
	dump := storefix3Dump(t)
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			var c *crashEnv
			if backend == "postgres" {
				if os.Getenv("HOOKCTL_TEST_POSTGRES") == "" {
					t.Skip("needs HOOKCTL_TEST_POSTGRES")
				}
				c = pgEnv(t, pgtest.URL(t))
			} else {
				c = newCrashEnv(t)
			}
			cmd := c.cmd("hookctl", "store", "import", "-", "--batch-size", "2")
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			var out, errb strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var werr error
			exited := make(chan struct{})
			go func() { werr = cmd.Wait(); close(exited) }()
			t.Cleanup(func() {
				stdin.Close()
				select {
				case <-exited:
				case <-time.After(30 * time.Second):
					cmd.Process.Kill()
					<-exited
				}
			})
			// Records 1-6 make three batches, written; record 7 waits in
			// the fourth for more input.
			if _, err := io.WriteString(stdin, strings.Join(dump[:7], "\n")+"\n"); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(60 * time.Second)
			for {
				var info struct{ Events int }
				// (exit 3 until the import has created the store)
				if b, err := c.cmd("hookctl", "store", "info", "-o", "json").Output(); err == nil && json.Unmarshal(b, &info) == nil && info.Events == 1 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("records 1-6 were not written within 60s; stderr:\n%s", errb.String())
				}
				time.Sleep(50 * time.Millisecond)
			}
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			select {
			case <-exited:
			case <-time.After(20 * time.Second):
				stdin.Close() // the old code waited for the input to end
				<-exited
				t.Errorf("store import did not stop within 20s of SIGINT while waiting for stdin")
			}
			code := -1
			if ee, ok := werr.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			wantErr := "hookctl: error: import stdin interrupted: records 1-6 are in the store (2 subscriptions, 3 objects, 1 event, 0 deliveries, 0 attempts written; 0 already present), nothing from record 7 on was written\n" +
				"hookctl: hint: import the file again to add the rest: records 1-6 are skipped as already present\n"
			if code != 130 || errb.String() != wantErr {
				t.Errorf("interrupted store import: exit %d, stderr:\n%s\nwant exit 130 and:\n%s", code, errb.String(), wantErr)
			}
			code, stdout, stderr := huntstoreImport(t, c, dump...)
			if want := "imported 0 subscriptions, 0 objects, 1 event, 3 deliveries, 3 attempts into "; code != 0 || !strings.HasPrefix(stdout, want) ||
				!strings.Contains(stdout, "(6 records already present, skipped)") {
				t.Errorf("importing the whole dump again: exit %d, stdout %q, stderr %q; want %q… (6 records already present, skipped)", code, stdout, stderr, want)
			}
		})
	}
}

// TestHuntstoreImportBadHeaderNamesTheHeader: a hand-edited header line
// whose version is a string ("2"), whose value is not an object, or
// whose exported_at is not a time is refused as a bad header (exit 2,
// saying what is wrong with it) before the store is opened. Before, it
// was taken for a record: "record 1: want exactly one of subscription,
// object, event, delivery, attempt, got 0", of a line that is no record.
func TestHuntstoreImportBadHeaderNamesTheHeader(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	ev := `{"event":{"id":"evt_1","type":"card.created","created_at":"2026-01-02T03:10:00Z","payload":{"a":1}}}`
	for header, want := range map[string]string{
		`{"hookctl_dump":{"version":"2"}}`:                         "the file's header line is not valid: hookctl_dump.version is a JSON string, want a number (2)",
		`{"hookctl_dump":"2"}`:                                     "the file's header line is not valid: hookctl_dump is a JSON string, want an object",
		`{"hookctl_dump":{"version":2,"exported_at":"yesterday"}}`: `the file's header line is not valid: parsing time "yesterday"`,
	} {
		c := newCrashEnv(t)
		code, out, errb := huntstoreImport(t, c, header, ev)
		if code != 2 || !strings.Contains(errb, "dump.jsonl: "+want) || strings.Contains(errb, "record 1") || !strings.Contains(errb, "hookctl: hint: ") {
			t.Errorf("store import of a dump whose header is %s: exit %d, stdout %q, stderr:\n%s\nwant exit 2 and %q with a hint", header, code, out, errb, want)
		}
		if _, err := os.Stat(filepath.Join(c.dir, "hookctl.db")); !os.IsNotExist(err) {
			t.Errorf("the refused import (header %s) created the store (%v)", header, err)
		}
	}
}
