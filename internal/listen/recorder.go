package listen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/store"
)

// Record is one received event and, when it was forwarded, its delivery
// to the app with the forward as the delivery's one attempt.
type Record struct {
	Event    store.Event
	Delivery *store.Delivery
	Attempt  *store.Attempt
	Update   store.DeliveryUpdate

	// scheme and secret: set when a real provider's secret (--secret)
	// verified the event, so replays are signed like the provider does.
	scheme, secret string
}

func (rec *Record) set(s *Server, method string, reqHeader http.Header, target string, start time.Time, dur time.Duration, resp *http.Response, body []byte, errMsg string) {
	var hdr map[string]string
	if len(s.extra) > 0 {
		hdr = make(map[string]string, len(s.extra))
		for _, kv := range s.extra {
			if prior, ok := hdr[kv.k]; ok {
				kv.v = prior + ", " + kv.v // one value per name here: a list, as HTTP allows
			}
			hdr[kv.k] = kv.v
		}
	}
	rec.Delivery = &store.Delivery{
		// The id is fixed here, written to the journal with the record:
		// importing a journal twice (after a crash) finds it and skips it.
		ID:             uuid.NewString(),
		Kind:           store.KindForward,
		SubscriptionID: s.cfg.SubscriptionID, URL: target, Method: method, Headers: hdr,
		Scheme: rec.scheme, Secret: rec.secret,
		MaxAttempts: 1, Schedule: "0s", CreatedAt: start,
	}
	a := &store.Attempt{Number: 1, StartedAt: start, Duration: dur, RequestURL: target,
		RequestMethod: method, RequestHeaders: reqHeader, Error: errMsg,
		// --skip-verify: sent accepting any TLS certificate, as trigger
		// -k's attempts are recorded (deliveries show --curl adds -k).
		Insecure: s.cfg.SkipVerify}
	status := store.DeliveryFailed
	if resp != nil {
		a.ResponseStatus = resp.StatusCode
		a.ResponseHeaders = resp.Header
		a.ResponseBody = body
		if resp.StatusCode >= 200 && resp.StatusCode < 300 && errMsg == "" {
			status = store.DeliverySucceeded
		}
	}
	rec.Attempt = a
	rec.Update = store.DeliveryUpdate{Status: status, LastError: errMsg, LastStatus: a.ResponseStatus}
	if errMsg != "" && resp == nil {
		rec.Update.LastStatus = 0
	}
}

// ErrNotRecording is returned by Add and Admit while the recorder cannot
// make records durable (the journal cannot be written, or the store has
// fallen too far behind): the sender must be answered 503 so it retries.
var ErrNotRecording = errors.New("cannot record events right now")

