package sqlite

import (
	"context"
	"errors"
	"io/fs"
	"os"
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
		return envErr(pingHint, "store %s: the file is gone (deleted or moved since hookctl opened it)", s.path)
	}
	if err != nil {
		return envErr(pingHint, "store %s: %v", s.path, err)
	}
	if s.file != nil && !os.SameFile(fi, s.file) {
		return envErr(pingHint, "store %s: the file was replaced since hookctl opened it", s.path)
	}
	return nil
}
