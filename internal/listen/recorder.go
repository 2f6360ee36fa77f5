package listen

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

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

func (rec *Record) set(s *Server, out *http.Request, target string, start time.Time, dur time.Duration, resp *http.Response, body []byte, errMsg string) {
	var hdr map[string]string
	if len(s.extra) > 0 {
		hdr = make(map[string]string, len(s.extra))
		for _, kv := range s.extra {
			hdr[kv.k] = kv.v
		}
	}
	rec.Delivery = &store.Delivery{
		SubscriptionID: s.cfg.SubscriptionID, URL: target, Method: out.Method, Headers: hdr,
		Scheme: rec.scheme, Secret: rec.secret,
		MaxAttempts: 1, Schedule: "0s", CreatedAt: start,
	}
	a := &store.Attempt{Number: 1, StartedAt: start, Duration: dur, RequestURL: target,
		RequestMethod: out.Method, RequestHeaders: out.Header, Error: errMsg}
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

// farFuture keeps a recorded forward out of every worker's reach until the
// recorder itself claims it (ClaimDue with that clock and its own run id).
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// Recorder stores records without putting the store on the request path.
// Add appends the record to a spool file (a buffered binary stream: about
// a microsecond, no store work, memory flat under any load); one goroutine
// imports the spool into the store in batches whenever the listener is
// quiet (or the backlog grows large), so during a burst the CPU goes to
// forwarding and the store catches up right after. Close imports
// everything left: nothing is lost on a clean shutdown.
type Recorder struct {
	st    store.Store
	owner string
	onErr func(error)

	mu      sync.Mutex // guards the writer side
	spool   *os.File
	bw      *bufio.Writer
	scratch []byte
	added   int64 // records encoded
	encErr  error
	recent  atomic.Int64 // Adds since the importer's last look

	rd       *os.File
	br       *bufio.Reader
	rbuf     []byte
	decoded  int64
	imported atomic.Int64 // = decoded, readable by Pending

	stop chan struct{}
	done chan struct{}
	once sync.Once

	// wrote holds event ids this recorder already stored: a duplicate's
	// event row is not written again (the store would skip it anyway).
	wrote map[string]struct{}

	cmu     sync.Mutex
	written int64
	failed  int64
}

// Recorder tuning.
var (
	importTick = 20 * time.Millisecond
	busyAdds   = int64(20) // more Adds than this per tick = busy
	maxBacklog = int64(200000)
)

// NewRecorder starts a recorder; onErr is told about write errors (once
// per batch).
func NewRecorder(st store.Store, onErr func(error)) *Recorder {
	r := &Recorder{st: st, owner: "listen-" + uuid.NewString()[:8], onErr: onErr,
		stop: make(chan struct{}), done: make(chan struct{}), wrote: make(map[string]struct{})}
	f, err := os.CreateTemp("", "hookctl-listen-*.spool")
	if err == nil {
		r.rd, err = os.Open(f.Name())
		os.Remove(f.Name()) // unlinked: gone with the process, whatever happens
		if err != nil {
			f.Close()
		}
	}
	if err != nil {
		r.encErr = fmt.Errorf("creating the record spool: %w", err)
	} else {
		r.spool = f
		r.bw = bufio.NewWriterSize(f, 64<<10)
		r.br = bufio.NewReaderSize(r.rd, 64<<10)
	}
	go r.loop()
	return r
}

// Add records rec (it must not be changed afterwards).
func (r *Recorder) Add(rec *Record) {
	r.recent.Add(1)
	r.mu.Lock()
	if r.encErr == nil {
		var err error
		if r.scratch, err = writeFrame(r.bw, r.scratch, rec); err != nil {
			r.encErr = err
		} else {
			r.added++
		}
	}
	err := r.encErr
	r.mu.Unlock()
	if err != nil {
		// No usable spool: write through (slower, still lossless).
		n, werr := r.writeEach(context.Background(), []*Record{rec}) // safe from any goroutine
		r.count(n, 1-n, werr)
	}
}

// Close imports everything spooled and stops.
func (r *Recorder) Close() {
	r.once.Do(func() { close(r.stop) })
	<-r.done
}

// Pending is how many records wait in the spool.
func (r *Recorder) Pending() int64 {
	r.mu.Lock()
	n := r.added
	r.mu.Unlock()
	return n - r.imported.Load()
}

// Counts returns records written and records that could not be written.
func (r *Recorder) Counts() (written, failed int64) {
	r.cmu.Lock()
	defer r.cmu.Unlock()
	return r.written, r.failed
}

func (r *Recorder) count(ok, bad int, err error) {
	r.cmu.Lock()
	r.written += int64(ok)
	r.failed += int64(bad)
	r.cmu.Unlock()
	if err != nil && r.onErr != nil {
		r.onErr(err)
	}
}

const maxBatch = 512

// flush makes every encoded record readable and returns how many there are.
func (r *Recorder) flush() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bw != nil && r.encErr == nil {
		if err := r.bw.Flush(); err != nil {
			r.encErr = err
		}
	}
	return r.added
}