// Recorder makes every record durable before the sender is answered, and
// stores it without putting the store on the request path.
//
// Add appends the record to a journal file in the data directory and waits
// until the journal is fsynced: one fdatasync is shared by every request
// that arrived while the previous one ran (group commit), so a 2xx from
// listen means the record survives a crash or a power cut. One goroutine
// imports the journal into the store in batches whenever the listener is
// quiet (or the backlog grows large), retrying with back-off while the
// store refuses; once everything is imported the journal is truncated.
// A journal left by a crashed listen is imported by the next listen or
// `hookctl store` command (Recover). Close imports what is left.
type Recorder struct {
	st    store.Store
	owner string
	onErr func(error)
	j     *journal

	mu      sync.Mutex // guards the writer side
	jw      *offsetWriter
	bw      *bufio.Writer
	scratch []byte
	added   int64  // frames encoded
	alloc   int64  // the journal's preallocated size
	lap     uint64 // written by the importer goroutine under mu
	recent  atomic.Int64

	epoch atomic.Int64 // bumped when unsynced frames are thrown away (write error)
	emu   sync.Mutex   // a leaf lock, for werr only
	werr  error        // the last write error (cleared once a write succeeds)
	// lastProbe: when Admit last tried the journal after a write error
	// (unix ns).
	lastProbe atomic.Int64
	// unallocUntil: preallocation failed (less than a chunk left on the
	// disk); frames are written without it until then (under mu).
	unallocUntil time.Time

	// Durability: the syncer fsyncs and advances synced.
	cycle       sync.Mutex // held by the syncer for a whole cycle, and by truncate
	smu         sync.Mutex
	scond       *sync.Cond
	synced      int64 // frames durable
	syncedBytes int64
	syncEnd     atomic.Int64 // = syncedBytes, for the importer's reader
	syncing     bool         // a request is leading a sync (under smu)
	quickSync   atomic.Bool  // the last flush was fast (see groupSync)

	kick chan struct{}

	// Importer side.
	jr      *boundedReader
	br      *bufio.Reader
	rbuf    []byte
	decoded int64 // frames read from the journal
	// unreadable: a synced frame could not be read (a disk fault); nothing
	// more is imported in this run.
	unreadable bool
	// gaveUp: a batch could not be stored before Close's deadline; nothing
	// more is imported in this run, so the journal's header still points
	// at that batch, where the next start imports from.
	gaveUp   bool
	imported atomic.Int64
	// importedOff: the journal offset up to which records are in the store.
	importedOff atomic.Int64
	failing     atomic.Bool // the store refuses writes right now

	stop     chan struct{}
	done     chan struct{}
	syncDone chan struct{}
	once     sync.Once
	deadline atomic.Int64 // Close: give up retrying the store after this (unix nanos; 0 = none)

	// wrote holds event ids this recorder already stored: a duplicate's
	// event row is not written again (the store would skip it anyway).
	wrote map[string]struct{}

	cmu      sync.Mutex
	written  int64
	failed   int64
	leftover int64
}

// Recorder tuning.
var (
	importTick = 20 * time.Millisecond
	busyAdds   = int64(20) // more Adds than this per tick = busy
	// maxBacklog records may wait in the journal while the listener is
	// busy before the importer competes with requests for the CPU: a burst
	// (100k events is ~10 s at full speed) is answered at full speed and
	// stored once it is over; under longer sustained load the importer
	// keeps the backlog here. The journal is durable, so waiting is safe.
	maxBacklog = int64(100000)
	// hardBacklog records not yet in the store: beyond it senders get 503
	// (the journal stays bounded when the store is down or too slow).
	hardBacklog = int64(200000)
	// hardBacklogBytes journal bytes not yet in the store: the same, for
	// large bodies (200,000 of 1 MiB would fill a disk first).
	hardBacklogBytes = int64(1 << 30)
	retryMax         = 2 * time.Second
)

// NewRecorder creates a journal in dir (for the store named by storeKey)
// and starts the recorder; onErr is told about store errors (each time the
// store starts refusing) and journal write errors.
func NewRecorder(st store.Store, dir, storeKey string, onErr func(error)) (*Recorder, error) {
	j, err := createJournal(dir, storeKey, storeOwner(st))
	if err != nil {
		return nil, err
	}
	r := &Recorder{st: st, owner: "listen-" + uuid.NewString()[:8], onErr: onErr, j: j,
		stop: make(chan struct{}), done: make(chan struct{}), syncDone: make(chan struct{}),
		kick: make(chan struct{}, 1), wrote: make(map[string]struct{})}
	r.scond = sync.NewCond(&r.smu)
	r.jw = &offsetWriter{f: j.w, off: j.hdrLen}
	r.jr = &boundedReader{f: j.r, off: j.hdrLen, end: &r.syncEnd}
	r.bw = bufio.NewWriterSize(r.jw, 64<<10)
	r.br = bufio.NewReaderSize(r.jr, 64<<10)
	r.alloc, r.syncedBytes = j.hdrLen, j.hdrLen
	r.syncEnd.Store(j.hdrLen)
	r.importedOff.Store(j.hdrLen)
	go r.syncLoop()
	go r.loop()
	return r, nil
}

// Path is the journal file.
func (r *Recorder) Path() string { return r.j.path }

