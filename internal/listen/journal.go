package listen

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/store"
)

// The journal: a file in the data directory's journal/ folder,
//
//	hookctl-listen-journal v1 <store key> <pid> <lap> <from>\n
//	frame frame frame … 0 0 0 …
//
// written by one listen (which holds an exclusive lock on it while it
// runs) and fsynced before each answer. Frames (codec.go: uvarint length,
// then the lap and the record) start at <from> (hex, the first frame not
// yet in the store; the header's width is fixed so it is rewritten in
// place). The space after the last frame is preallocated with zeros (a
// zero length ends the frames): an fdatasync then writes only the data,
// not the file's size, about twice as fast. Once everything in it is in
// the store the journal is rewound: <lap> (hex) goes up, fsynced before
// any frame of the new lap, and frames of an older lap after the new ones
// are ignored. It is removed on a clean exit. A journal whose lock is
// free was left by a listen that died: Recover imports it.

const journalMagic = "hookctl-listen-journal v1"

// headerPos is where the header's lap and from fields start: the last
// 8+1+16+1 bytes of the header line.
const headerTail = 8 + 1 + 16 + 1

// JournalDir is where listen keeps its journals: a journal/ folder next to
// a SQLite store's file, else in dataDir (for a PostgreSQL store).
func JournalDir(st store.Store, dataDir string) string {
	if p, ok := st.(interface{ Path() string }); ok && p.Path() != "" {
		return filepath.Join(filepath.Dir(p.Path()), "journal")
	}
	return filepath.Join(dataDir, "journal")
}

// StoreKey names a store in journal headers, so a journal is only ever
// imported into the store it was written for (several stores may share a
// data directory). dsn is the configured store; a SQLite store is named by
// its file.
func StoreKey(st store.Store, dsn string) string {
	if p, ok := st.(interface{ Path() string }); ok && p.Path() != "" {
		if abs, err := filepath.Abs(p.Path()); err == nil {
			dsn = "sqlite:" + abs
		}
	}
	h := sha256.Sum256([]byte(dsn))
	return hex.EncodeToString(h[:8])
}

type journal struct {
	path   string
	w      *os.File // the writer's, locked
	r      *os.File // the importer's reader
	hdrLen int64
}

// setHeader rewrites the header's lap and from fields in place.
func (j *journal) setHeader(lap uint64, from int64) error {
	_, err := j.w.WriteAt(fmt.Appendf(nil, "%08x %016x\n", lap, from), j.hdrLen-headerTail)
	return err
}

func createJournal(dir, key string) (*journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, journalErr(dir, err)
	}
	path := filepath.Join(dir, fmt.Sprintf("listen-%d-%s.journal", os.Getpid(), uuid.NewString()[:8]))
	w, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, journalErr(path, err)
	}
	if ok, err := lockFile(w); err != nil || !ok {
		w.Close()
		os.Remove(path)
		if err == nil {
			err = errors.New("locked by another process")
		}
		return nil, journalErr(path, err)
	}
	hdr0 := fmt.Sprintf("%s %s %d ", journalMagic, key, os.Getpid())
	hdr := hdr0 + fmt.Sprintf("%08x %016x\n", 0, len(hdr0)+headerTail)
	if _, err := w.WriteString(hdr); err == nil {
		err = w.Sync()
	}
	if err == nil {
		// The new name must survive a crash too.
		if d, derr := os.Open(dir); derr == nil {
			d.Sync()
			d.Close()
		}
	}
	if err != nil {
		w.Close()
		os.Remove(path)
		return nil, journalErr(path, err)
	}
	r, err := os.Open(path)
	if err == nil {
		_, err = r.Seek(int64(len(hdr)), io.SeekStart)
	}
	if err != nil {
		w.Close()
		os.Remove(path)
		return nil, journalErr(path, err)
	}
	return &journal{path: path, w: w, r: r, hdrLen: int64(len(hdr))}, nil
}

func (j *journal) close(remove bool) {
	if remove {
		os.Remove(j.path) // before the lock goes: no one recovers it meanwhile
	}
	j.r.Close()
	j.w.Close()
}

// JournalError: the journal cannot be created or written (exit 3).
type JournalError struct {
	Path string
	Err  error
}

func journalErr(path string, err error) error { return &JournalError{Path: path, Err: err} }

func (e *JournalError) Error() string {
	return fmt.Sprintf("cannot write the listen journal %s: %v", e.Path, unwrapPathErr(e.Err))
}
func (e *JournalError) Unwrap() error { return e.Err }
func (e *JournalError) ExitCode() int { return 3 }
func (e *JournalError) Hints() []string {
	return []string{"listen keeps every received event there until it is in the store: free disk space or make " + filepath.Dir(e.Path) + " writable (or use --store on a writable disk)"}
}

func unwrapPathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// JournalInfo describes the journals of one store in a directory.
type JournalInfo struct {
	Files        int   // journal files (of live and dead listeners)
	PendingBytes int64 // record bytes in them not yet truncated away
	Orphaned     int   // files left by a listen that is not running
}

