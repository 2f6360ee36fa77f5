//go:build !windows

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUpgradeJournalOfUnknownFormatIsNamed: a listen journal in a format
// this hookctl does not read (a newer hookctl's, found after going back
// to an older one, or the header layout of an unreleased build) holds
// events a listen answered 2xx for. The store commands leave it where it
// is and say so, naming the file, instead of skipping it without a word
// (store info said "0 listen journals" and nothing was imported). A
// journal of another store stays silent, as before.
func TestUpgradeJournalOfUnknownFormatIsNamed(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "hookctl.db")
	u := newUpgradeEnv(t, dir, db)
	u.ok("store", "migrate")
	abs, err := filepath.Abs(db)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256([]byte("sqlite:" + abs))
	key := hex.EncodeToString(h[:8])
	other := strings.Repeat("0", len(key))
	jdir := filepath.Join(dir, "journal")
	if err := os.MkdirAll(jdir, 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) string {
		p := filepath.Join(jdir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	newer := write("listen-4242-0a0b0c0d.journal", "hookctl-listen-journal v2 "+key+" 4242 00000000 0000000000000050\n\x07frame!!")
	older := write("listen-4243-0a0b0c0e.journal", "hookctl-listen-journal v1 "+key+" 4243\n\x07frame!!")
	notOurs := write("listen-4244-0a0b0c0f.journal", "hookctl-listen-journal v1 "+other+" 4244\n\x07frame!!")

	out, errs, code := u.run(nil, "store", "info")
	if code != 0 {
		t.Fatalf("store info: exit %d\n%s%s", code, out, errs)
	}
	for _, p := range []string{newer, older} {
		if !strings.Contains(errs, p) || !strings.Contains(errs, "not imported") {
			t.Errorf("store info says nothing of %s, a journal it cannot read:\n%s", p, errs)
		}
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s is gone: %v", p, err)
		}
	}
	if strings.Contains(errs, notOurs) {
		t.Errorf("store info warns about another store's journal %s:\n%s", notOurs, errs)
	}
}