// Admit reports whether a new record can be taken now (ErrNotRecording
// when the backlog is too large or the journal cannot be written).
func (r *Recorder) Admit() error {
	if r.Pending() > hardBacklog {
		return fmt.Errorf("%w: %d received events wait for the store", ErrNotRecording, r.Pending())
	}
	if b := r.syncEnd.Load() - r.importedOff.Load(); b > hardBacklogBytes {
		return fmt.Errorf("%w: %.1f MiB of received events wait for the store", ErrNotRecording, float64(b)/(1<<20))
	}
	if err := r.writeErr(); err != nil && !r.probe() {
		return fmt.Errorf("%w: %v", ErrNotRecording, err)
	}
	return nil
}

// probeEvery is how often Admit tries the journal again while a write
// error stands.
const probeEvery = time.Second

// probe tries, at most once per probeEvery, whether the journal can be
// written again after a write error (the disk had space freed, the file
// system came back): it writes and fdatasyncs zeros past the frames (the
// preallocated space later frames overwrite) and clears the error when
// both succeed. Only Admit lets requests in, and a request admitted is
// forwarded before it is written: without a probe nothing ever wrote
// again, and listen answered 503 until it was restarted.
func (r *Recorder) probe() bool {
	now := time.Now().UnixNano()
	last := r.lastProbe.Load()
	if now-last < int64(probeEvery) || !r.lastProbe.CompareAndSwap(last, now) {
		return false
	}
	r.cycle.Lock()
	defer r.cycle.Unlock()
	r.mu.Lock()
	from := max(r.alloc, r.jw.off+int64(r.bw.Buffered()))
	_, err := r.j.w.WriteAt(zeros()[:probeBytes], from)
	if err == nil {
		err = fdatasync(r.j.w)
	}
	if err == nil {
		r.alloc = from + probeBytes
	}
	r.mu.Unlock()
	if err != nil {
		return false
	}
	r.setWriteErr(nil)
	return true
}

// probeBytes is what probe writes: a few frames' room.
const probeBytes = 64 << 10

// Add appends rec to the journal and returns once it is durable (it must
// not be changed afterwards). An error means the record is not kept.
func (r *Recorder) Add(rec *Record) error {
	r.recent.Add(1)
	r.mu.Lock()
	var err error
	r.scratch, err = writeFrame(r.bw, r.scratch, rec, r.lap)
	if err != nil {
		r.mu.Unlock()
		r.kickSync()
		return fmt.Errorf("%w: writing the journal: %v", ErrNotRecording, err)
	}
	r.added++
	seq, epoch := r.added, r.epoch.Load()
	r.mu.Unlock()

	r.smu.Lock()
	defer r.smu.Unlock()
	// Lock order: mu before smu; only atomics and emu (a leaf) here.
	for r.synced < seq && r.epoch.Load() == epoch {
		if !r.syncing {
			// No sync in flight: this request runs one for everything
			// encoded so far (group commit on the request's own goroutine,
			// no hand-off to another); requests arriving meanwhile wait
			// for it, and one of those not covered leads the next.
			r.syncing = true
			r.smu.Unlock()
			// Yield once first: request goroutines already runnable (their
			// forward answered) encode their frames into this sync instead
			// of the next (measured: ~6.5 records per fdatasync instead of
			// ~5; each fdatasync costs ~50 µs of CPU here).
			runtime.Gosched()
			r.syncOnce(true)
			r.smu.Lock()
			continue
		}
		r.scond.Wait()
	}
	if r.epoch.Load() != epoch {
		err := r.writeErr()
		if err == nil {
			err = errors.New("the write failed")
		}
		return fmt.Errorf("%w: writing the journal: %v", ErrNotRecording, err)
	}
	return nil
}

func (r *Recorder) writeErr() error {
	r.emu.Lock()
	defer r.emu.Unlock()
	return r.werr
}

func (r *Recorder) setWriteErr(err error) {
	r.emu.Lock()
	r.werr = err
	r.emu.Unlock()
}

func (r *Recorder) kickSync() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// syncLoop is the group commit: flush what the requests encoded, one
// fdatasync, wake every request it covered.
func (r *Recorder) syncLoop() {
	defer close(r.syncDone)
	for {
		select {
		case <-r.kick:
		case <-r.stop:
			r.syncOnce(false)
			return
		}
		r.syncOnce(false)
	}
}

