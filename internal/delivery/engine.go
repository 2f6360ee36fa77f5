package delivery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// Result is what happened to one attempt, reported to Engine.OnResult.
type Result struct {
	Delivery *store.Delivery // state after the attempt (Status, AttemptCount, NextAttemptAt …)
	Event    *store.Event    // nil when the event could not be read
	Attempt  *store.Attempt
	// Final: the delivery ended (succeeded or failed) with this attempt.
	Final bool
	// Disabled: the subscription was disabled (410 Gone).
	Disabled bool
	// LeaseLost: another worker took the delivery meanwhile; this
	// attempt was kept but decided nothing.
	LeaseLost bool
	// Err is a store error while recording (the delivery stays leased
	// until its lease expires, then is retried: at-least-once).
	Err error
}

// Engine is the outbox worker pool: it claims due pending deliveries with
// a lease, sends up to Concurrency at once, records each attempt and
// finishes the delivery or schedules the next attempt.
type Engine struct {
	Store  store.Store
	Sender *Sender
	// Owner identifies this process in leases (NewOwner by default).
	Owner string
	// Lease is how long a claimed delivery is ours (default timeout+5s).
	Lease time.Duration
	// Concurrency is the number of attempts in flight (default 8).
	Concurrency int
	// RunID, when set, claims only that run's deliveries.
	RunID string
	// Poll is how often an idle engine looks for due deliveries (default 100ms).
	Poll time.Duration
	// Now is the clock (time.Now by default).
	Now func() time.Time
	// Jitter spreads retry delays (Jitter by default).
	Jitter func(time.Duration) time.Duration
	// SchemeFor maps a provider to its scheme for "auto" subscriptions.
	SchemeFor func(provider string) string
	// OnResult is called after each attempt, from worker goroutines.
	OnResult func(Result)
	// OnClaimError, when set, makes the engine outlive store outages (a
	// long-running worker): each failed claim is reported with the wait
	// before the next try, which doubles from Poll up to 30 s. When nil,
	// Run gives up after 20 consecutive failures (trigger, replay).
	OnClaimError func(err error, wait time.Duration)

	finished atomic.Int64 // deliveries that reached a final state here
	claimed  atomic.Int64 // claims made (attempts started)

	running   atomic.Bool // Run is running: Enqueue hands deliveries over
	ownedMu   sync.Mutex
	owned     []job // deliveries created leased to this engine, not yet sent
	ownedHead int

	wake     chan struct{}
	recordCh chan recordReq // group-commit recorder, while Run runs
	initOnce sync.Once
	events   *lru[*store.Event]
	subsMu   sync.Mutex
	subs     map[string]cachedSub
}

type cachedSub struct {
	s  *store.Subscription // nil: deleted
	at time.Time
}

// NewOwner returns a lease owner id unique to this process: host, pid and
// a random suffix.
func NewOwner() string {
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
}

func (e *Engine) init() {
	e.initOnce.Do(func() {
		if e.Owner == "" {
			e.Owner = NewOwner()
		}
		if e.Concurrency <= 0 {
			e.Concurrency = 8
		}
		if e.Lease <= 0 {
			t := DefaultTimeout
			if e.Sender != nil && e.Sender.Client != nil && e.Sender.Client.Timeout > 0 {
				t = e.Sender.Client.Timeout
			}
			// An attempt cannot outlast the HTTP timeout; a crashed
			// worker's deliveries are free again soon after.
			e.Lease = t + 5*time.Second
		}
		if e.Poll <= 0 {
			e.Poll = 100 * time.Millisecond
		}
		if e.Now == nil {
			e.Now = time.Now
		}
		if e.Jitter == nil {
			e.Jitter = Jitter
		}
		if e.SchemeFor == nil {
			e.SchemeFor = SchemeFor
		}
		e.wake = make(chan struct{}, 1)
		e.events = newLRU[*store.Event](Lead(e.Concurrency) + 4*e.Concurrency)
		e.subs = map[string]cachedSub{}
	})
}

