//go:build unix

package listen

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// A journal of the store's owner (root recovering for alice, whose store
// it is: `sudo hookctl listen --store ~alice/…`) is imported; before, it
// was "another user's" and left. A third user's stays foreign
// (TestForeignJournalNotImported).
func TestStoreOwnersJournalImported(t *testing.T) {
	dir := t.TempDir()
	r := abandonedJournal(t, dir, 3, func(i int) *Record { return testRecord(fmt.Sprintf("A%d", i)) })
	asOtherUser(t, r.Path()) // 65534
	st := &memStore{}
	n, _, done, err := recoverOne(context.Background(), st, r.Path(), "k1", fileOwner{uid: 65534, gid: 65534, ok: true})
	if err != nil || n != 3 || !done || len(st.events) != 3 {
		t.Fatalf("recovered %d (done %v, err %v), %d events in the store; want the 3 of the store owner's journal", n, done, err, len(st.events))
	}
	if _, err := os.Stat(r.Path()); !os.IsNotExist(err) {
		t.Fatalf("journal left after its import: %v", err)
	}
}

// The journal/ folder of the store's owner is taken, and the journal
// root creates there is given to them; a third user's is refused.
func TestJournalDirOfStoreOwner(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "journal")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	asOtherUser(t, dir)
	j, err := createJournal(dir, "k1", fileOwner{uid: 65534, gid: 65534, ok: true})
	if err != nil {
		t.Fatalf("the store owner's journal directory: %v", err)
	}
	fi, err := os.Stat(j.path)
	j.close(true)
	if err != nil {
		t.Fatal(err)
	}
	if !ownedBy(fi, fileOwner{uid: 65534, ok: true}) || ownedBy(fi, fileOwner{}) {
		t.Errorf("the journal created for the store's owner is not theirs")
	}
	if j, err := createJournal(dir, "k1", fileOwner{uid: 65533, gid: 65533, ok: true}); err == nil {
		j.close(true)
		t.Fatal("created a journal in a third user's directory")
	}
}