// Journals inspects the journals for the store key in dir (never fails:
// a missing directory is no journal).
func Journals(dir, key string) JournalInfo {
	var ji JournalInfo
	for _, path := range journalFiles(dir) {
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		br := bufio.NewReaderSize(f, 64<<10)
		h, err := readJournalHeader(br, f)
		if err == nil && h.key == key {
			ji.Files++
			n, _ := scanFrames(br, h.lap, func(*Record) error { return nil })
			ji.PendingBytes += n
			if ok, _ := lockFile(f); ok {
				ji.Orphaned++
			}
		}
		f.Close()
	}
	return ji
}

func journalFiles(dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, "listen-*.journal"))
	return m
}

type journalHeader struct {
	key  string
	lap  uint64
	from int64
}

// readJournalHeader reads the header and leaves br at the first frame not
// yet in the store (seeking f).
func readJournalHeader(br *bufio.Reader, f *os.File) (journalHeader, error) {
	var h journalHeader
	line, err := br.ReadString('\n')
	if err != nil {
		return h, fmt.Errorf("no journal header: %w", err)
	}
	fs := strings.Fields(strings.TrimPrefix(line, journalMagic))
	bad := errors.New("not a hookctl listen journal")
	if !strings.HasPrefix(line, journalMagic+" ") || len(fs) != 4 {
		return h, bad
	}
	h.key = fs[0]
	var err1, err2 error
	h.lap, err1 = strconv.ParseUint(fs[2], 16, 64)
	h.from, err2 = strconv.ParseInt(fs[3], 16, 64)
	if err1 != nil || err2 != nil || h.from < int64(len(line)) {
		return h, bad
	}
	if h.from > int64(len(line)) {
		if _, err := f.Seek(h.from, io.SeekStart); err != nil {
			return h, err
		}
		br.Reset(f)
	}
	return h, nil
}

// scanFrames calls fn for each frame of lap from br's position; it stops
// at the end (a zero length, EOF, a frame of another lap) and returns the
// bytes read and whether the last frame was torn (cut short by a crash: it
// was never fsynced, so never acknowledged).
func scanFrames(br *bufio.Reader, lap uint64, fn func(*Record) error) (int64, bool) {
	var buf []byte
	var n int64
	for {
		rec, l, b, err := readFrame(br, buf)
		buf = b
		if err != nil {
			return n, !errors.Is(err, io.EOF) && !errors.Is(err, errEnd)
		}
		if l != lap {
			return n, false
		}
		n += int64(len(b)) + int64(uvarintLen(uint64(len(b))))
		if fn(rec) != nil {
			return n, false
		}
	}
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

// Recovered is what Recover imported.
type Recovered struct {
	Events int64 // records imported (received events, with their forwards)
	Files  int   // journals imported and removed
	Torn   int   // journals whose last frame was cut short (never acknowledged)
}

// Recover imports every journal of the store key in dir left by a listen
// that is no longer running, then removes it. Importing is idempotent: a
// record already in the store is skipped. A journal of a running listen
// is left alone.
func Recover(ctx context.Context, st store.Store, dir, key string) (Recovered, error) {
	var rc Recovered
	for _, path := range journalFiles(dir) {
		n, torn, done, err := recoverOne(ctx, st, path, key)
		rc.Events += n
		if torn {
			rc.Torn++
		}
		if done {
			rc.Files++
		}
		if err != nil {
			return rc, fmt.Errorf("importing the listen journal %s: %w", path, err)
		}
	}
	return rc, nil
}

func recoverOne(ctx context.Context, st store.Store, path, key string) (n int64, torn, done bool, err error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, false, false, nil // its listen finished meanwhile
		}
		return 0, false, false, err
	}
	defer f.Close()
	ok, err := lockFile(f)
	if err != nil || !ok {
		return 0, false, false, err // a running listen's
	}
	if _, err := os.Stat(path); err != nil {
		return 0, false, false, nil // removed by its listen as we opened it
	}
	br := bufio.NewReaderSize(f, 64<<10)
	h, err := readJournalHeader(br, f)
	if err != nil || h.key != key {
		return 0, false, false, nil // another store's, or not a journal
	}
	batch := make([]*Record, 0, maxBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := linkOrigins(ctx, st, batch); err != nil {
			return err
		}
		if err := importRecords(ctx, st, storeRecords(batch, nil)); err != nil {
			return err
		}
		n += int64(len(batch))
		batch = batch[:0]
		return nil
	}
	var ferr error
	_, torn = scanFrames(br, h.lap, func(rec *Record) error {
		batch = append(batch, rec)
		if len(batch) == maxBatch {
			ferr = flush()
		}
		return ferr
	})
	if ferr == nil {
		ferr = flush()
	}
	if ferr != nil {
		return n, torn, false, ferr
	}
	if err := os.Remove(path); err != nil {
		return n, torn, false, err
	}
	return n, torn, true, nil
}