// syncOnce flushes and fdatasyncs what was encoded and wakes the
// requests it covered; lead: the caller set syncing, cleared here.
func (r *Recorder) syncOnce(lead bool) {
	r.cycle.Lock()
	defer r.cycle.Unlock()
	done := func() { // clears the lead when the sync did not complete
		if lead {
			r.smu.Lock()
			r.syncing = false
			r.scond.Broadcast()
			r.smu.Unlock()
		}
	}
	r.mu.Lock()
	n := r.added
	var err error
	if need := r.jw.off + int64(r.bw.Buffered()); need > r.alloc {
		err = r.preallocate(need)
	}
	if err == nil {
		err = r.bw.Flush()
	}
	size := r.jw.off
	r.mu.Unlock()
	r.smu.Lock()
	already := r.synced >= n
	r.smu.Unlock()
	if already && err == nil {
		done()
		return
	}
	if err == nil {
		err = groupSync(r.j.w, &r.quickSync)
	}
	if err != nil {
		r.dropUnsynced(err)
		done()
		return
	}
	r.setWriteErr(nil)
	r.smu.Lock()
	r.synced, r.syncedBytes = n, size
	r.syncEnd.Store(size)
	if lead {
		r.syncing = false
	}
	r.scond.Broadcast()
	r.smu.Unlock()
}

// Journal space is preallocated (zeros) in chunks ahead of the frames.
const allocChunk = 4 << 20

// zeros is allocated when a journal first grows, not in package init.
var zeros = sync.OnceValue(func() []byte { return make([]byte, 256<<10) })

// preallocate extends the zeroed space past need (under mu; the next
// fdatasync makes the new size durable). It starts after the frames
// already written: the buffered writer writes a frame larger than its
// buffer (or the part of a group that overflows it) straight through,
// possibly past the preallocated space, before the sync that calls this.
//
// With less than a chunk left on the disk the frames go without
// preallocated space for a while (their fdatasync then writes the file's
// size too): their own writes say whether there is room for them. Before,
// every sync failed on the chunk, and listen refused every event with
// megabytes still free.
func (r *Recorder) preallocate(need int64) error {
	now := time.Now()
	if now.Before(r.unallocUntil) {
		return nil
	}
	to := (need/allocChunk + 1) * allocChunk
	for off := max(r.alloc, r.jw.off); off < to; {
		z := zeros()
		n, err := r.j.w.WriteAt(z[:min(int64(len(z)), to-off)], off)
		if err != nil {
			r.alloc = max(r.alloc, off) // zeros up to there
			r.unallocUntil = now.Add(10 * time.Second)
			return nil
		}
		off += int64(n)
	}
	r.alloc = to
	return nil
}

// offsetWriter writes the journal at its own offset (the header is
// rewritten in place, so the file is not opened for appending).
type offsetWriter struct {
	f   *os.File
	off int64
}

func (w *offsetWriter) Write(p []byte) (int, error) {
	n, err := w.f.WriteAt(p, w.off)
	w.off += int64(n)
	return n, err
}

