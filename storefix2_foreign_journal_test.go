//go:build unix

package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestStorefix2ForeignJournalOneWarning: a journal of another user
// (root's, as an older `sudo hookctl listen` left them) in the store
// owner's journal folder, holding events for the store, which the owner
// cannot open. store info and store export say so once, naming the file
// and its owner, with one hint (give it to the store's owner, then run
// store info), whether the store is writable or read-only; store info's
// pending bytes say the journal is another user's. Before, a writable
// store got recovery's "belongs to another user: not imported" with no
// hint beside "unknown: DIR, or a journal in it, cannot be read", and a
// read-only one "the directory, or a journal in it" with "ls -l DIR".
// Following the hint imports the events.
func TestStorefix2ForeignJournalOneWarning(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to leave a journal of another user (root) in the store owner's folder")
	}
	bin := hookctlBinary(t)
	dir, sd, db, _ := nobodyStoreDir(t, bin, "hookctl-storefix2-foreign")
	run := func(args ...string) (string, string, int) {
		t.Helper()
		return storefixRun(t, bin, dir, true, append([]string{"--store", db}, args...)...)
	}
	spare := filepath.Join(sd, "spare.db")
	if out, errs, code := storefixRun(t, bin, dir, true, "--store", spare, "store", "migrate"); code != 0 {
		t.Fatalf("store migrate: exit %d\n%s%s", code, out, errs)
	}
	// The owner's listen, its store deleted under it, keeps two events
	// in its journal; the journal then made root's (0600).
	stderr := storefixJournalLeft(t, bin, dir, db, true, "msg_root_1", "msg_root_2")
	jdir := filepath.Join(sd, "journal")
	js, _ := filepath.Glob(filepath.Join(jdir, "listen-*.journal"))
	if len(js) != 1 {
		t.Fatalf("journals left: %v, want 1\n%s", js, stderr)
	}
	journal := js[0]
	if err := os.Chown(journal, 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(journal, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(spare, db); err != nil {
		t.Fatal(err)
	}

	warning := "hookctl: warning: the listen journal " + journal + " belongs to another user (root): not imported: " +
		"received events a listen that did not finish left there, if any, are not in the store ("
	hint := regexp.MustCompile(`(?m)^hookctl: hint: an older hookctl run as root \(sudo hookctl listen\) left it: give it to the store's owner \(sudo chown nobody ` +
		regexp.QuoteMeta(journal) + `\), then (once you may write ` + regexp.QuoteMeta(db) + ` again \(chmod u\+w\), )?run "hookctl store info": it imports it$`)
	row := "pending journal bytes\tunknown: 1 listen journal in " + jdir + " is another user's (see the warning); 0 bytes in the 0 it can read\n"
	check := func(what string, readOnly bool) {
		t.Helper()
		for _, verb := range []string{"info", "export"} {
			out, errs, code := run("store", verb)
			also := map[string]string{"info": "store info's counts leave them out)", "export": "this export does not include them)"}[verb]
			if code != 0 || strings.Count(errs, "hookctl: warning:") != 1 || !strings.Contains(errs, warning+also+"\n") ||
				strings.Count(errs, "hookctl: hint:") != 1 || !hint.MatchString(errs) ||
				(readOnly != strings.Contains(hint.FindString(errs), "once you may write")) {
				t.Errorf("store %s, %s store, a journal of root's: exit %d, want one warning naming it and one hint\n%s", verb, what, code, errs)
			}
			if verb == "info" && !strings.Contains(out, row) {
				t.Errorf("store info, %s store, a journal of root's: the pending bytes do not say it is another user's:\n%s", what, out)
			}
		}
		js, _, _ := run("store", "info", "-o", "json")
		if !strings.Contains(js, `"permission_denied_journals": [`) || !strings.Contains(js, `"journals_permission_denied": true`) {
			t.Errorf("store info -o json, %s store:\n%s", what, js)
		}
	}
	check("writable", false)
	if err := os.Chmod(db, 0o400); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(db, 0o600) })
	check("read-only", true)

	// The hint followed: the journal given to the store's owner, the
	// store writable, store info imports its events.
	if err := os.Chmod(db, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(journal, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	out, errs, code := run("store", "info")
	if code != 0 || !strings.Contains(errs, "Recovered 2 received events from 1 journal") || strings.Contains(errs, "warning") ||
		!strings.Contains(out, "pending journal bytes\t0 (0 listen journals") {
		t.Errorf("store info once the journal is the owner's: exit %d\n%s%s", code, out, errs)
	}
}