// Run delivers until ctx is cancelled or, when the engine is idle (nothing
// due, nothing in flight that could be claimed), done reports true. On
// cancel it stops claiming and finishes the attempts in flight; it never
// leaves a claimed delivery unsent. The error is a store error that
// prevents claiming.
//
// Work comes from two places: deliveries handed over by Enqueue (created
// already leased to this engine, so they need no claim) and due
// deliveries claimed from the store (retries, other processes' work).
// A fixed pool of Concurrency workers sends them.
func (e *Engine) Run(ctx context.Context, done func() bool) error {
	e.init()
	slots := make(chan struct{}, e.Concurrency)
	work := make(chan job)
	var wg sync.WaitGroup
	// In-flight attempts outlive ctx (bounded by the HTTP timeout).
	sendCtx := context.WithoutCancel(ctx)
	stopRecorder := e.startRecorder(sendCtx)
	defer stopRecorder()
	for range e.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				e.process(sendCtx, j.d, j.ev)
				<-slots
			}
		}()
	}
	defer wg.Wait()
	defer close(work)
	e.running.Store(true)
	defer e.releaseOwned() // after running is false: nothing is handed over any more
	defer e.running.Store(false)
	var claimErrs int
	full := false // the last claim filled every free slot: work is flowing
	for {
		// Wait for a free slot.
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		free := 1 + grab(slots, e.Concurrency-1)
		// Deliveries this engine created and holds go first, at once.
		if n := e.dispatchOwned(work, free); n > 0 {
			for range free - n {
				<-slots
			}
			continue
		}
		// Batch claims: while work is flowing, let a few more in-flight
		// attempts finish so one claim transaction serves many.
		if full && free < e.Concurrency*3/4 {
			t := time.NewTimer(5 * time.Millisecond)
		wait:
			for free < e.Concurrency*3/4 {
				select {
				case slots <- struct{}{}:
					free++
				case <-t.C:
					break wait
				}
			}
			t.Stop()
		}
		ds, err := e.Store.ClaimDue(ctx, e.Owner, e.Now(), e.Lease, free, e.RunID)
		for range free - len(ds) {
			<-slots
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			claimErrs++
			if e.OnClaimError == nil {
				if claimErrs >= 20 {
					return fmt.Errorf("claiming deliveries: %w", err)
				}
				sleep(ctx, e.Poll)
				continue
			}
			wait := claimBackoff(e.Poll, claimErrs)
			e.OnClaimError(err, wait)
			sleep(ctx, wait)
			continue
		}
		claimErrs = 0
		full = len(ds) == free
		e.claimed.Add(int64(len(ds)))
		for _, d := range ds {
			work <- job{d: d}
		}
		if len(ds) == 0 {
			if done != nil && len(slots) == 0 && e.ownedLen() == 0 && done() {
				return nil
			}
			t := time.NewTimer(e.Poll)
			select {
			case <-t.C:
			case <-e.wake:
			case <-ctx.Done():
			}
			t.Stop()
		}
	}
}

// job is one delivery for a worker; ev, when known, saves a read.
type job struct {
	d  *store.Delivery
	ev *store.Event
}

// Enqueue writes events with their deliveries to the outbox (one
// transaction when the store can) and, while Run runs, hands the
// deliveries straight to the workers: they are created leased to this
// engine, so no claim round trip is needed and no other worker takes
// them. A crash leaves them in the outbox, claimable once the lease ends.
func (e *Engine) Enqueue(ctx context.Context, events []*store.Event, deliveries [][]*store.Delivery) error {
	e.init()
	var leased []job
	if e.running.Load() {
		now := e.Now()
		until := now.Add(e.Lease)
		for i, ds := range deliveries {
			for _, d := range ds {
				// Only what is due now (a schedule may start later).
				if d.LeaseOwner == "" && !d.NextAttemptAt.After(now) {
					d.LeaseOwner, d.LeaseExpiresAt = e.Owner, until
					leased = append(leased, job{d: d, ev: events[i]})
				}
			}
		}
	}
	if err := EnqueueBatch(ctx, e.Store, events, deliveries); err != nil {
		return err
	}
	if len(leased) < len(events) {
		for _, ev := range events {
			e.Prime(ev)
		}
	}
	e.hand(leased)
	return nil
}