// boundedReader reads the journal up to end (what is fsynced): never the
// preallocated zeros past it, which later frames overwrite.
type boundedReader struct {
	f   *os.File
	off int64
	end *atomic.Int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	room := b.end.Load() - b.off
	if room <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > room {
		p = p[:room]
	}
	n, err := b.f.ReadAt(p, b.off)
	b.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

// dropUnsynced throws away frames that could not be made durable (their
// senders get 503), cutting the journal back to its last synced size so
// that no torn frame stays behind it.
func (r *Recorder) dropUnsynced(err error) {
	r.smu.Lock()
	good, goodBytes := r.synced, r.syncedBytes
	r.smu.Unlock()
	r.mu.Lock()
	werr := err
	r.added = good
	r.jw.off = goodBytes
	r.bw.Reset(r.jw)
	if terr := r.j.w.Truncate(goodBytes); terr != nil {
		// The journal's tail is unknown now: recovery stops at a torn frame.
		werr = fmt.Errorf("%v (and truncating the journal: %v)", err, terr)
	}
	r.alloc = goodBytes
	r.setWriteErr(werr)
	r.epoch.Add(1)
	r.mu.Unlock()
	if r.onErr != nil {
		r.onErr(fmt.Errorf("writing the journal %s: %w", r.j.path, err))
	}
	r.smu.Lock()
	r.scond.Broadcast()
	r.smu.Unlock()
}

// Close imports every journalled record (retrying a refusing store until
// ctx ends), stops, and removes the journal when nothing is left in it.
// It returns how many records stay in the journal for the next start.
func (r *Recorder) Close(ctx context.Context) int64 {
	if dl, ok := ctx.Deadline(); ok {
		r.deadline.Store(dl.UnixNano())
	}
	r.once.Do(func() { close(r.stop) })
	<-r.done
	left := r.Pending()
	r.j.close(left == 0)
	r.cmu.Lock()
	r.leftover = left
	r.cmu.Unlock()
	return left
}

// Abandon stops at once: records not yet in the store stay in the journal
// (they are imported by the next listen or store command). It waits for
// the importer at most abandonWait: a store write in progress (SQLite
// waiting out another writer's lock, up to its busy timeout; PostgreSQL
// not answering) is left behind, the journal as it is — every record in
// it is already durable, and importing one the store has too writes
// nothing (an event's id is its key), so nothing is lost either way.
func (r *Recorder) Abandon() int64 {
	r.deadline.Store(1)
	r.once.Do(func() { close(r.stop) })
	select {
	case <-r.done:
		return r.Close(context.Background())
	case <-time.After(abandonWait):
	}
	left := r.Pending()
	r.cmu.Lock()
	r.leftover = left
	r.cmu.Unlock()
	return left
}

// abandonWait bounds how long Abandon waits for the importer's store write.
var abandonWait = 500 * time.Millisecond

// Pending is how many durable records are not in the store yet.
func (r *Recorder) Pending() int64 {
	r.smu.Lock()
	n := r.synced
	r.smu.Unlock()
	return n - r.imported.Load()
}

// StoreFailing reports whether the store refused the last write.
func (r *Recorder) StoreFailing() bool { return r.failing.Load() }

// Counts returns records written to the store and records that could not
// be (kept in the journal for the next start).
func (r *Recorder) Counts() (written, failed int64) {
	r.cmu.Lock()
	defer r.cmu.Unlock()
	return r.written, r.failed + r.leftover
}

func (r *Recorder) count(ok int) {
	r.cmu.Lock()
	r.written += int64(ok)
	r.cmu.Unlock()
}

const maxBatch = 512

func (r *Recorder) durable() int64 {
	r.smu.Lock()
	defer r.smu.Unlock()
	return r.synced
}

func (r *Recorder) loop() {
	defer close(r.done)
	t := time.NewTicker(importTick)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			<-r.syncDone
			r.importUpTo(r.durable(), true)
			return
		case <-t.C:
		}
		avail := r.durable()
		busy := r.recent.Swap(0) > busyAdds
		if avail > r.decoded && (!busy || avail-r.decoded > maxBacklog) {
			r.importUpTo(avail, false)
		}
		if !busy {
			r.rewindIfDone()
		}
	}
}

// rewindAt: the journal is rewound once this many bytes of it are all in
// the store (and shrunk back when it grew past shrinkAt).
var (
	rewindAt = int64(allocChunk / 2)
	shrinkAt = int64(16 * allocChunk)
)

// rewindIfDone starts the journal over (a new lap from its header) once
// every record in it is in the store and nothing is being written.
func (r *Recorder) rewindIfDone() {
	r.cycle.Lock()
	defer r.cycle.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.smu.Lock()
	synced, syncedBytes := r.synced, r.syncedBytes
	r.smu.Unlock()
	if r.added != synced || r.decoded != synced || r.imported.Load() != synced ||
		syncedBytes-r.j.hdrLen < rewindAt || r.bw.Buffered() > 0 {
		return
	}
	// The new lap must be durable before any frame of it is acknowledged.
	if err := r.j.setHeader(r.lap+1, r.j.hdrLen); err != nil {
		return
	}
	if err := fdatasync(r.j.w); err != nil {
		r.j.setHeader(r.lap, r.j.hdrLen)
		return
	}
	r.lap++
	if r.alloc > shrinkAt && r.j.w.Truncate(r.j.hdrLen) == nil {
		r.alloc = r.j.hdrLen
	}
	r.jw.off = r.j.hdrLen
	r.bw.Reset(r.jw)
	r.jr.off = r.j.hdrLen
	r.br.Reset(r.jr)
	r.smu.Lock()
	r.syncedBytes = r.j.hdrLen
	r.syncEnd.Store(r.j.hdrLen)
	r.smu.Unlock()
	r.importedOff.Store(r.j.hdrLen)
}

