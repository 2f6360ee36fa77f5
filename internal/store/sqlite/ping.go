package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/hookctl/hookctl/internal/store"
)

// pingHint is the hint of Ping's and InPlace's errors.
const pingHint = "check the store file's permissions and that it is still in place (hookctl store info)"

// Ping checks that the store can be used now: the file opened is still in
// place (not deleted or replaced), this process may read and write it
// (other hookctl processes and new connections open it again), and the
// read pool answers a query. It never opens the file itself: closing a
// descriptor of the database would drop this process's SQLite locks.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.InPlace(); err != nil {
		return err
	}
	if err := accessRW(s.path); err != nil {
		return envErr(pingHint, "store %s cannot be read and written by this process: %v", s.path, err)
	}
	var n int64
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&n); err != nil {
		return envErr(pingHint, "store %s does not answer: %v", s.path, err)
	}
	return nil
}

// InPlace checks, with one stat, that the file this store opened is still
// at its path: not deleted, moved or replaced. Writes to a file deleted
// since would succeed and be lost with the process (the descriptor keeps
// the unlinked file alive); listen checks this before it counts records
// as stored and drops them from its journal.
func (s *Store) InPlace() error {
	fi, err := os.Stat(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return goneErr(fmt.Errorf("store %s: the file is gone (deleted or moved since hookctl opened it)", s.path))
	}
	if err != nil {
		return envErr(pingHint, "store %s: %v", s.path, err)
	}
	if s.file != nil && !os.SameFile(fi, s.file) {
		return goneErr(fmt.Errorf("store %s: the file was replaced since hookctl opened it", s.path))
	}
	return nil
}

// GuardWrites makes every write transaction from now on check that the
// file is in place (InPlace, one stat) before it begins and after it
// commits: one that finds it gone fails with a store.IsGone error instead
// of succeeding into a file that is lost with the process (serve's APIs,
// worker's attempts). Reads are not checked (a read error says the file
// is gone when it is, guarded or not: fault).
func (s *Store) GuardWrites() { s.guard.Store(true) }

// gone is the guard's check: nil when writes are not guarded.
func (s *Store) gone() error {
	if !s.guard.Load() {
		return nil
	}
	return s.goneNow()
}

// goneNow is InPlace's error when the file is gone or replaced, else nil.
func (s *Store) goneNow() error {
	if err := s.InPlace(); store.IsGone(err) {
		return err
	}
	return nil
}

// goneError is InPlace's error for a file deleted, moved or replaced:
// store.IsGone tells it.
type goneError struct{ error }

func (e goneError) Unwrap() error        { return e.error }
func (e goneError) Is(target error) bool { return target == store.ErrGone }

func goneErr(err error) error {
	return &store.EnvironmentError{Err: goneError{err}, Hint: pingHint}
}
