// Package sqlite is the default, embedded store (modernc.org/sqlite, pure
// Go). One file in WAL mode, shared safely by several hookctl processes:
// every write transaction is BEGIN IMMEDIATE, so a second writer waits on
// the busy timeout instead of failing with "database is locked".
package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"

	"github.com/hookctl/hookctl/internal/store"
)

// ApplicationID marks a SQLite file as a hookctl store ("hkct" in ASCII),
// stored in the database header (PRAGMA application_id).
const ApplicationID = 0x686b6374

// BusyTimeout is how long a statement waits for another process's write
// transaction before giving up.
const BusyTimeout = 10 * time.Second

// busyTimeout is BusyTimeout, shorter in tests.
var busyTimeout = BusyTimeout

//go:embed migrations/*.sql
var migrationFS embed.FS

type migration = store.Migration

// migrations returns the embedded migrations, ordered by version (the
// number their file name starts with).
func migrations() []migration { return store.LoadMigrations(migrationFS, "migrations") }

// SchemaVersion is the schema version this hookctl writes.
func SchemaVersion() int {
	ms := migrations()
	return ms[len(ms)-1].Version
}

// Store is the SQLite store.
type Store struct {
	path string
	// w is the write pool: one connection, BEGIN IMMEDIATE transactions, so
	// goroutines of this process queue in Go and other processes wait,
	// taking turns (turnstile.go), up to the busy timeout.
	w *sql.DB
	// r serves reads (WAL readers never block the writer).
	r *sql.DB
	// stmts are the hot write statements, prepared once on w's connection.
	stmts map[string]*sql.Stmt
	// bulk are CreateEvents' multi-row inserts, prepared on first use.
	bulkMu sync.Mutex
	bulk   map[bulkKey]*sql.Stmt
	// checkpointer: started by the first batch write, stopped by Close.
	ckptOnce sync.Once
	ckptStop chan struct{}
	ckptDone chan struct{}
	// eventByID and subByID read an event or a subscription by its exact
	// id on r (the engine reads each replayed delivery's event, and its
	// subscription every few milliseconds), prepared on first use.
	eventByID lazyStmt
	subByID   lazyStmt
	// file is the store file as opened: Ping tells a file deleted or
	// replaced since.
	file os.FileInfo
	// guard: write transactions check the file is in place (GuardWrites).
	guard atomic.Bool
	// openedAt is the schema version Open found (0: a new store), before
	// the migrations it applied: Migrate reports them.
	openedAt int
	// locks: the lease owners' locks (leaseclock.go); nil on a reader.
	locks *leaseLocks
	// turns: the writers' turnstile (turnstile.go); nil on a reader.
	turns *turnstile
	// mark: ChangeMark's connection (changemark.go), under markMu.
	markMu sync.Mutex
	mark   changeMark
}

// hotStatements are prepared at open: parsing SQL costs more than running
// these small statements.
func hotStatements() []string {
	return []string{insertEventSQL, insertDeliverySQL, claimSQL, claimRunSQL, claimTakeSQL(), recordSelectSQL, insertAttemptSQL, recordUpdateSQL,
		recordSeqUpdateSQL, insertAttemptNumberedSQL, insertDeliveryNumberedSQL, requeueSelectSQL, requeueSQL()}
}

// txStmt returns a prepared statement for q bound to tx.
func (s *Store) txStmt(ctx context.Context, tx *sql.Tx, q string) (*sql.Stmt, error) {
	if st, ok := s.stmts[q]; ok {
		return tx.StmtContext(ctx, st), nil
	}
	return tx.PrepareContext(ctx, q)
}

var _ store.Store = (*Store)(nil)

// lazyStmt is a read statement prepared on the read pool on first use.
type lazyStmt struct {
	once sync.Once
	st   *sql.Stmt
	err  error
}

func (l *lazyStmt) get(ctx context.Context, db *sql.DB, q string) (*sql.Stmt, error) {
	l.once.Do(func() { l.st, l.err = db.PrepareContext(context.WithoutCancel(ctx), q) })
	return l.st, l.err
}

func (l *lazyStmt) close() error {
	if l.st == nil {
		return nil
	}
	return l.st.Close()
}

