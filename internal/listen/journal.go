package listen

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
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
//
// Every version keeps "hookctl-listen-journal v<N> <store key>" at the
// start of the header: a hookctl that cannot read a newer version's
// journal still tells whose store it is for, and speaks of it only to
// that store (isStoreKey).

const (
	journalName  = "hookctl-listen-journal"
	journalMagic = journalName + " v1"
)

// JournalFormatError: a journal this hookctl cannot read, in another
// format (a newer hookctl's). It is left as it is, for a hookctl that
// reads it; nothing of it is imported.
type JournalFormatError struct {
	Path   string
	Format string // what its header says it is
}

func (e *JournalFormatError) Error() string {
	return fmt.Sprintf("the listen journal %s is in a format this hookctl does not read (%s): its received events were not imported; "+
		"the file is left as it is, for the hookctl version that wrote it (a newer one, if this hookctl was downgraded) to import", e.Path, e.Format)
}

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

func createJournal(dir, key string, owner fileOwner) (*journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, journalErr(dir, err)
	}
	if err := giveJournalDir(dir, owner); err != nil {
		return nil, journalErr(dir, err)
	}
	if err := checkJournalDir(dir, owner); err != nil {
		return nil, err
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
	if err := giveJournal(w, owner); err != nil {
		w.Close()
		os.Remove(path)
		return nil, journalErr(path, err)
	}
	hdr0 := fmt.Sprintf("%s %s %d ", journalMagic, key, os.Getpid())
	hdr := hdr0 + fmt.Sprintf("%08x %016x\n", 0, len(hdr0)+headerTail)
	if _, err = w.WriteString(hdr); err == nil {
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

// checkJournalDir refuses a journal directory that belongs to another
// user than the one hookctl runs as and the store's owner (ownedBy), and
// makes one it accepts private (0700). Journals hold every received
// event until the store has it; next to a store in a shared directory
// (--store /tmp/hooks.db) the journal/ folder may have been made, or
// replaced by a link, by someone else, who could then remove the journals
// of events already acknowledged, or plant journals to be imported.
func checkJournalDir(dir string, owner fileOwner) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return journalErr(dir, err)
	}
	if !ownedBy(fi, owner) {
		return &JournalDirError{Dir: dir, Root: ownedByRoot(fi)}
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return journalErr(dir, err)
		}
	}
	return nil
}

// JournalDirError: the journal directory belongs to another user.
type JournalDirError struct {
	Dir  string
	Root bool // root's: made by an older hookctl run as root (sudo)
}

func (e *JournalDirError) Error() string {
	return fmt.Sprintf("the listen journal directory %s belongs to another user than you and the store's owner", e.Dir)
}
func (e *JournalDirError) ExitCode() int { return 3 }
func (e *JournalDirError) Hints() []string {
	if e.Root {
		return []string{"an older hookctl run as root (sudo hookctl listen) made it root's (it may hold journals of events received for this store): " +
			"give it to yourself (sudo chown -R \"$(id -un)\" " + e.Dir + "), then run the command again"}
	}
	return []string{"listen keeps every received event there until it is in the store: remove it if it is not yours, or use a store in a directory of your own (--store)"}
}

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
	// OrphanedBytes: the PendingBytes in the Orphaned files, what Recover
	// would import.
	OrphanedBytes int64
	// Denied: the directory, or a journal in it, cannot be read by this
	// user (permissions): the counts leave out what it holds.
	Denied bool
	// DeniedJournals: the journals in the directory this user may not
	// open (another user's), counted in Denied.
	DeniedJournals []string
	// Damaged: journals recovery imported around unreadable records and
	// kept aside (….journal.damaged).
	Damaged []string
	// Unreadable: journals in a format this hookctl does not read (a
	// newer hookctl's) that are this store's, or whose store cannot be
	// told; UnreadableBytes is their size. Their events are not in the
	// store: the hookctl version that wrote them imports them.
	Unreadable      []string
	UnreadableBytes int64
}

