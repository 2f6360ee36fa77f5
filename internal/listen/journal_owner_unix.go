//go:build unix

package listen

import (
	"os"
	"syscall"

	"github.com/hookctl/hookctl/internal/store"
)

// fileOwner is the user (and group) a store's file belongs to: journals
// of that store may belong to them too (see ownedBy).
type fileOwner struct {
	uid, gid uint32
	ok       bool // known: a store kept in a file, in place
}

// storeOwner returns the owner of st's file (a SQLite store still in
// place), else an unknown owner (PostgreSQL: its journals are in the
// user's own data directory).
func storeOwner(st store.Store) fileOwner {
	p, ok := st.(interface{ Path() string })
	if !ok || p.Path() == "" || store.CheckInPlace(st) != nil {
		return fileOwner{}
	}
	fi, err := os.Stat(p.Path())
	if err != nil {
		return fileOwner{}
	}
	s, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileOwner{}
	}
	return fileOwner{uid: s.Uid, gid: s.Gid, ok: true}
}

// ownedBy reports whether the file belongs to the user hookctl runs as,
// or to the owner of the store the journals are for. Whoever owns the
// store's file already holds everything a journal could give or take
// (the store has every secret and event; they may write or delete it),
// so a journal directory or file of theirs lets no one in who was not;
// a third user's is refused, as checkSidecars refuses a third user's
// -wal or -shm. This lets `sudo hookctl listen --store ~alice/…` use
// alice's journal/ folder (and import her journals) instead of refusing
// it.
func ownedBy(fi os.FileInfo, o fileOwner) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return !ok || st.Uid == uint32(os.Geteuid()) || (o.ok && st.Uid == o.uid)
}

// giveJournal makes a journal root created for another user's store
// theirs (as SQLite gives root's -wal to the database's owner): else
// their own hookctl could not read it (0600), and a journal left by a
// crash would stop their store commands.
func giveJournal(f *os.File, o fileOwner) error {
	if !o.ok || os.Geteuid() != 0 || o.uid == 0 {
		return nil
	}
	return f.Chown(int(o.uid), int(o.gid))
}

// giveJournalDir makes the journal directory next to another user's
// store theirs when root made it (root's listen on their store, `sudo
// hookctl listen --store ~alice/…`): else it stays root's, private
// (0700), and the owner's own listen refuses it ("belongs to another
// user") while their store commands cannot see the journals in it, so
// what a crashed listen of root's left there was never imported. Only a
// directory itself (never what a symbolic link points to) owned by root
// is given, and only by root.
func giveJournalDir(dir string, o fileOwner) error {
	if !o.ok || os.Geteuid() != 0 || o.uid == 0 {
		return nil
	}
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() {
		return nil // checkJournalDir says what is wrong
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); !ok || st.Uid != 0 {
		return nil
	}
	return os.Lchown(dir, int(o.uid), int(o.gid))
}

// ownedByRoot reports whether the file belongs to root.
func ownedByRoot(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && st.Uid == 0
}