func dsn(path string, txlock string) string {
	q := url.Values{}
	if txlock == "immediate" {
		// The writer waits for another process's write lock in slices,
		// taking its turn (turnstile.go).
		q.Set("_busy_timeout", strconv.Itoa(int(writerBusyTimeout()/time.Millisecond)))
	} else {
		q.Set("_busy_timeout", strconv.Itoa(int(busyTimeout/time.Millisecond)))
	}
	q.Set("_synchronous", "NORMAL")
	q.Set("_foreign_keys", "1")
	q.Set("_txlock", txlock)
	if txlock == "immediate" {
		// The writer's multi-row inserts (CreateEvents) keep a statement
		// journal (a constraint may undo part of one statement): in
		// memory, a few pages, instead of a temporary file written
		// through system calls.
		q.Set("_pragma", "temp_store(memory)")
		// What the writer deletes or moves within a page (an updated
		// row's old cell, cells a page split moved away) is overwritten
		// with zeros where that costs no I/O: an expunged payload
		// (ExpungeEvent, which turns secure_delete fully on for its own
		// transaction) leaves no stale copy behind in the event pages'
		// free space, where the page splits that stored it had left one.
		q.Add("_pragma", "secure_delete(fast)")
	} else {
		// The read pool never creates the file (the writer does, at
		// Open): a connection it opens once the file was deleted would
		// make a new, empty one at the path, whose "no such table" a
		// read then met, and which took the deleted store's place.
		q.Set("mode", "rw")
	}
	u := url.URL{Scheme: "file", Path: path}
	return u.String() + "?" + q.Encode()
}

func envErr(hint string, format string, args ...any) error {
	return &store.EnvironmentError{Err: fmt.Errorf(format, args...), Hint: hint}
}

// Open opens (creating when missing) the SQLite store at path. A file that
// is not a hookctl store, or was written by a newer hookctl, is refused
// with a *store.EnvironmentError and left untouched.
func Open(ctx context.Context, path string) (store.Store, error) {
	return OpenStore(ctx, path)
}

// OpenStore is Open returning the concrete type.
func OpenStore(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		// An empty --store or store setting: bad input (exit 2), nothing tried.
		return nil, &store.EnvironmentError{Err: errors.New("no store path given (an empty --store, HOOKCTL_STORE or store setting)"),
			Hint: "give a SQLite file path or a postgres:// URL, or drop the empty setting to use the default store", Code: 2}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, envErr("", "store %s: %v", path, err)
	}
	if os.IsPathSeparator(path[len(path)-1]) {
		// --store ~/hooks/ means a directory; Abs drops the separator,
		// so a missing one was created as the store file (then
		// --store ~/hooks/hookctl.db: "mkdir …/hooks: not a directory").
		if st, err := os.Stat(abs); err != nil || !st.IsDir() {
			return nil, envErr("point --store at a file in it, e.g. "+filepath.Join(abs, "hookctl.db"),
				"store %s names a directory (it ends with %c), not a store file", path, path[len(path)-1])
		}
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, envErr("choose another location with --store", "cannot create the store directory: %v", err)
	}
	if err := checkFile(abs, false); err != nil {
		return nil, err
	}
	if err := checkSidecars(abs); err != nil {
		return nil, err
	}
	// A reader of the file while it was read-only (chmod 400) may have
	// left them read-only too (an older hookctl's, or one whose read
	// failed): every write would fail with "attempt to write a readonly
	// database".
	writableSidecars(abs)
	s := &Store{path: abs, locks: newLeaseLocks(abs), turns: openTurnstile(abs)}
	wc, err := sqlite3.NewConnector(dsn(abs, "immediate"))
	if err != nil {
		s.turns.close()
		return nil, envErr("", "opening store %s: %v", abs, err)
	}
	s.w = sql.OpenDB(turnConnector{wc, s.turns})
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxIdleTime(0)
	s.w.SetConnMaxLifetime(0)
	rc, err := sqlite3.NewConnector(dsn(abs, "deferred"))
	if err != nil {
		s.w.Close()
		s.turns.close()
		return nil, envErr("", "opening store %s: %v", abs, err)
	}
	s.r = sql.OpenDB(faultConnector{rc, s.fault})
	s.r.SetMaxOpenConns(4)
	s.r.SetMaxIdleConns(4)
	// Several processes may open a fresh store at the same moment: the WAL
	// switch takes an exclusive lock that the busy handler does not always
	// wait for, so the setup is retried while the file is busy.
	deadline := time.Now().Add(busyTimeout)
	for {
		err := s.setup(ctx)
		if err == nil {
			s.file, _ = os.Stat(abs)
			return s, nil
		}
		if !isBusy(err) || time.Now().After(deadline) {
			s.Close()
			var ee *store.EnvironmentError
			if errors.As(err, &ee) {
				return nil, err
			}
			return nil, s.wrapOpenErr(err)
		}
		select {
		case <-ctx.Done():
			s.Close()
			return nil, ctx.Err()
		case <-time.After(time.Duration(5+rand.IntN(20)) * time.Millisecond):
		}
	}
}