// importUpTo decodes journalled records up to n and stores them in
// batches; unless all, it yields as soon as requests arrive again.
func (r *Recorder) importUpTo(n int64, all bool) {
	// Small transactions while the listener may get busy again, so the
	// importer yields within a few milliseconds; big ones at shutdown.
	size := maxBatch
	if !all {
		size = 64
	}
	batch := make([]*Record, 0, size)
	for r.decoded < n && !r.unreadable && !r.gaveUp {
		batch = batch[:0]
		for r.decoded < n && len(batch) < size {
			var rec *Record
			var err error
			at := r.readOff()
			if rec, _, r.rbuf, err = readFrame(r.br, r.rbuf); err != nil {
				// Cannot happen for synced frames short of a disk fault.
				// Stop importing for this run (once, not a warning per
				// tick): what follows stays in the journal, durable, and
				// the next start imports it around the damage (Recover).
				r.unreadable = true
				if r.onErr != nil {
					r.onErr(fmt.Errorf("the journal %s is unreadable at byte %d (%v): the events received from there on stay in it (answered, durable) and are imported by the next hookctl listen or store command; restart listen",
						r.j.path, at, err))
				}
				break
			}
			r.decoded++
			batch = append(batch, rec)
		}
		if len(batch) > 0 {
			if !r.storeBatch(batch) {
				// Gave up (Close's deadline): this batch and the rest stay
				// in the journal. No later record may be imported now:
				// that would move the header's start past this batch, and
				// the next start would skip it (a store that took the
				// shutdown's last few records after refusing this batch
				// lost the batch, answered 2xx, for good).
				r.gaveUp = true
				return
			}
			r.imported.Add(int64(len(batch)))
			r.count(len(batch))
			// Where recovery (and store info) starts: not fsynced, a hint
			// only (importing again what is already stored is harmless).
			off := r.readOff()
			r.importedOff.Store(off)
			r.j.setHeader(r.lap, off)
		}
		if !all && r.recent.Load() > busyAdds && n-r.decoded < maxBacklog {
			return
		}
	}
}

// readOff is the journal offset of the importer's next frame.
func (r *Recorder) readOff() int64 { return r.jr.off - int64(r.br.Buffered()) }

// storeBatch writes batch, retrying with back-off while the store refuses
// (a record counts as stored only once the store said so). It returns
// false when Close's deadline passed first.
func (r *Recorder) storeBatch(batch []*Record) bool {
	wait := 50 * time.Millisecond
	for {
		if !r.storeInPlace() {
			return false
		}
		err := r.write(context.Background(), batch)
		if err == nil && !r.storeInPlace() {
			return false // written into a file deleted meanwhile: not stored
		}
		if err == nil {
			r.failing.Store(false)
			return true
		}
		if !r.failing.Swap(true) && r.onErr != nil {
			r.onErr(fmt.Errorf("storing received events (retrying; they are kept in %s): %w", r.j.path, err))
		}
		if dl := r.deadline.Load(); dl != 0 && time.Now().Add(wait).UnixNano() > dl {
			return false
		}
		select {
		case <-time.After(wait):
		case <-r.stop:
			// Shutting down: keep retrying until the deadline (checked above).
			time.Sleep(wait)
		}
		wait = min(wait*2, retryMax)
	}
}

// inPlacer is implemented by stores kept in a file (SQLite): InPlace
// fails once the file was deleted, moved or replaced.
type inPlacer interface{ InPlace() error }