// hand queues deliveries leased to this engine for its workers.
func (e *Engine) hand(jobs []job) {
	if len(jobs) == 0 {
		return
	}
	e.ownedMu.Lock()
	e.owned = append(e.owned, jobs...)
	e.ownedMu.Unlock()
	if !e.running.Load() { // Run stopped meanwhile (Ctrl-C, --wait)
		e.releaseOwned()
		return
	}
	e.Wake()
}

// releaseOwned gives the deliveries still queued for the workers back to
// the outbox when Run stops before sending them (Ctrl-C, --wait): free
// and due now with their attempt budget unchanged, so a worker or a
// replay takes them at once instead of after the lease.
func (e *Engine) releaseOwned() {
	e.ownedMu.Lock()
	jobs := e.owned[e.ownedHead:]
	e.owned, e.ownedHead = nil, 0
	e.ownedMu.Unlock()
	if len(jobs) == 0 {
		return
	}
	byBudget := map[int][]string{}
	for _, j := range jobs {
		left := max(j.d.MaxAttempts-j.d.AttemptCount, 1)
		byBudget[left] = append(byBudget[left], j.d.ID)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for left, ids := range byBudget {
		// A failure leaves them leased: they are taken when it ends.
		e.Store.Requeue(ctx, ids, store.Requeue{ExtraAttempts: left, Now: e.Now()})
	}
}

// Requeue puts deliveries back in the outbox for a replay run
// (store.Requeue) and returns how many it requeued. While Run runs and the
// store can lease them as it requeues them (SQLite), they are handed
// straight to the workers like Enqueue's.
func (e *Engine) Requeue(ctx context.Context, ids []string, r store.Requeue) (int, error) {
	e.init()
	lr, ok := e.Store.(store.LeasingRequeuer)
	if !ok || !e.running.Load() {
		got, err := e.Store.Requeue(ctx, ids, r)
		e.Wake()
		return len(got), err
	}
	ds, err := lr.RequeueLeased(ctx, ids, r, e.Owner, e.Now().Add(e.Lease))
	if err != nil {
		return 0, err
	}
	jobs := make([]job, len(ds))
	for i, d := range ds {
		jobs[i] = job{d: d}
	}
	e.hand(jobs)
	return len(ds), nil
}

// dispatchOwned hands up to n owned deliveries to the workers and returns
// how many it handed. One whose lease is close to its end is left to the
// claim path (which renews the lease first): sending it now could overlap
// another worker's claim.
func (e *Engine) dispatchOwned(work chan<- job, n int) int {
	e.ownedMu.Lock()
	k := min(n, len(e.owned)-e.ownedHead)
	if k == 0 {
		e.ownedMu.Unlock()
		return 0
	}
	jobs := make([]job, k)
	copy(jobs, e.owned[e.ownedHead:])
	clear(e.owned[e.ownedHead : e.ownedHead+k])
	e.ownedHead += k
	if e.ownedHead == len(e.owned) {
		e.owned, e.ownedHead = e.owned[:0], 0
	}
	e.ownedMu.Unlock()
	margin := e.Now().Add(e.Lease / 2)
	sent := 0
	for _, j := range jobs {
		if j.d.LeaseExpiresAt.Before(margin) {
			continue
		}
		work <- j
		sent++
	}
	e.claimed.Add(int64(sent))
	return sent
}

func (e *Engine) ownedLen() int {
	e.ownedMu.Lock()
	defer e.ownedMu.Unlock()
	return len(e.owned) - e.ownedHead
}

// batchRecorder is implemented by stores that can record many attempts in
// one transaction (SQLite: one writer, so group commit pays).
type batchRecorder interface {
	RecordAttempts(ctx context.Context, owner string, attempts []*store.Attempt, updates []store.DeliveryUpdate) ([]error, error)
}

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
			if len(batch) < 4*e.Concurrency {
				t := time.NewTimer(2 * time.Millisecond)
			linger:
				for len(batch) < 4*e.Concurrency {
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

func grab(slots chan struct{}, n int) int {
	got := 0
	for got < n {
		select {
		case slots <- struct{}{}:
			got++
		default:
			return got
		}
	}
	return got
}

// claimBackoff is the wait after the n-th consecutive claim failure:
// poll, doubling, at most 30 s.
func claimBackoff(poll time.Duration, n int) time.Duration {
	const max = 30 * time.Second
	d := poll
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// process sends one claimed delivery and records the attempt.
func (e *Engine) process(ctx context.Context, d *store.Delivery, ev *store.Event) {
	res := Result{Delivery: d}
	var (
		attempt    *store.Attempt
		respHeader http.Header
		target     Target
		sub        *store.Subscription
		permanent  bool // retrying cannot help: fail now
	)
	var err error
	if ev == nil {
		ev, err = e.event(ctx, d.EventID)
	}
	if err == nil {
		res.Event = ev
		sub, target, err = e.target(ctx, d, ev)
	}
	if err != nil {
		attempt = &store.Attempt{StartedAt: e.Now(), RequestURL: d.URL, Error: err.Error()}
		permanent = !isTransient(err)
	} else {
		var prepErr error
		attempt, respHeader, prepErr = e.Sender.Send(ctx, ev, target)
		permanent = prepErr != nil
	}
	attempt.DeliveryID, attempt.DeliverySeq = d.ID, d.Seq
	attempt.Number = d.AttemptCount + 1
	res.Attempt = attempt
	u, disable := Decide(d, target.Scheme, attempt, respHeader, e.Now(), e.Jitter)
	if permanent {
		u = store.DeliveryUpdate{Status: store.DeliveryFailed, LastError: attempt.Error}
	}
	e.record(ctx, attempt, u, func(rerr error) {
		e.settle(ctx, res, d, sub, u, disable, rerr)
	})
}

// settle reports an attempt once it is recorded (or failed to be).
func (e *Engine) settle(ctx context.Context, res Result, d *store.Delivery, sub *store.Subscription, u store.DeliveryUpdate, disable bool, rerr error) {
	switch {
	case errors.Is(rerr, store.ErrLeaseLost):
		res.LeaseLost = true
	case rerr != nil:
		res.Err = rerr
	default:
		nd := *d
		nd.AttemptCount = res.Attempt.Number
		nd.Status = u.Status
		nd.NextAttemptAt = u.NextAttemptAt
		nd.LastError = u.LastError
		nd.LastStatus = u.LastStatus
		nd.LeaseOwner, nd.LeaseExpiresAt = "", time.Time{}
		res.Delivery = &nd
		res.Final = u.Status != store.DeliveryPending
		if disable && sub != nil {
			res.Disabled = e.disable(ctx, sub.ID)
		}
	}
	if e.OnResult != nil {
		e.OnResult(res)
	}
	if res.Final {
		e.finished.Add(1)
		e.Wake() // the run may be complete: let Run see it now
	}
}

// transientError marks a failure to prepare an attempt that deserves the
// retry schedule (the store was busy), unlike a missing secret.
type transientError struct{ error }

func (t transientError) Unwrap() error { return t.error }

func isTransient(err error) bool {
	var t transientError
	return errors.As(err, &t)
}

// Decide applies the retry rules to an attempt: success is 2xx (Bond:
// 200/201 only); 410 Gone fails the delivery and disables its
// subscription; Svix's "webhook-delivery: abort-message" stops retries;
// anything else is retried on the delivery's schedule, later when a 429 or
// 503 carries Retry-After, until the attempts run out.
func Decide(d *store.Delivery, scheme string, a *store.Attempt, respHeader http.Header, now time.Time, jitter func(time.Duration) time.Duration) (u store.DeliveryUpdate, disable bool) {
	u.LastStatus = a.ResponseStatus
	status := a.ResponseStatus
	if a.Error == "" && success(scheme, status) {
		u.Status = store.DeliverySucceeded
		return u, false
	}
	u.LastError = a.Error
	if u.LastError == "" {
		u.LastError = fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
		if scheme == "bond" && status >= 200 && status < 300 {
			u.LastError += " (Bond accepts only 200 or 201)"
		}
	}
	switch {
	case status == http.StatusGone:
		u.Status = store.DeliveryFailed
		u.LastError = "HTTP 410 Gone: endpoint removed, subscription disabled"
		return u, true
	case strings.EqualFold(strings.TrimSpace(respHeader.Get("webhook-delivery")), "abort-message"):
		u.Status = store.DeliveryFailed
		u.LastError += " (receiver asked to abort: webhook-delivery: abort-message)"
		return u, false
	}
	done := d.AttemptCount + 1
	maxAttempts := d.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = 1
	}
	if done >= maxAttempts {
		u.Status = store.DeliveryFailed
		return u, false
	}
	sch, err := ParseSchedule(d.Schedule)
	if err != nil || len(sch) == 0 {
		sch = DefaultSchedule
	}
	// The schedule is aligned to the end of the attempt budget, so a
	// replay (which adds attempts and a schedule) starts at its beginning.
	idx := len(sch) - (maxAttempts - done)
	idx = max(0, min(idx, len(sch)-1))
	delay := sch[idx]
	if jitter != nil {
		delay = jitter(delay)
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		if ra, ok := ParseRetryAfter(respHeader.Get("Retry-After"), now); ok {
			limit := max(sch.Max(), time.Second)
			delay = max(delay, min(ra, limit))
		}
	}
	u.Status = store.DeliveryPending
	u.NextAttemptAt = now.Add(delay)
	return u, false
}

func success(scheme string, status int) bool {
	if scheme == "bond" {
		return status == http.StatusOK || status == http.StatusCreated
	}
	return status >= 200 && status < 300
}

// target resolves where and how a delivery is sent: Delivery.URL is
// authoritative; the scheme and secrets come from the delivery (ad-hoc) or
// its subscription ("auto" = the event's provider's scheme), with the
// previous secret during a rotation grace period.
func (e *Engine) target(ctx context.Context, d *store.Delivery, ev *store.Event) (*store.Subscription, Target, error) {
	t := Target{URL: d.URL, Method: d.Method}
	var sub *store.Subscription
	if d.SubscriptionID != "" {
		s, err := e.subscription(ctx, d.SubscriptionID)
		if err != nil {
			return nil, t, transientError{fmt.Errorf("reading subscription: %w", err)}
		}
		sub = s
	}
	headers := map[string]string{}
	if sub != nil {
		for k, v := range sub.Headers {
			headers[k] = v
		}
		if t.Method == "" {
			t.Method = sub.Method
		}
		if t.URL == "" {
			t.URL = sub.CallbackURL
		}
	}
	for k, v := range d.Headers {
		headers[k] = v
	}
	t.Headers = headers
	switch {
	case d.Scheme != "":
		t.Scheme = d.Scheme
		t.Secrets = []string{d.Secret}
	case sub != nil:
		t.Scheme = sub.Scheme
		t.Secrets = []string{sub.Secret}
		if sub.PreviousSecret != "" && e.Now().Before(sub.PreviousSecretExpiresAt) {
			t.Secrets = append(t.Secrets, sub.PreviousSecret)
		}
	}
	if t.Scheme == "auto" || (t.Scheme == "" && sub != nil) {
		t.Scheme = e.SchemeFor(ev.Provider)
	}
	if t.URL == "" {
		return sub, t, errors.New("delivery has no URL")
	}
	return sub, t, nil
}

func (e *Engine) event(ctx context.Context, id string) (*store.Event, error) {
	if ev, ok := e.events.get(id); ok {
		return ev, nil
	}
	ev, err := e.Store.GetEvent(ctx, id)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			err = transientError{err}
		}
		return nil, fmt.Errorf("reading event: %w", err)
	}
	e.events.put(id, ev)
	return ev, nil
}

// subscriptionTTL bounds how stale a cached subscription may be (a
// rotated secret or new headers apply within it).
const subscriptionTTL = time.Second

func (e *Engine) subscription(ctx context.Context, id string) (*store.Subscription, error) {
	e.subsMu.Lock()
	c, ok := e.subs[id]
	e.subsMu.Unlock()
	if ok && time.Since(c.at) < subscriptionTTL {
		return c.s, nil
	}
	s, err := e.Store.GetSubscription(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		s, err = nil, nil // deleted since: send with what the delivery has
	}
	if err != nil {
		return nil, err
	}
	e.subsMu.Lock()
	if len(e.subs) > 1024 {
		clear(e.subs)
	}
	e.subs[id] = cachedSub{s: s, at: time.Now()}
	e.subsMu.Unlock()
	return s, nil
}

// disable turns a subscription off after 410 Gone.
func (e *Engine) disable(ctx context.Context, id string) bool {
	s, err := store.UpdateSubscriptionFunc(ctx, e.Store, id, func(s *store.Subscription) error {
		if s.Status == store.StatusDisabled {
			return store.ErrNoChange
		}
		s.Status = store.StatusDisabled
		return nil
	})
	if err != nil || s == nil {
		return false
	}
	e.subsMu.Lock()
	e.subs[id] = cachedSub{s: s, at: time.Now()}
	e.subsMu.Unlock()
	return true
}

// lru is a small bounded cache (FIFO eviction is enough: deliveries of
// one event are claimed close together).
type lru[V any] struct {
	mu   sync.Mutex
	m    map[string]V
	keys []string
	next int
}

func newLRU[V any](n int) *lru[V] {
	return &lru[V]{m: make(map[string]V, n), keys: make([]string, max(n, 16))}
}

func (c *lru[V]) get(k string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *lru[V]) put(k string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; ok {
		c.m[k] = v
		return
	}
	if old := c.keys[c.next]; old != "" {
		delete(c.m, old)
	}
	c.keys[c.next] = k
	c.next = (c.next + 1) % len(c.keys)
	c.m[k] = v
}

// Wake makes an idle engine look for due deliveries now (new work was
// enqueued).
func (e *Engine) Wake() {
	e.init()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// OwnerID returns the engine's lease owner id.
func (e *Engine) OwnerID() string {
	e.init()
	return e.Owner
}

// Lead is how far a producer may run ahead of the engine (deliveries
// enqueued but not yet claimed): enough to keep every worker busy, small
// enough that primed events are still cached when claimed.
func Lead(concurrency int) int { return 16*concurrency + 512 }

// Claimed is the number of claims this engine made.
func (e *Engine) Claimed() int64 { return e.claimed.Load() }

// Finished is the number of deliveries this engine brought to a final state.
func (e *Engine) Finished() int64 { return e.finished.Load() }

// Prime puts an event the caller just created into the engine's cache,
// saving a read per delivery.
func (e *Engine) Prime(ev *store.Event) {
	e.init()
	e.events.put(ev.ID, ev)
}

// Config is what commands choose about an engine.
type Config struct {
	Timeout     time.Duration // per attempt, connect and total (default 10s)
	Concurrency int           // attempts in flight (default 8)
	Version     string        // for User-Agent: hookctl/VERSION
	RunID       string        // claim only this run's deliveries
	OnResult    func(Result)
}

// New returns an engine over st sending with a fresh HTTP client.
func New(st store.Store, c Config) *Engine {
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 8
	}
	v := c.Version
	if v == "" {
		v = "dev"
	}
	return &Engine{
		Store:       st,
		Sender:      &Sender{Client: NewHTTPClient(c.Timeout, c.Concurrency), UserAgent: "hookctl/" + v},
		Concurrency: c.Concurrency,
		RunID:       c.RunID,
		OnResult:    c.OnResult,
	}
}