// setup switches the file to WAL, applies migrations and prepares the hot
// statements.
func (s *Store) setup(ctx context.Context) error {
	var mode string
	if err := s.w.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return envErr("put the store on a local file system", "store %s cannot use WAL mode (journal mode %q)", s.path, mode)
	}
	if err := s.migrate(ctx); err != nil {
		return err
	}
	// A busy writer's batches start the background checkpointer
	// (startCheckpointer), which copies the WAL into the database file
	// beside the writer instead of inside its commits, where each
	// checkpoint stalled every writer for its fsyncs. The writer still
	// checkpoints at ~40 MiB: by then little is left to copy, and only a
	// checkpoint between the writer's transactions lets the WAL start
	// over (under continuous writes a background one never catches up
	// completely, and the WAL grew to the backstop, 160 MiB when it was
	// 40 000 pages). A larger page cache was tried: no gain, more RSS.
	if _, err := s.w.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 10000`); err != nil {
		return err
	}
	// A long read (store export, a slow inspector page) keeps the WAL from
	// starting over, so it grows for as long as the read lasts (5 MB/s
	// under listen at 200 events/s); SQLite then reuses that space but
	// never gives it back: a listen left running kept a 319 MB WAL next
	// to a 70 MB store after one 60 s read. The writer truncates it to
	// walSizeLimit when it starts over (above the ~40 MiB it normally
	// reaches, so it is not truncated and regrown all the time).
	if _, err := s.w.ExecContext(ctx, fmt.Sprintf(`PRAGMA journal_size_limit = %d`, walSizeLimit)); err != nil {
		return err
	}
	if s.stmts == nil {
		stmts := map[string]*sql.Stmt{}
		for _, q := range hotStatements() {
			st, err := s.w.PrepareContext(ctx, q)
			if err != nil {
				for _, st := range stmts {
					st.Close()
				}
				return err
			}
			stmts[q] = st
		}
		s.stmts = stmts
	}
	return nil
}

// isBusy reports a SQLITE_BUSY or SQLITE_LOCKED error.
func isBusy(err error) bool {
	var se *sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3lib.SQLITE_BUSY, sqlite3lib.SQLITE_LOCKED:
			return true
		}
	}
	return false
}

// checkSidecars refuses a -wal or -shm file that belongs to another user
// than the store's own file. SQLite takes over such a file as it finds it
// (it only refuses a symbolic link), so in a shared directory (--store
// /tmp/hooks.db) one made beforehand by another user, open to them, would
// receive every write, secrets included.
func checkSidecars(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return nil // checkFile said what it had to
	}
	owner, ok := store.FileOwner(fi)
	if !ok {
		return nil
	}
	for _, side := range []string{path + "-wal", path + "-shm"} {
		sfi, err := os.Lstat(side)
		if err != nil {
			continue
		}
		if o, ok := store.FileOwner(sfi); ok && o != owner {
			return envErr(fmt.Sprintf("remove %s if it is not yours, or choose another location with --store", side),
				"%s belongs to another user than the store %s: hookctl does not write its store there", side, path)
		}
	}
	return nil
}

var sqliteHeader = []byte("SQLite format 3\x00")

// fileKind names what a path that is not a regular file or a directory
// is, for an error message.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	default:
		return "not a file"
	}
}

// checkFile creates the store file with mode 0600 when missing, and
// refuses a file that is not a SQLite database, not a hookctl store, or was
// written by a newer schema — without modifying it.
func checkFile(path string, retried bool) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		// O_EXCL: a name that appeared meanwhile is not overwritten, and a
		// symbolic link at path (which Stat reports missing when it points
		// nowhere) is not followed: a link planted in a shared directory
		// (--store /tmp/hooks.db) must not make hookctl create a file
		// holding secrets wherever it points.
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
		if errors.Is(err, fs.ErrExist) {
			if lst, lerr := os.Lstat(path); lerr == nil && lst.Mode()&fs.ModeSymlink != 0 {
				return envErr("point --store at the file itself, or create the file the link names first",
					"store %s is a symbolic link to a file that does not exist: hookctl does not create a store through a link", path)
			}
			if !retried {
				return checkFile(path, true) // created by another process meanwhile
			}
		}
		if err != nil {
			return envErr("choose another location with --store", "cannot create store %s: %v", path, err)
		}
		return f.Close()
	case err != nil:
		return envErr("", "cannot read store %s: %v", path, err)
	case st.IsDir():
		return envErr("point --store at a file, e.g. "+filepath.Join(path, "hookctl.db"), "store %s is a directory", path)
	case !st.Mode().IsRegular():
		// A device (/dev/null), a named pipe or a socket: SQLite cannot
		// keep a database there, and the empty-file branch below would
		// have chmodded it to 0600 (as root, /dev/null for every user on
		// the machine) and then hung opening a pipe.
		return envErr("point --store at a regular file, or leave it out for the default store",
			"store %s is not a regular file (%s)", path, fileKind(st.Mode()))
	case st.Size() == 0:
		// Freshly created (perhaps by another process, or by the user's
		// touch): ours to initialise. It will hold secrets, so it gets the
		// mode hookctl creates stores with (SQLite gives the -wal and -shm
		// files the same); a file we may not chmod stays as it is.
		if st.Mode().Perm()&0o077 != 0 {
			_ = os.Chmod(path, st.Mode().Perm()&0o700|0o600)
		}
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return envErr("check the file's permissions", "cannot read store %s: %v", path, err)
	}
	// A store hookctl cannot write would fail later, at the first write,
	// with SQLite's raw "attempt to write a readonly database".
	if w, err := os.OpenFile(path, os.O_RDWR, 0); err != nil {
		f.Close()
		if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
			return envErr(fmt.Sprintf("make it writable (chmod u+w %s) or choose another store with --store", path),
				"store %s is %w", path, store.ErrReadOnly)
		}
		return envErr("check the file's permissions", "cannot open store %s for writing: %v", path, err)
	} else {
		w.Close()
	}
	head := make([]byte, 100)
	n, err := io.ReadFull(f, head)
	f.Close()
	// Shorter than a SQLite header but its start: a store cut short (a
	// copy or a disk that ran out mid-write), not someone else's file.
	if err != nil && n > 0 && (bytes.HasPrefix(head[:n], sqliteHeader) || bytes.HasPrefix(sqliteHeader, head[:n])) {
		return notOurs(path, fmt.Sprintf("it is a SQLite file cut short (%d bytes, less than its 100-byte header): restore it from a backup, or start a new store and load an export of the old one with hookctl store import", n))
	}
	if err != nil || !bytes.Equal(head[:len(sqliteHeader)], sqliteHeader) {
		return notOurs(path, "it is not a SQLite database")
	}
	if why := badHeader(head); why != "" {
		return notOurs(path, "it is a damaged SQLite file ("+why+")")
	}
	// Inspect read-only: a foreign database must not be converted to WAL.
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("_busy_timeout", strconv.Itoa(int(busyTimeout/time.Millisecond)))
	u := url.URL{Scheme: "file", Path: path}
	// SQLite opens the WAL of a file whose header says WAL mode before it
	// reads page 1, and a read-only connection leaves the -wal file it
	// created behind. Sidecars the probe created for a file that then
	// turns out unreadable are removed: nothing can be using them.
	var created []string
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Lstat(path + suffix); errors.Is(err, os.ErrNotExist) {
			created = append(created, path+suffix)
		}
	}
	db, err := sql.Open("sqlite", u.String()+"?"+q.Encode())
	if err != nil {
		return envErr("", "opening store %s: %v", path, err)
	}
	var appID, version, tables int
	err = db.QueryRow(`SELECT (SELECT application_id FROM pragma_application_id),
		(SELECT user_version FROM pragma_user_version),
		(SELECT count(*) FROM sqlite_master)`).Scan(&appID, &version, &tables)
	db.Close()
	if err != nil {
		for _, p := range created {
			_ = os.Remove(p)
		}
		if ferr := diskFault(path, err); ferr != nil {
			// The disk, not the file: on a full disk the probe cannot
			// size the -shm file (SQLITE_IOERR_SHMSIZE), which was
			// said as "store … is damaged: " with no reason.
			return ferr
		}
		if binary.BigEndian.Uint32(head[68:72]) == ApplicationID {
			// A hookctl store, damaged: said so, with what still
			// reads it (a reader tolerates what a writer must not).
			why := sqliteMessage(err)
			if size, want := cutShort(head, st.Size()); want > 0 {
				why = fmt.Sprintf("the file is cut short: %d bytes, its header says %d (an interrupted copy, a full disk)", size, want)
			}
			return envErr(damagedHint(path), "store %s is %w: %s", path, store.ErrDamaged, why)
		}
		return notOurs(path, "it cannot be read as a SQLite database ("+sqliteMessage(err)+")")
	}
	switch {
	case appID == 0 && tables == 0:
		return nil // an empty database: ours to initialise
	case appID != ApplicationID:
		return notOurs(path, "it is a SQLite database of another application")
	case version > SchemaVersion():
		return envErr("upgrade hookctl, or use another store with --store",
			"store %s was written by a newer hookctl (schema %d, this hookctl knows up to %d)", path, version, SchemaVersion())
	}
	return nil
}

// cutShort returns the file's size and the size its header gives when
// the file is shorter (cut short), else 0, 0. The header's page count
// is valid when its version-valid-for number is the change counter
// (https://sqlite.org/fileformat.html, offsets 24, 28, 92).
func cutShort(h []byte, size int64) (int64, int64) {
	if !bytes.Equal(h[24:28], h[92:96]) {
		return 0, 0
	}
	page := int64(h[16])<<8 | int64(h[17])
	if page == 1 {
		page = 65536
	}
	if want := int64(binary.BigEndian.Uint32(h[28:32])) * page; want > size {
		return size, want
	}
	return 0, 0
}

// damagedHint is what to do with the damaged store at path: export what
// can still be read (its reader reads it) and import that into a new
// store.
func damagedHint(path string) string {
	return fmt.Sprintf("\"hookctl store export --store %s > dump.jsonl\" keeps what can still be read; import it into a new store (hookctl store import dump.jsonl --store NEW), or restore the file from a copy", path)
}

// badHeader checks the fields of a SQLite file's 100-byte header that
// SQLite acts on before it reads the schema (https://sqlite.org/fileformat.html),
// so a damaged file is refused before SQLite opens it.
func badHeader(h []byte) string {
	size := int(h[16])<<8 | int(h[17])
	if size == 1 {
		size = 65536
	}
	switch {
	case size < 512 || size&(size-1) != 0:
		return fmt.Sprintf("page size %d", size)
	case h[18] < 1 || h[18] > 2 || h[19] < 1 || h[19] > 2:
		return fmt.Sprintf("file format versions %d/%d", h[18], h[19])
	case h[21] != 64 || h[22] != 32 || h[23] != 32:
		return "bad payload fractions"
	case size-int(h[20]) < 480:
		return fmt.Sprintf("%d reserved bytes per page", h[20])
	}
	return ""
}

func notOurs(path, why string) error {
	return envErr("it was left untouched; point --store at another file (or move this one away)",
		"%s is not a hookctl store: %s", path, why)
}

// sqliteMessage is SQLite's error in words, never empty: ErrorCodeString
// has no entry for most extended result codes (SQLITE_IOERR_SHMSIZE), and
// a bare "(SQLITE_IOERR_READ)" for some; SQLite's own message says more.
func sqliteMessage(err error) string {
	var se *sqlite3.Error
	if errors.As(err, &se) {
		if m := strings.TrimSpace(sqlite3.ErrorCodeString[se.Code()]); m != "" && !strings.HasPrefix(m, "(") {
			return m
		}
		if m := strings.TrimSpace(se.Error()); m != "" {
			return m
		}
		return fmt.Sprintf("SQLite error %d", se.Code())
	}
	return err.Error()
}

// migrate applies the missing migrations in one immediate transaction
// (several processes opening a fresh store at once apply them once).
// A migration that rebuilds a table (its SQL says hookctl:rebuilds
// TABLE, which rebuilds lists) runs with foreign keys off, as SQLite's table rebuild
// asks (DROP TABLE would otherwise delete through the references to
// it): they can only be switched outside a transaction, so on the
// writer's one connection, around it. Rebuilding large tables takes a
// while: it is said on the writer store.Notices(ctx) gives, before and
// after (sayRebuild).
func (s *Store) migrate(ctx context.Context) error {
	ms := migrations()
	latest := ms[len(ms)-1].Version
	var version int
	if err := s.r.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return err
	}
	s.openedAt = version
	if version == latest {
		return nil
	}
	// Another process upgrading it holds its write lock for as long as
	// the upgrade takes (25 s for a rebuild of 1,000,000 deliveries):
	// waited for, said, instead of failing after the busy timeout.
	if err := s.waitUpgrade(ctx, version, latest); err != nil {
		return err
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if len(rebuilds(ms, version)) > 0 {
		// A larger page cache while the indexes are built (they are
		// sorted in it): rebuilding 1M deliveries took 18 s of CPU
		// with the default 2 MiB, 12 s with 64 MiB (218 MB RSS).
		var cache int
		if err := conn.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cache); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF; PRAGMA cache_size = -65536`); err != nil {
			return err
		}
		defer func() {
			if _, err := conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA foreign_keys = ON; PRAGMA cache_size = %d`, cache)); err != nil {
				// Not to be used without them: the next use opens a
				// new connection (foreign keys on, from the DSN).
				conn.Raw(func(any) error { return driver.ErrBadConn })
			}
		}()
	}
	tx, err := conn.BeginTx(ctx, nil)
	for err != nil && isBusy(err) && s.upgrader() != 0 {
		// An upgrade begun while this one waited for the lock.
		if err := s.waitUpgrade(ctx, version, latest); err != nil {
			return err
		}
		tx, err = conn.BeginTx(ctx, nil)
	}
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var appID, tables int
	err = tx.QueryRowContext(ctx, `SELECT (SELECT application_id FROM pragma_application_id),
		(SELECT user_version FROM pragma_user_version),
		(SELECT count(*) FROM sqlite_master)`).Scan(&appID, &version, &tables)
	if err != nil {
		return err
	}
	s.openedAt = version // another process may have migrated it meanwhile
	if appID != ApplicationID && tables > 0 {
		return notOurs(s.path, "it is a SQLite database of another application")
	}
	if version > latest {
		return envErr("upgrade hookctl, or use another store with --store",
			"store %s was written by a newer hookctl (schema %d, this hookctl knows up to %d)", s.path, version, latest)
	}
	if version == latest {
		return nil
	}
	if version > 0 {
		// Named for the commands that wait for it meanwhile.
		defer s.markUpgrade()()
	}
	done, err := s.sayRebuild(ctx, tx, rebuilds(ms, version), version, latest)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.Version <= version {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			if isBusy(err) {
				return err
			}
			return fmt.Errorf("store migration %s: %w", m.Name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA application_id = %d; PRAGMA user_version = %d`, ApplicationID, latest)); err != nil {
		return fmt.Errorf("store migration: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	done()
	return nil
}

// rebuilt is a table a migration rebuilds (its SQL says
// hookctl:rebuilds TABLE: schema 11 deliveries, 12 events, each to give
// its seqs with AUTOINCREMENT) and what rebuilding 1,000,000 of its rows
// took, for the notice.
type rebuilt struct {
	table string
	took  string
}

// rebuildTook is, per table a migration rebuilds, what 1,000,000 of its
// rows took on a busy 2-core machine (bench/README.md).
var rebuildTook = map[string]string{
	"deliveries": "25 s", // schema 11, bench/cmd/seed -per-event 10
	"events":     "19 s", // schema 12, bench/cmd/seed -per-event 1
}

// rebuilds returns the tables the migrations above version rebuild, in
// the migrations' order.
func rebuilds(ms []migration, version int) []rebuilt {
	var out []rebuilt
	for _, m := range ms {
		if m.Version <= version {
			continue
		}
		for _, line := range strings.Split(m.SQL, "\n") {
			_, rest, ok := strings.Cut(line, "hookctl:rebuilds ")
			if !ok {
				continue
			}
			if f := strings.Fields(rest); len(f) > 0 {
				table := strings.TrimRight(f[0], ").,;")
				out = append(out, rebuilt{table: table, took: rebuildTook[table]})
			}
		}
	}
	return out
}

// rebuildNotice is how many rows the tables a migration rebuilds must
// hold for it to be said (about a second on a busy 2-core machine).
var rebuildNotice int64 = 50_000

// sayRebuild says, on store.Notices(ctx), that the migration from
// version to latest rebuilds tables (rs) of at least rebuildNotice rows
// in all, and returns what says it is done. A new store (version 0) has
// nothing to rebuild.
func (s *Store) sayRebuild(ctx context.Context, tx *sql.Tx, rs []rebuilt, version, latest int) (func(), error) {
	w := store.Notices(ctx)
	if w == nil || len(rs) == 0 || version == 0 {
		return func() {}, nil
	}
	var total int64
	var what, took []string
	for _, r := range rs {
		var n int64
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+r.table).Scan(&n); err != nil {
			return nil, err
		}
		total += n
		noun := r.table
		if one, ok := map[string]string{"deliveries": "delivery", "events": "event"}[r.table]; ok && n == 1 {
			noun = one
		}
		what = append(what, fmt.Sprintf("%d %s", n, noun))
		took = append(took, fmt.Sprintf("1,000,000 %s took %s", r.table, r.took))
	}
	if total < rebuildNotice {
		return func() {}, nil
	}
	tables, size := "table", "table's"
	if len(rs) > 1 {
		tables, size = "tables", "tables'"
	}
	start := time.Now()
	fmt.Fprintf(w, "hookctl: upgrading store %s from schema %d to %d: rebuilding its %s of %s, once, so that a position in the log is never given again (%s on a busy 2-core machine; the file grows by about the %s size, space later writes reuse). Interrupted, the upgrade is undone and starts over at the next command\n",
		s.path, version, latest, tables, strings.Join(what, " and "), strings.Join(took, ", "), size)
	return func() {
		fmt.Fprintf(w, "hookctl: store upgraded to schema %d in %s\n", latest, time.Since(start).Round(100*time.Millisecond))
	}, nil
}

