//go:build !windows

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestJournalUnreadableScoped: a listen journal in a format this hookctl
// does not read (a newer hookctl's) was warned about by every store
// sharing the journal folder, though its header names the store it is
// for; and `store info` did not count it (0 listen journals, 0 pending
// bytes). Now only its store hears of it (and every store, when the file
// names none), and store info shows such files with their bytes.
func TestJournalUnreadableScoped(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	ua, ub := newUpgradeEnv(t, dir, a), newUpgradeEnv(t, dir, b)
	ua.ok("store", "migrate")
	ub.ok("store", "migrate")
	h := sha256.Sum256([]byte("sqlite:" + a))
	keyA := hex.EncodeToString(h[:8])
	jdir := filepath.Join(dir, "journal")
	if err := os.MkdirAll(jdir, 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) (string, int) {
		p := filepath.Join(jdir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p, len(content)
	}
	ofA, sizeA := write("listen-4242-0a0b0c0d.journal", "hookctl-listen-journal v2 "+keyA+" 4242 00000000 0000000000000050\n\x07frame!!")

	info := func(u *upgradeEnv) (stdout, stderr string, doc map[string]any) {
		t.Helper()
		out, errs, code := u.run(nil, "store", "info")
		if code != 0 {
			t.Fatalf("store info: exit %d\n%s%s", code, out, errs)
		}
		js, _, code := u.run(nil, "store", "info", "-o", "json")
		if code != 0 {
			t.Fatalf("store info -o json: exit %d\n%s", code, js)
		}
		if err := json.Unmarshal([]byte(js), &doc); err != nil {
			t.Fatalf("store info -o json: %v\n%s", err, js)
		}
		return out, errs, doc
	}

	out, errs, doc := info(ua)
	if !strings.Contains(errs, ofA) || !strings.Contains(errs, "not imported") {
		t.Errorf("store info of a says nothing of %s, its journal it cannot read:\n%s", ofA, errs)
	}
	if want := "unreadable journals\t1 ("; !strings.Contains(out, want) || !strings.Contains(out, strconv.Itoa(sizeA)+" bytes") {
		t.Errorf("store info of a does not show its unreadable journal (1, %d bytes):\n%s", sizeA, out)
	}
	if got, _ := doc["unreadable_journals"].([]any); len(got) != 1 || got[0] != ofA {
		t.Errorf("store info -o json of a: unreadable_journals %v, want [%s]", doc["unreadable_journals"], ofA)
	}
	if got, _ := doc["unreadable_journal_bytes"].(float64); int(got) != sizeA {
		t.Errorf("store info -o json of a: unreadable_journal_bytes %v, want %d", doc["unreadable_journal_bytes"], sizeA)
	}

	out, errs, doc = info(ub)
	if strings.Contains(errs, ofA) {
		t.Errorf("store info of b warns about a's journal %s:\n%s", ofA, errs)
	}
	if strings.Contains(out, "unreadable") || doc["unreadable_journals"] != nil {
		t.Errorf("store info of b counts a's journal:\n%s", out)
	}

	// A file that names no store: whose it is cannot be told, so both
	// hear of it.
	anyones, size := write("listen-4243-0a0b0c0e.journal", "hookctl-listen-journal v3\n\x07frame!!")
	for _, u := range []*upgradeEnv{ua, ub} {
		out, errs, _ := info(u)
		if !strings.Contains(errs, anyones) {
			t.Errorf("store info of %s says nothing of %s, a journal of no store it can tell:\n%s", u.store, anyones, errs)
		}
		if !strings.Contains(out, "unreadable journals") || !strings.Contains(out, " bytes") {
			t.Errorf("store info of %s does not count %s (%d bytes):\n%s", u.store, anyones, size, out)
		}
	}
}
