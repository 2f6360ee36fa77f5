package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	sqlite3 "modernc.org/sqlite"

	"github.com/hookctl/hookctl/internal/store"
)

var _ store.ChangeMarker = (*Store)(nil)

// changeMark is the connection ChangeMark reads PRAGMA data_version on:
// one of its own, opened on first use and never used to write. The
// value data_version returns is the connection's own count: it moves
// when another connection commits (this process's writer, another
// process) and not for the connection's own commits, and two
// connections' values cannot be compared; so the mark is read on this
// one connection only, and a connection opened again (the old one
// failed) starts a new epoch, which is a mark never given before.
type changeMark struct {
	db     *sql.DB
	conn   *sql.Conn
	epoch  int64
	closed bool
}

// ChangeMark returns a mark that moves once any connection other than
// its own committed to the store (store.ChangeMarker): this process's
// writes (its writer connection) and other processes' alike. One cheap
// pragma, which reads the WAL index's header, not the database.
func (s *Store) ChangeMark(ctx context.Context) (string, error) {
	s.markMu.Lock()
	defer s.markMu.Unlock()
	m := &s.mark
	if m.closed {
		return "", errors.New("sqlite: store closed")
	}
	if m.conn == nil {
		if m.db == nil {
			c, err := sqlite3.NewConnector(dsn(s.path, "deferred"))
			if err != nil {
				return "", err
			}
			m.db = sql.OpenDB(faultConnector{c, s.fault})
			m.db.SetMaxOpenConns(1)
		}
		conn, err := m.db.Conn(ctx)
		if err != nil {
			return "", err
		}
		m.conn = conn
		m.epoch++
	}
	var v int64
	if err := m.conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
		// Read again on a new connection, a new epoch: its count is
		// not this one's.
		m.conn.Close()
		m.conn = nil
		return "", err
	}
	return fmt.Sprintf("%d.%d", m.epoch, v), nil
}

// closeMark closes ChangeMark's connection (Close).
func (s *Store) closeMark() error {
	s.markMu.Lock()
	defer s.markMu.Unlock()
	m := &s.mark
	m.closed = true
	var errs []error
	if m.conn != nil {
		errs = append(errs, m.conn.Close())
		m.conn = nil
	}
	if m.db != nil {
		errs = append(errs, m.db.Close())
		m.db = nil
	}
	return errors.Join(errs...)
}