func (s *Store) wrapOpenErr(err error) error {
	var se *sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3lib.SQLITE_BUSY:
			return s.busy(err)
		case sqlite3lib.SQLITE_FULL:
			// A new store on a full disk: it was "opening store …:
			// database or disk is full (13)" with no hint.
			return diskFault(s.path, err)
		case sqlite3lib.SQLITE_NOTADB, sqlite3lib.SQLITE_CORRUPT:
			return notOurs(s.path, "it cannot be read as a SQLite database ("+sqliteMessage(err)+")")
		case sqlite3lib.SQLITE_CANTOPEN, sqlite3lib.SQLITE_PERM, sqlite3lib.SQLITE_READONLY, sqlite3lib.SQLITE_IOERR:
			if se.Code() == sqlite3lib.SQLITE_IOERR_SHMSIZE {
				return diskFault(s.path, err)
			}
			return envErr("check the file and its directory are writable", "cannot open store %s: %s", s.path, sqliteMessage(err))
		}
	}
	return &store.EnvironmentError{Err: fmt.Errorf("opening store %s: %w", s.path, err)}
}

// Path is the store file.
func (s *Store) Path() string { return s.path }

// LooseMode returns the store file's permission bits when users other
// than its owner may read or write it, else 0: the file holds the
// subscriptions' signing secrets, so commands warn about it (as ssh does
// about a private key), and leave the choice of fixing it to the user.
// Always 0 on Windows, whose permission bits say nothing about other users.
func (s *Store) LooseMode() fs.FileMode {
	if s.file == nil || runtime.GOOS == "windows" {
		return 0
	}
	if m := s.file.Mode().Perm(); m&0o077 != 0 {
		return m
	}
	return 0
}

