package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	sqlite3 "modernc.org/sqlite"
)

// OpenReader opens the existing store at path for reading only, for shell
// completion: it never creates the file, converts it to WAL or migrates
// it, refuses a file that is not a hookctl store of the current schema
// (an older store is left for the next command to migrate), and waits at
// most wait for another process's lock. Only the read methods may be
// used on the store it returns.
func OpenReader(ctx context.Context, path string, wait time.Duration) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(abs)
	if err != nil {
		return nil, err
	}
	head := make([]byte, 100)
	_, err = io.ReadFull(f, head)
	// The file read: InPlace tells when it was deleted or replaced since
	// (a long reader, deliveries tail, would read a file no one writes).
	fi, _ := f.Stat()
	f.Close()
	if err != nil || !bytes.Equal(head[:len(sqliteHeader)], sqliteHeader) || badHeader(head) != "" {
		return nil, fmt.Errorf("%s is not a SQLite database", abs)
	}
	q := url.Values{}
	q.Set("_busy_timeout", strconv.Itoa(int(wait/time.Millisecond)))
	q.Set("_pragma", "query_only(1)")
	q.Set("mode", "rw") // never create the file (it may be gone since the check)
	u := url.URL{Scheme: "file", Path: abs}
	rc, err := sqlite3.NewConnector(u.String() + "?" + q.Encode())
	if err != nil {
		return nil, err
	}
	s := &Store{path: abs, file: fi}
	s.r = sql.OpenDB(faultConnector{rc, s.fault})
	s.r.SetMaxOpenConns(2)
	var appID, version int
	err = s.r.QueryRowContext(ctx, `SELECT (SELECT application_id FROM pragma_application_id),
		(SELECT user_version FROM pragma_user_version)`).Scan(&appID, &version)
	switch {
	case err != nil:
	case appID != ApplicationID:
		err = errors.New("not a hookctl store")
	case version != SchemaVersion():
		err = fmt.Errorf("schema %d, not %d", version, SchemaVersion())
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("store %s: %w", abs, err)
	}
	s.openedAt = version
	return s, nil
}