// Journals inspects the journals for the store key in dir (never fails:
// a missing directory is no journal).
func Journals(dir, key string) JournalInfo {
	var ji JournalInfo
	ji.Denied = DirDenied(dir)
	for _, path := range journalFiles(dir) {
		f, err := os.Open(path)
		if err != nil {
			if errors.Is(err, fs.ErrPermission) {
				ji.Denied = true
				ji.DeniedJournals = append(ji.DeniedJournals, path)
			}
			continue
		}
		br := bufio.NewReaderSize(f, 64<<10)
		h, err := readJournalHeader(br, f)
		var fe *JournalFormatError
		if errors.As(err, &fe) && (h.key == "" || h.key == key) {
			ji.Unreadable = append(ji.Unreadable, path)
			if fi, err := f.Stat(); err == nil {
				ji.UnreadableBytes += fi.Size()
			}
		}
		if err == nil && h.key == key {
			ji.Files++
			n, _ := scanFrames(br, h.lap, func(*Record) error { return nil })
			ji.PendingBytes += n
			if ok, _ := lockFile(f); ok {
				ji.Orphaned++
				ji.OrphanedBytes += n
			}
		}
		f.Close()
	}
	damaged, _ := filepath.Glob(filepath.Join(dir, "listen-*.journal.damaged"))
	for _, path := range damaged {
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		if h, err := readJournalHeader(bufio.NewReader(f), f); err == nil && h.key == key {
			ji.Damaged = append(ji.Damaged, path)
		}
		f.Close()
	}
	return ji
}