// Close closes the store.
func (s *Store) Close() error {
	if s.ckptStop != nil {
		close(s.ckptStop)
		<-s.ckptDone
	}
	var errs []error
	for _, st := range s.stmts {
		errs = append(errs, st.Close())
	}
	for _, st := range s.bulk {
		errs = append(errs, st.Close())
	}
	errs = append(errs, s.eventByID.close(), s.subByID.close(), s.closeMark())
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	s.locks.close()
	s.turns.close()
	return errors.Join(errs...)
}

// Info describes the store.
func (s *Store) Info(ctx context.Context) (store.Info, error) {
	info := store.Info{Backend: "sqlite", Location: s.path}
	err := s.r.QueryRowContext(ctx, `SELECT (SELECT user_version FROM pragma_user_version),
		(SELECT count(*) FROM subscriptions), (SELECT count(*) FROM events),
		(SELECT count(*) FROM deliveries), (SELECT count(*) FROM attempts), (SELECT count(*) FROM objects)`).
		Scan(&info.SchemaVersion, &info.Subscriptions, &info.Events, &info.Deliveries, &info.Attempts, &info.Objects)
	return info, err
}

var _ store.Migrator = (*Store)(nil)

// SchemaVersion implements store.Migrator (store info's "latest", as
// PostgreSQL's).
func (s *Store) SchemaVersion(ctx context.Context) (current, latest int, err error) {
	err = s.r.QueryRowContext(ctx, `SELECT user_version FROM pragma_user_version`).Scan(&current)
	return current, SchemaVersion(), err
}

