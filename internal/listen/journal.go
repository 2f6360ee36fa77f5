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
//	hookctl-listen-journal v1 <store key> <pid>\n
//	frame frame frame …   (codec.go: uvarint length + record)
//
// written by one listen (which holds an exclusive lock on it while it
// runs), fsynced before each answer, truncated back to the header once
// its records are in the store, removed on a clean exit. A journal whose
// lock is free was left by a listen that died: Recover imports it.

const journalMagic = "hookctl-listen-journal v1"

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
	w      *os.File // append-only, locked
	r      *os.File // the importer's reader
	hdrLen int64
}

func createJournal(dir, key string) (*journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, journalErr(dir, err)
	}
	path := filepath.Join(dir, fmt.Sprintf("listen-%d-%s.journal", os.Getpid(), uuid.NewString()[:8]))
	w, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
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
	hdr := fmt.Sprintf("%s %s %d\n", journalMagic, key, os.Getpid())
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
		k, hdrLen, err := readJournalHeader(bufio.NewReader(f))
		if err == nil && k == key {
			if fi, err := f.Stat(); err == nil {
				ji.Files++
				ji.PendingBytes += max(0, fi.Size()-hdrLen)
			}
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

func readJournalHeader(br *bufio.Reader) (key string, hdrLen int64, err error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return "", 0, fmt.Errorf("no journal header: %w", err)
	}
	f := strings.Fields(strings.TrimPrefix(line, journalMagic))
	if !strings.HasPrefix(line, journalMagic+" ") || len(f) != 2 {
		return "", 0, errors.New("not a hookctl listen journal")
	}
	if _, err := strconv.Atoi(f[1]); err != nil {
		return "", 0, errors.New("not a hookctl listen journal")
	}
	return f[0], int64(len(line)), nil
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
	k, _, err := readJournalHeader(br)
	if err != nil || k != key {
		return 0, false, false, nil // another store's, or not a journal
	}
	var buf []byte
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
	for {
		var rec *Record
		rec, buf, err = readFrame(br, buf)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				// A frame cut short by the crash was never fsynced, so never
				// acknowledged: what came before it is complete.
				torn = true
			}
			break
		}
		batch = append(batch, rec)
		if len(batch) == maxBatch {
			if err := flush(); err != nil {
				return n, torn, false, err
			}
		}
	}
	if err := flush(); err != nil {
		return n, torn, false, err
	}
	if err := os.Remove(path); err != nil {
		return n, torn, false, err
	}
	return n, torn, true, nil
}