// DirDenied reports whether the journal directory dir exists but cannot
// be listed by this user (permissions): its journals can be neither
// counted nor imported.
func DirDenied(dir string) bool {
	d, err := os.Open(dir)
	if err == nil {
		_, err = d.Readdirnames(1)
		d.Close()
	}
	return errors.Is(err, fs.ErrPermission)
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
	if !strings.HasPrefix(line, journalMagic+" ") {
		if w := strings.Fields(line); len(w) >= 2 && w[0] == journalName {
			// Another version's journal: its store is the one its
			// header names after the version, as in this one's; when it
			// names none, whose it is cannot be told, so whoever looks
			// hears of it.
			if len(w) >= 3 && isStoreKey(w[2]) {
				h.key = w[2]
			}
			return h, &JournalFormatError{Path: f.Name(), Format: w[0] + " " + w[1]}
		}
		return h, bad
	}
	if len(fs) != 4 {
		// This version's name but another layout (an unreleased build's:
		// no lap and start).
		if len(fs) > 0 {
			h.key = fs[0]
		}
		return h, &JournalFormatError{Path: f.Name(), Format: journalMagic + " with " + strconv.Itoa(len(fs)) + " header fields, not 4"}
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

// isStoreKey reports whether s has the form of a StoreKey: 16 lower-case
// hex digits.
func isStoreKey(s string) bool {
	if len(s) != 16 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
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
	// Damaged journals had unreadable records in the middle (a disk
	// fault): imported around them and kept aside.
	Damaged []*DamagedJournalError
	// Unreadable journals are in a format this hookctl does not read:
	// left as they are.
	Unreadable []*JournalFormatError
	// Foreign journals belong to another user: not imported, left as
	// they are.
	Foreign []*ForeignJournalError
}

// ForeignJournalError: a journal file belongs to another user, so it was
// not written by a listen of the user running hookctl and is not imported.
type ForeignJournalError struct{ Path string }

func (e *ForeignJournalError) Error() string {
	return fmt.Sprintf("the listen journal %s belongs to another user: not imported", e.Path)
}

// Report writes what Recover did for the person at the terminal: one line
// when it imported journals, a warning for each it kept aside as damaged.
func (rc Recovered) Report(w io.Writer) {
	// A journal with nothing in it (a listen killed before its first
	// event) is removed without a word: nothing was recovered.
	if rc.Events > 0 {
		events := strconv.FormatInt(rc.Events, 10) + " received events"
		if rc.Events == 1 {
			events = "1 received event"
		}
		what := "1 journal"
		if rc.Files != 1 {
			what = strconv.Itoa(rc.Files) + " journals"
		}
		fmt.Fprintf(w, "Recovered %s from %s left by a hookctl listen that did not finish.\n", events, what)
	}
	for _, d := range rc.Damaged {
		fmt.Fprintf(w, "hookctl: warning: %v\n", d)
	}
	for _, u := range rc.Unreadable {
		fmt.Fprintf(w, "hookctl: warning: %v\n", u)
	}
	for _, f := range rc.Foreign {
		fmt.Fprintf(w, "hookctl: warning: %v\n", f)
	}
}

// Recover imports every journal of the store key in dir left by a listen
// that is no longer running, then removes it. Importing is idempotent: a
// record already in the store is skipped. A journal of a running listen
// is left alone.
func Recover(ctx context.Context, st store.Store, dir, key string) (Recovered, error) {
	var rc Recovered
	owner := storeOwner(st)
	for _, path := range journalFiles(dir) {
		n, torn, done, err := recoverOne(ctx, st, path, key, owner)
		rc.Events += n
		if torn {
			rc.Torn++
		}
		if done {
			rc.Files++
		}
		var de *DamagedJournalError
		if errors.As(err, &de) {
			rc.Damaged = append(rc.Damaged, de)
			continue
		}
		var fe *JournalFormatError
		if errors.As(err, &fe) {
			rc.Unreadable = append(rc.Unreadable, fe)
			continue
		}
		var foreign *ForeignJournalError
		if errors.As(err, &foreign) {
			rc.Foreign = append(rc.Foreign, foreign)
			continue
		}
		if err != nil {
			return rc, fmt.Errorf("importing the listen journal %s: %w", path, err)
		}
	}
	return rc, nil
}

func recoverOne(ctx context.Context, st store.Store, path, key string, owner fileOwner) (n int64, torn, done bool, err error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, false, false, nil // its listen finished meanwhile
		}
		if fi, lerr := os.Lstat(path); errors.Is(err, fs.ErrPermission) && lerr == nil && !ownedBy(fi, fileOwner{}) {
			// Another user's, which this user cannot open: root's (left
			// by an older hookctl run with sudo), or the store's owner's
			// when this user shares the store through its group (the
			// owner's journals are 0600): not imported, said, as one it
			// could open; it stopped every store command (exit 3,
			// "permission denied"), for the store's owner's until now.
			return 0, false, false, &ForeignJournalError{Path: path}
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
	var fe *JournalFormatError
	if errors.As(err, &fe) && (h.key == "" || h.key == key) {
		return 0, false, false, fe // maybe this store's: say so
	}
	if err != nil || h.key != key {
		return 0, false, false, nil // another store's, or not a journal
	}
	if fi, err := f.Stat(); err == nil && !ownedBy(fi, owner) {
		// Not written by a listen of this user or of the store's owner:
		// planted in a shared directory, perhaps. Not imported, left
		// where it is.
		return 0, false, false, &ForeignJournalError{Path: path}
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
	var damaged []int64
	pos := h.from
	for {
		read, bad := scanFrames(br, h.lap, func(rec *Record) error {
			batch = append(batch, rec)
			if len(batch) == maxBatch {
				ferr = flush()
			}
			return ferr
		})
		pos += read
		if ferr != nil {
			break
		}
		// The frames end here: a zero length (preallocated space), a frame
		// of an older lap, the end of the file, or a frame that does not
		// decode (the torn tail of a crash, never acknowledged). Unless
		// frames of this lap follow: then the journal is damaged here (a
		// disk fault), and what follows was acknowledged too.
		next, err := resync(f, pos, h.lap)
		if err != nil {
			return n, torn, false, err
		}
		if next < 0 {
			torn = bad
			break
		}
		damaged = append(damaged, pos)
		if _, err := f.Seek(next, io.SeekStart); err != nil {
			return n, torn, false, err
		}
		br.Reset(f)
		pos = next
	}
	if ferr == nil {
		ferr = flush()
	}
	if ferr != nil {
		return n, torn, false, ferr
	}
	if len(damaged) > 0 {
		// Keep the bytes for whoever wants to look; a .damaged file is not
		// a journal any more, so it is not imported again.
		kept := path + ".damaged"
		if err := os.Rename(path, kept); err != nil {
			return n, torn, false, err
		}
		return n, torn, true, &DamagedJournalError{Path: kept, Offsets: damaged, Imported: n}
	}
	if err := os.Remove(path); err != nil {
		return n, torn, false, err
	}
	return n, torn, true, nil
}

// DamagedJournalError: a journal had records that could not be read in
// the middle (a disk fault); everything readable around them was imported
// and the file was kept as Path.
type DamagedJournalError struct {
	Path     string
	Offsets  []int64
	Imported int64
}

func (e *DamagedJournalError) Error() string {
	return fmt.Sprintf("the listen journal had unreadable records at byte offset %s; the %d readable events around them were imported and the file is kept as %s",
		joinOffsets(e.Offsets), e.Imported, e.Path)
}

func joinOffsets(o []int64) string {
	s := make([]string, len(o))
	for i, v := range o {
		s[i] = strconv.FormatInt(v, 10)
	}
	return strings.Join(s, ", ")
}

// resync finds the first offset at or after from where a whole frame of
// lap starts that is followed by another one or by the journal's end (a
// zero length or the end of the file): -1 when there is none. It skips
// zeros (preallocated space) and hops over whole frames of older laps
// (what a rewound journal holds past its tail) instead of trying every
// byte of them; it reads the file through one window, not per byte.
func resync(f *os.File, from int64, lap uint64) (int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return -1, err
	}
	size := fi.Size()
	var scratch []byte
	win := make([]byte, 64<<10)
	var winAt, winLen int64 // win holds the file's bytes [winAt, winAt+winLen)
	for p := from; p < size; {
		if p < winAt || p >= winAt+winLen {
			n, err := f.ReadAt(win[:min(int64(len(win)), size-p)], p)
			if n == 0 {
				return -1, err
			}
			winAt, winLen = p, int64(n)
		}
		if win[p-winAt] == 0 { // a zero length: preallocated space, never a frame
			p++
			continue
		}
		if i := p - winAt; i+2*binary.MaxVarintLen64 <= winLen && !framePrefix(win[i:winLen], size-p, lap) {
			p++ // most garbage fails here, without a system call
			continue
		}
		next, l, ok := frameAt(f, p, size, lap, &scratch)
		switch {
		case !ok:
			p++
		case l != lap:
			p = next
		case next >= size:
			return p, nil
		default:
			if _, l2, ok := frameAt(f, next, size, lap, &scratch); ok && l2 == lap {
				return p, nil
			}
			var b [1]byte
			if _, err := f.ReadAt(b[:], next); err == nil && b[0] == 0 {
				return p, nil
			}
			p = next
		}
	}
	return -1, nil
}

// maxResyncFrame bounds the frames resync considers (a body of up to
// 64 MiB): garbage read as a length would otherwise cost a read of that
// length at every byte of a damaged region.
const maxResyncFrame = 64 << 20

// framePrefix reports whether b (the file's bytes from a position, room
// bytes before its end) can start a frame of lap maxLap or an older one.
func framePrefix(b []byte, room int64, maxLap uint64) bool {
	l, m := binary.Uvarint(b)
	if m <= 0 || l == 0 || l > maxResyncFrame || l > uint64(room-int64(m)) {
		return false
	}
	lap, j := binary.Uvarint(b[m:])
	return j > 0 && lap <= maxLap
}

// frameAt reports whether a whole frame of lap maxLap or an older one
// starts at p, its lap, and where the next one starts. The length and the
// lap are checked before the frame is read.
func frameAt(f *os.File, p, size int64, maxLap uint64, scratch *[]byte) (int64, uint64, bool) {
	var hd [2 * binary.MaxVarintLen64]byte
	k, _ := f.ReadAt(hd[:min(int64(len(hd)), size-p)], p)
	if !framePrefix(hd[:k], size-p, maxLap) {
		return 0, 0, false
	}
	l, m := binary.Uvarint(hd[:k])
	if uint64(cap(*scratch)) < l {
		*scratch = make([]byte, l)
	}
	b := (*scratch)[:l]
	if _, err := f.ReadAt(b, p+int64(m)); err != nil {
		return 0, 0, false
	}
	rec, lap, err := decodeFrame(b)
	if err != nil || rec.Event.ID == "" {
		return 0, 0, false
	}
	return p + int64(m) + int64(l), lap, true
}
