//go:build unix

package listen

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// A journal directory of ours that others may enter (made by hand, or by
// an older hookctl under umask 000) is made private before a journal is
// written in it: journals hold received events until the store has them.
func TestJournalDirLooseMadePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "journal")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	j, err := createJournal(dir, "k1", fileOwner{})
	if err != nil {
		t.Fatal(err)
	}
	j.close(false)
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m != 0o700 {
		t.Fatalf("journal directory mode %04o, want 0700", m)
	}
}

// asOtherUser gives path to another user (nobody); only root can.
func asOtherUser(t *testing.T, path string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a file to another user")
	}
	if err := os.Lchown(path, 65534, 65534); err != nil {
		t.Fatal(err)
	}
}

// The journal/ folder next to a store in a shared directory (--store
// /tmp/hooks.db makes it /tmp/journal) may have been made by another
// user, who could remove the journals of events already acknowledged or
// plant journals to be imported: listen refuses it, naming it.
func TestJournalDirOfAnotherUserRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "journal")
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	asOtherUser(t, dir)
	j, err := createJournal(dir, "k1", fileOwner{})
	if err == nil {
		j.close(false)
		t.Fatal("created a journal in another user's directory")
	}
	var de *JournalDirError
	if !errors.As(err, &de) || de.Dir != dir {
		t.Fatalf("error %v (%T), want a JournalDirError naming %s", err, err, dir)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Fatalf("left %v", left)
	}
}

// A journal file of the store's key that belongs to another user was not
// written by a listen of ours: recovery does not import it into the store,
// leaves it, and says so.
func TestForeignJournalNotImported(t *testing.T) {
	dir := t.TempDir()
	r := abandonedJournal(t, dir, 3, func(i int) *Record { return testRecord(fmt.Sprintf("F%d", i)) })
	asOtherUser(t, r.Path())
	st := &memStore{}
	rc, err := Recover(context.Background(), st, dir, "k1")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.events) != 0 || rc.Events != 0 || len(rc.Foreign) != 1 || rc.Foreign[0].Path != r.Path() {
		t.Fatalf("recovered %+v, %d events in the store; want none imported and the journal named", rc, len(st.events))
	}
	if _, err := os.Stat(r.Path()); err != nil {
		t.Fatalf("journal not left where it was: %v", err)
	}
}
