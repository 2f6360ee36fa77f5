package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