// Migrate implements store.Migrator: Open has applied the migrations
// already, so it reports the version Open found (0 for a store it
// created) and the one the store has now.
func (s *Store) Migrate(ctx context.Context) (from, to int, err error) {
	v, _, err := s.SchemaVersion(ctx)
	return min(s.openedAt, v), v, err
}

// CheckWritable begins and ends an empty write transaction: it fails as
// a write would (store.IsLocked, after the busy timeout) while another
// process holds the store's write lock. listen, which writes as soon as
// it starts (its journals' import, its subscription), opens the store
// with it (cli.Factory.WritableStore), so a lock held at start (a store
// import, a sqlite3 shell inside BEGIN IMMEDIATE) is waited for up to
// --store-wait instead of failing its first write after the busy timeout.
func (s *Store) CheckWritable(ctx context.Context) error {
	return s.withTx(ctx, func(*sql.Tx) error { return nil })
}

// walSizeLimit is the size the WAL is truncated to when it starts over
// (PRAGMA journal_size_limit).
var walSizeLimit int64 = 64 << 20

// checkpointEvery is how often a busy store's background checkpointer
// copies the WAL into the database file.
const checkpointEvery = 250 * time.Millisecond

// startCheckpointer starts the background checkpointer once: a passive
// checkpoint (it never waits for, or blocks, the writer or readers) on a
// reader connection every checkpointEvery while the store is open, so
// the WAL stays short without checkpoints inside the writer's commits.
func (s *Store) startCheckpointer() {
	s.ckptOnce.Do(func() {
		s.ckptStop, s.ckptDone = make(chan struct{}), make(chan struct{})
		go func() {
			defer close(s.ckptDone)
			t := time.NewTicker(checkpointEvery)
			defer t.Stop()
			for {
				select {
				case <-s.ckptStop:
					return
				case <-t.C:
					// Errors (busy, a closing store) only delay the
					// next checkpoint; the writer's backstop remains.
					s.r.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
				}
			}
		}()
	})
}

