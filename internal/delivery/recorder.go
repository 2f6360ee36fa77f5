package delivery

import (
	"context"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// batchRecorder is implemented by stores that can record many attempts in
// one transaction (SQLite: one writer, so group commit pays).
type batchRecorder interface {
	RecordAttempts(ctx context.Context, owner string, attempts []*store.Attempt, updates []store.DeliveryUpdate) ([]error, error)
}

// The recorder's batches: it waits up to recordLinger for
// recordBatch×Concurrency attempts. Each statement and commit costs the
// store far more than a row in it (PostgreSQL: about as much as 15
// rows); workers do not wait for the record, and their leases are kept
// alive meanwhile.
const (
	recordBatch  = 8
	recordLinger = 10 * time.Millisecond
)

type recordReq struct {
	a    *store.Attempt
	u    store.DeliveryUpdate
	then func(error) // called once the attempt is recorded (or not)
}

// startRecorder starts the group-commit recorder when the store supports
// it; the returned func stops it once no attempt is in flight.
func (e *Engine) startRecorder(ctx context.Context) func() {
	br, ok := e.Store.(batchRecorder)
	if !ok {
		return func() {}
	}
	// Workers hand an attempt over and go on sending; its result is
	// reported once its transaction commits. The buffer bounds how far
	// sending may run ahead of recording.
	ch := make(chan recordReq, 16*e.Concurrency)
	stopped := make(chan struct{})
	e.recordCh = ch
	go func() {
		defer close(stopped)
		batch := make([]recordReq, 0, 1024)
		as := make([]*store.Attempt, 0, 256)
		us := make([]store.DeliveryUpdate, 0, 256)
		for req := range ch {
			batch = append(batch[:0], req)
		drain:
			for len(batch) < cap(batch) {
				select {
				case r, ok := <-ch:
					if !ok {
						break drain
					}
					batch = append(batch, r)
				default:
					break drain
				}
			}
			// Linger briefly for a fuller batch: one transaction is
			// much cheaper than several (each commit rewrites the pages
			// it touched), and workers do not wait for it.
			if len(batch) < recordBatch*e.Concurrency {
				t := time.NewTimer(recordLinger)
			linger:
				for len(batch) < recordBatch*e.Concurrency {
					select {
					case r, ok := <-ch:
						if !ok {
							break linger
						}
						batch = append(batch, r)
					case <-t.C:
						break linger
					}
				}
				t.Stop()
			}
			as, us = as[:0], us[:0]
			for _, r := range batch {
				as = append(as, r.a)
				us = append(us, r.u)
			}
			errs, err := br.RecordAttempts(ctx, e.Owner, as, us)
			// A store that went away: the batch is kept and written once
			// it is back (within the patience), so the attempts already
			// made are in the log and not sent again; workers wait on the
			// full channel meanwhile.
			for err != nil && e.RecordWait.Retry(ctx, err) {
				e.recordDown.Store(true)
				// The failed try may have been committed.
				if ar, ok := e.Store.(store.AgainRecorder); ok {
					errs, err = ar.RecordAttemptsAgain(ctx, e.Owner, as, us)
				} else {
					errs, err = br.RecordAttempts(ctx, e.Owner, as, us)
				}
			}
			e.recordDown.Store(false)
			if err == nil {
				e.RecordWait.Ok()
			} else {
				e.recordErr.CompareAndSwap(nil, &err)
			}
			for i, r := range batch {
				if err != nil {
					r.then(err)
				} else {
					r.then(errs[i])
				}
				batch[i] = recordReq{}
			}
		}
	}()
	return func() {
		close(ch)
		<-stopped
		e.recordCh = nil
	}
}

// record stores an attempt with its update, then calls then with the
// outcome: through the group-commit recorder when there is one (then runs
// on the recorder's goroutine after the commit), else at once.
func (e *Engine) record(ctx context.Context, a *store.Attempt, u store.DeliveryUpdate, then func(error)) {
	if ch := e.recordCh; ch != nil {
		ch <- recordReq{a: a, u: u, then: then}
		return
	}
	then(e.Store.RecordAttempt(ctx, e.Owner, a, u))
}