func (r *Recorder) loop() {
	defer close(r.done)
	t := time.NewTicker(importTick)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			r.importUpTo(r.flush(), true)
			if r.spool != nil {
				r.spool.Close()
				r.rd.Close()
			}
			return
		case <-t.C:
		}
		avail := r.flush()
		busy := r.recent.Swap(0) > busyAdds
		if avail > r.decoded && (!busy || avail-r.decoded > maxBacklog) {
			r.importUpTo(avail, false)
		}
	}
}

// importUpTo decodes spooled records up to n and writes them in batches;
// unless all, it yields as soon as requests arrive again.
func (r *Recorder) importUpTo(n int64, all bool) {
	// Small transactions while the listener may get busy again, so the
	// importer yields within a few milliseconds; big ones at shutdown.
	size := maxBatch
	if !all {
		size = 64
	}
	batch := make([]*Record, 0, size)
	for r.decoded < n {
		batch = batch[:0]
		for r.decoded < n && len(batch) < size {
			var rec *Record
			var err error
			if rec, r.rbuf, err = readFrame(r.br, r.rbuf); err != nil {
				r.count(0, int(n-r.decoded), fmt.Errorf("reading the record spool: %w", err))
				r.decoded = n
				r.imported.Store(n)
				break
			}
			r.decoded++
			r.imported.Store(r.decoded)
			batch = append(batch, rec)
		}
		if len(batch) > 0 {
			ok, err := r.write(context.Background(), batch)
			r.count(ok, len(batch)-ok, err)
		}
		if !all && r.recent.Load() > busyAdds && n-r.decoded < maxBacklog {
			return
		}
	}
}

// RecordsWriter is implemented by stores that write many records in one
// transaction (the SQLite store); others take the per-record path.
type RecordsWriter interface {
	WriteRecords(ctx context.Context, recs []store.Record) error
}

func (r *Recorder) write(ctx context.Context, batch []*Record) (int, error) {
	w, ok := r.st.(RecordsWriter)
	if !ok {
		return r.writeEach(ctx, batch)
	}
	now := time.Now().UTC()
	recs := make([]store.Record, 0, 3*len(batch))
	for _, rec := range batch {
		if _, dup := r.wrote[rec.Event.ID]; !dup {
			recs = append(recs, store.Record{Event: &rec.Event})
		}
		if d := rec.Delivery; d != nil {
			d.ID = uuid.NewString()
			d.EventID = rec.Event.ID
			d.Status = rec.Update.Status
			d.AttemptCount = 1
			d.LastStatus = rec.Update.LastStatus
			d.LastError = rec.Update.LastError
			d.UpdatedAt = now
			rec.Attempt.DeliveryID = d.ID
			recs = append(recs, store.Record{Delivery: d}, store.Record{Attempt: rec.Attempt})
		}
	}
	if err := w.WriteRecords(ctx, recs); err != nil {
		// One bad record must not cost the batch: retry one by one.
		if len(batch) > 1 {
			return r.writeEach(ctx, batch)
		}
		return 0, err
	}
	if len(r.wrote) > 50000 {
		clear(r.wrote)
	}
	for _, rec := range batch {
		r.wrote[rec.Event.ID] = struct{}{}
	}
	return len(batch), nil
}

// writeEach stores a batch through the Store contract: each event with its delivery (held back), then one
// claim of the batch's deliveries, then each forward as the attempt.
func (r *Recorder) writeEach(ctx context.Context, batch []*Record) (int, error) {
	runID := "listen-" + uuid.NewString()
	var firstErr error
	byID := make(map[string]*Record, len(batch))
	ok := 0
	for _, rec := range batch {
		var ds []*store.Delivery
		if rec.Delivery != nil {
			d := rec.Delivery
			d.Status = store.DeliveryPending
			d.AttemptCount, d.LastStatus, d.LastError = 0, 0, ""
			d.NextAttemptAt = farFuture
			d.RunID = runID
			ds = []*store.Delivery{d}
		}
		if err := r.st.CreateEvent(ctx, &rec.Event, ds); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if rec.Delivery == nil {
			ok++
			continue
		}
		byID[rec.Delivery.ID] = rec
	}
	if len(byID) == 0 {
		return ok, firstErr
	}
	claimed, err := r.st.ClaimDue(ctx, r.owner, farFuture, time.Hour, len(byID), runID)
	if err != nil {
		return ok, err
	}
	for _, d := range claimed {
		rec := byID[d.ID]
		if rec == nil {
			continue
		}
		rec.Attempt.DeliveryID = d.ID
		if err := r.st.RecordAttempt(ctx, r.owner, rec.Attempt, rec.Update); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		ok++
	}
	return ok, firstErr
}
