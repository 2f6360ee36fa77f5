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
	sqlite3lib "modernc.org/sqlite/lib"

	"github.com/hookctl/hookctl/internal/store"
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
	if err := foreignSidecars(abs, fi, head); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("_busy_timeout", strconv.Itoa(int(wait/time.Millisecond)))
	q.Set("_pragma", "query_only(1)")
	// A file cut short (shorter than its header says) is read as far as
	// it goes, instead of refused as a whole ("database disk image is
	// malformed"): what lies past the cut reads as damaged, which export
	// skips. Only a writer must not take such a file.
	q.Add("_pragma", "writable_schema(1)")
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
	if err == nil && appID == ApplicationID && version > 0 && version < SchemaVersion() && s.upgrader() != 0 {
		// Another process is upgrading it: read it once it is done.
		if err = s.waitUpgrade(ctx, version, SchemaVersion()); err == nil {
			err = s.r.QueryRowContext(ctx, `SELECT (SELECT application_id FROM pragma_application_id),
				(SELECT user_version FROM pragma_user_version)`).Scan(&appID, &version)
		}
	}
	var tables int
	if err == nil && appID == ApplicationID {
		// A file cut short may lose the pages of its schema (read with
		// writable_schema, they are skipped): every read then failed with
		// "SQL logic error: no such table: subscriptions (1)", exit 1.
		// pragma_table_list lists the schema as the connection loaded it;
		// sqlite_master itself would be read to its end, past the cut,
		// and refuse a file whose tables still read in part (export).
		err = s.r.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_list WHERE schema = 'main' AND type = 'table'
			AND name IN ('subscriptions', 'events', 'deliveries', 'attempts', 'objects')`).Scan(&tables)
	}
	switch {
	case err != nil:
	case appID != ApplicationID:
		err = errors.New("not a hookctl store")
	case version > SchemaVersion():
		err = envErr("upgrade hookctl, or use another store with --store",
			"store %s was written by a newer hookctl (schema %d, this hookctl knows up to %d)", abs, version, SchemaVersion())
	case version != SchemaVersion():
		// It was "store P: schema 8, not 9", exit 1.
		err = envErr("a command that writes it brings it up to date (hookctl store migrate), run as a user who may write it; or read it with the hookctl that wrote it",
			"store %s has schema %d, older than this hookctl's %d, and a reader does not migrate it", abs, version, SchemaVersion())
	case tables < 5: // the current schema has the five
		why := "its tables are missing"
		if fi != nil {
			if size, want := cutShort(head, fi.Size()); want > 0 {
				why = fmt.Sprintf("the file is cut short: %d bytes, its header says %d (an interrupted copy, a full disk)", size, want)
			}
		}
		// Nothing of it can be read, so the damaged hint's export would
		// not help.
		err = envErr(fmt.Sprintf("restore the file from a copy, or move it away (mv %s %s.damaged) to start a new store there", abs, abs),
			"store %s is %w: %s, and its tables cannot be found", abs, store.ErrDamaged, why)
	}
	if err != nil {
		s.Close()
		// The -wal and -shm the read made stay (a read-only connection
		// cannot remove them) with the file's mode: writable for the
		// owner, as after a read that succeeds.
		writableSidecars(abs)
		var se *sqlite3.Error
		if errors.As(err, &se) && se.Code() == sqlite3lib.SQLITE_READONLY_DIRECTORY {
			// A WAL store is read through its -shm file, which SQLite
			// creates beside it when the first connection opens it: in a
			// directory this user cannot write, there is none to create.
			// (immutable=1 would read it without, but then a writer with
			// the rights this user lacks — the owner — could change the
			// file under the reader: not safe to assume there is none.)
			dir := filepath.Dir(abs)
			return nil, envErr(fmt.Sprintf("make %s writable for this user, or copy the store elsewhere (with its -wal file if any) and read the copy with --store", dir),
				"store %s cannot be read: SQLite needs to create %s-shm beside it and its directory %s is %w for this user", abs, filepath.Base(abs), dir, store.ErrReadOnly)
		}
		var env *store.EnvironmentError
		if errors.As(err, &env) {
			return nil, err // it names the store already
		}
		return nil, fmt.Errorf("store %s: %w", abs, err)
	}
	s.openedAt = version
	writableSidecars(abs)
	return s, nil
}

// foreignSidecars refuses to read a WAL store another user owns when its
// -shm file is not there (no process has it open): SQLite would create
// the -shm and -wal files, owned by this user, and a reader cannot
// remove them when it is done; the owner's hookctl then refuses to write
// the store through them (checkSidecars).
func foreignSidecars(path string, fi os.FileInfo, head []byte) error {
	if fi == nil || head[18] != 2 || head[19] != 2 { // not in WAL mode
		return nil
	}
	owner, ok := store.FileOwner(fi)
	if !ok || owner == os.Getuid() {
		return nil
	}
	if _, err := os.Lstat(path + "-shm"); !errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return envErr("run hookctl as the store's owner, or copy the store elsewhere and read the copy with --store",
		"store %s belongs to another user and no process has it open: reading it would leave %s-shm and %s-wal owned by this user beside it, through which its owner's hookctl does not write",
		path, filepath.Base(path), filepath.Base(path))
}

// writableSidecars gives the -wal and -shm files of the store at path,
// when this user owns them, the owner's write permission: SQLite creates
// them with the store file's mode, and a reader of a file made read-only
// (chmod 444) leaves them behind read-only too (a read-only connection
// cannot remove them), so once the file is writable again every write
// failed with "attempt to write a readonly database".
func writableSidecars(path string) {
	for _, side := range []string{path + "-wal", path + "-shm"} {
		fi, err := os.Lstat(side)
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o200 != 0 {
			continue
		}
		if owner, ok := store.FileOwner(fi); ok && owner == os.Getuid() {
			_ = os.Chmod(side, fi.Mode().Perm()|0o200)
		}
	}
}
