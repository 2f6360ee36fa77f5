package listen

import (
	"context"
	"net/http"
	"sync"
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

// Recorder writes records to the store from one goroutine, in batches,
// off the request path. Add blocks when the queue is full (back-pressure
// rather than loss); Close writes everything queued.
type Recorder struct {
	st    store.Store
	owner string
	ch    chan *Record
	done  chan struct{}
	once  sync.Once
	onErr func(error)

	mu      sync.Mutex
	written int64
	failed  int64
}

// NewRecorder starts a recorder; onErr is told about write errors (once
// per batch).
func NewRecorder(st store.Store, onErr func(error)) *Recorder {
	r := &Recorder{st: st, owner: "listen-" + uuid.NewString()[:8], ch: make(chan *Record, 1024), done: make(chan struct{}), onErr: onErr}
	go r.loop()
	return r
}

// Add queues a record.
func (r *Recorder) Add(rec *Record) { r.ch <- rec }

// Close writes what is queued and stops.
func (r *Recorder) Close() {
	r.once.Do(func() { close(r.ch) })
	<-r.done
}

// Counts returns records written and records that could not be written.
func (r *Recorder) Counts() (written, failed int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.written, r.failed
}

const maxBatch = 512

func (r *Recorder) loop() {
	defer close(r.done)
	batch := make([]*Record, 0, maxBatch)
	for rec := range r.ch {
		batch = append(batch[:0], rec)
	fill:
		for len(batch) < maxBatch {
			select {
			case more, ok := <-r.ch:
				if !ok {
					break fill
				}
				batch = append(batch, more)
			default:
				break fill
			}
		}
		n, err := r.write(context.Background(), batch)
		r.mu.Lock()
		r.written += int64(n)
		r.failed += int64(len(batch) - n)
		r.mu.Unlock()
		if err != nil && r.onErr != nil {
			r.onErr(err)
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
		recs = append(recs, store.Record{Event: &rec.Event})
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