// stmtContext is the context for the statements of a batch transaction:
// not cancellable. The driver watches a cancellable context with a
// goroutine per statement, which costs more than the statement in a batch
// of hundreds; the batch checks for cancellation between rows instead, and
// the transaction itself still ends with the caller's context.
func stmtContext(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// withTx runs fn in an immediate write transaction.
func (s *Store) withTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if err := s.gone(); err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	err = s.fault(inTx(tx, err, fn))
	if ctx.Err() != nil && (errors.Is(err, sql.ErrTxDone) || err != nil && strings.Contains(err.Error(), "sql: statement is closed")) {
		// ctx ended during the transaction, and database/sql rolled it
		// back: the commit then fails with ErrTxDone, and a statement
		// still to run with "statement is closed" (its transaction's
		// copy of a prepared statement is closed with it). Say so, as
		// for any other cancelled call: a signal to trigger exited 1
		// with those instead of 128 plus the signal's number.
		return ctx.Err()
	}
	if err == nil {
		// Committed into a file deleted or replaced meanwhile: lost
		// with the process, so not stored.
		err = s.gone()
	}
	return err
}

// fault makes a SQLite error that is the store's environment rather than
// the operation — the disk full, an I/O error, a file that became
// read-only or damaged — a *store.EnvironmentError (exit 3) with what to
// do. A full disk or an I/O error is Transient: a run waits for it (the
// attempts it made are kept and written once there is room, none is sent
// again meanwhile) and gives up after its patience. Before, these came
// back raw: trigger went on sending what it could not record (and sent
// some twice), and every command exited 1 with SQLite's message alone.
func (s *Store) fault(err error) error {
	var se *sqlite3.Error
	if err == nil || !errors.As(err, &se) {
		return err
	}
	var env *store.EnvironmentError
	if errors.As(err, &env) {
		return err
	}
	if gerr := s.goneNow(); gerr != nil {
		// An error met once the file is gone or replaced — a read
		// connection opened since cannot open it ("cannot be written:
		// unable to open database file") — is that: one stat, on
		// errors only.
		return gerr
	}
	if ferr := diskFault(s.path, err); ferr != nil {
		return ferr
	}
	switch se.Code() & 0xff {
	case sqlite3lib.SQLITE_BUSY:
		return s.busy(err)
	case sqlite3lib.SQLITE_READONLY, sqlite3lib.SQLITE_PERM, sqlite3lib.SQLITE_CANTOPEN:
		return envErr("check the file and its directory are writable, or use another store with --store",
			"store %s cannot be written: %w", s.path, err)
	case sqlite3lib.SQLITE_CORRUPT, sqlite3lib.SQLITE_NOTADB:
		return envErr("\"hookctl store export > dump.jsonl\" keeps what can still be read; import it into a new store: hookctl store import dump.jsonl --store NEW",
			"store %s is damaged: %w", s.path, err)
	}
	return err
}