// storeInPlace reports whether the store is still where it was opened. A
// SQLite file deleted while listen runs still takes writes (the open
// descriptor keeps it alive) and loses them when the process ends: those
// records are not stored. That does not heal in this process, so the
// importer stops (as after Close's deadline, gaveUp): every record from
// here on stays in the journal, answered and durable, for the next listen
// or store command to import into the store then at the path.
func (r *Recorder) storeInPlace() bool {
	p, ok := r.st.(inPlacer)
	if !ok {
		return true
	}
	err := p.InPlace()
	if err == nil {
		return true
	}
	r.failing.Store(true)
	if r.onErr != nil {
		r.onErr(fmt.Errorf("%w: the events received from now on stay in the journal %s (answered, durable) and are imported into the store at that path by the next hookctl listen or store command; restart listen", err, r.j.path))
	}
	return false
}

// RecordsWriter is implemented by stores that write many records in one
// transaction (the SQLite store); others take the import path.
type RecordsWriter interface {
	WriteRecords(ctx context.Context, recs []store.Record) error
}

// storeRecords is a batch in the store's terms: event (once per id),
// delivery with its final state, attempt.
func storeRecords(batch []*Record, skip map[string]struct{}) []store.Record {
	now := time.Now().UTC()
	recs := make([]store.Record, 0, 3*len(batch))
	for _, rec := range batch {
		if _, dup := skip[rec.Event.ID]; !dup {
			recs = append(recs, store.Record{Event: &rec.Event})
		}
		if d := rec.Delivery; d != nil {
			if d.ID == "" {
				d.ID = uuid.NewString()
			}
			d.EventID = rec.Event.ID
			d.Status = rec.Update.Status
			d.AttemptCount = 1
			d.LastStatus = rec.Update.LastStatus
			d.LastError = rec.Update.LastError
			if d.UpdatedAt.IsZero() {
				d.UpdatedAt = now
			}
			rec.Attempt.DeliveryID = d.ID
			recs = append(recs, store.Record{Delivery: d}, store.Record{Attempt: rec.Attempt})
		}
	}
	return recs
}

func (r *Recorder) write(ctx context.Context, batch []*Record) error {
	if err := linkOrigins(ctx, r.st, batch); err != nil {
		return err
	}
	if w, ok := r.st.(RecordsWriter); ok {
		if err := w.WriteRecords(ctx, storeRecords(batch, r.wrote)); err == nil {
			if len(r.wrote) > 50000 {
				clear(r.wrote)
			}
			for _, rec := range batch {
				r.wrote[rec.Event.ID] = struct{}{}
			}
			return nil
		}
		// A record already there (a retry after a commit whose answer was
		// lost) fails the whole transaction: take the idempotent path.
	}
	return importRecords(ctx, r.st, storeRecords(batch, nil))
}

// linkOrigins links the forward of an event hookctl itself sent (trigger,
// replay, worker through this listener) to the delivery that sent it: the
// same event id, a hookctl-sent delivery to the listener's subscription.
// One history, not two: `replay --failed` sends it once.
func linkOrigins(ctx context.Context, st store.Store, batch []*Record) error {
	for _, rec := range batch {
		d := rec.Delivery
		if d == nil || d.OriginID != "" || d.SubscriptionID == "" || rec.Attempt == nil ||
			!delivery.FromHookctl(firstHeader(rec.Attempt.RequestHeaders, "User-Agent")) {
			continue
		}
		ds, err := st.ListDeliveries(ctx, store.DeliveryFilter{EventID: rec.Event.ID, SubscriptionID: d.SubscriptionID})
		if err != nil {
			return err
		}
		for _, o := range ds {
			if o.Kind == "" && o.ID != d.ID {
				d.OriginID = o.ID
				break
			}
		}
	}
	return nil
}

func firstHeader(h map[string][]string, k string) string {
	if v := h[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// importRecords writes recs skipping those whose ids exist (idempotent:
// a journal imported twice stores each record once).
func importRecords(ctx context.Context, st store.Store, recs []store.Record) error {
	if bi, ok := st.(store.BatchImporter); ok {
		return bi.ImportBatch(ctx, recs)
	}
	for _, rec := range recs {
		if err := st.Import(ctx, rec); err != nil {
			return err
		}
	}
	return nil
}