// diskFault is fault's error for a full disk or an I/O error in err (a
// Transient *store.EnvironmentError), else nil; also what opening the
// store says when it meets one. SQLITE_IOERR_SHMSIZE is the full disk
// too: SQLite could not give the -shm file the size it needs (ENOSPC),
// which is how opening a store on a full disk first fails.
func diskFault(path string, err error) error {
	var se *sqlite3.Error
	if !errors.As(err, &se) {
		return nil
	}
	switch {
	case se.Code()&0xff == sqlite3lib.SQLITE_FULL || se.Code() == sqlite3lib.SQLITE_IOERR_SHMSIZE:
		return &store.EnvironmentError{Err: fmt.Errorf("store %s: the disk is full: %w", path, err), Transient: true,
			Reason: "cannot record anything: the disk that holds it is full",
			Hint:   "free space on the disk that holds " + filepath.Dir(path) + " (what was recorded before is kept), then run the command again"}
	case se.Code()&0xff == sqlite3lib.SQLITE_IOERR:
		return &store.EnvironmentError{Err: fmt.Errorf("store %s: an I/O error: %w", path, err), Transient: true,
			Reason: "met an I/O error on its disk",
			Hint:   "check the disk that holds " + filepath.Dir(path) + " (space, errors in the system log)"}
	}
	return nil
}

// busyError is SQLITE_BUSY once the busy timeout ran out: another
// process (a store prune --vacuum, a store import, a sqlite3 shell left in
// a transaction) held the store's write lock all that time. It says so in
// words; the driver's error stays reachable (errors.As) but is not shown.
type busyError struct {
	path string
	wait time.Duration
	err  error
}

func (e *busyError) Error() string {
	return fmt.Sprintf("store %s is locked by another process: its write lock was not released within %s", e.path, e.wait)
}

func (e *busyError) Unwrap() error { return e.err }

// busy makes err, a SQLITE_BUSY met after the busy timeout, a transient
// *store.EnvironmentError: trigger, replay, listen and worker wait for the
// store (their store patience) and say so; met at start (opening, a
// migration, CheckWritable), a long-running command waits for it up to
// --store-wait (store.IsLocked); a one-shot command exits 3 with
// what to do, never with SQLite's "database is locked (5) (SQLITE_BUSY)"
// and exit 1 (as subscriptions update, store prune and trigger did).
func (s *Store) busy(err error) error {
	return &store.EnvironmentError{Err: &busyError{path: s.path, wait: busyTimeout, err: err}, Transient: true, Locked: true,
		Reason: "is locked by another process (a store prune --vacuum or import, a sqlite3 shell)",
		Hint:   "another hookctl command (store prune --vacuum, store import) or a program holding the file in a transaction (a sqlite3 shell, a database browser) is writing to it: let it finish, then run the command again"}
}

// inTx runs fn in tx (whose BeginTx returned err): committed when fn
// succeeds, rolled back when it fails.
func inTx(tx *sql.Tx, err error, fn func(tx *sql.Tx) error) error {
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
