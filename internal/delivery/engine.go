package delivery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
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
	// NotSent: no request was made (the subscription is disabled, the
	// event or the target could not be read); the attempt records why.
	NotSent bool
	// StoppedListen: not sent because the subscription is that of a
	// hookctl listen that stopped (disabled until it runs again): where
	// it listened (":8787", else its URL), for a hint to start it again.
	StoppedListen string
	// LeaseLost: another worker took the delivery meanwhile; this
	// attempt was kept but decided nothing.
	LeaseLost bool
	// Err is a store error while recording (the delivery stays leased
	// until its lease expires, then is retried: at-least-once).
	Err error
	// At is the time the retry delay of a line is counted from (zero:
	// now): the end of an attempt printed later (deliveries tail).
	At time.Time
	// BudgetRaised: a replay raised the delivery's attempt budget after
	// this attempt (deliveries tail printing a past one), so
	// Delivery.MaxAttempts is not the budget it was made under: the line
	// says "attempt n", not n/N.
	BudgetRaised bool
}

// Engine is the outbox worker pool: it claims due pending deliveries with
// a lease, sends up to Concurrency at once, records each attempt and
// finishes the delivery or schedules the next attempt.
type Engine struct {
	Store  store.Store
	Sender *Sender
	// Insecure: Sender accepts any TLS certificate (Config.Insecure);
	// each attempt it sends is recorded so (store.Attempt.Insecure).
	Insecure bool
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
	// Now is the clock (SteadyClock(time.Now) by default).
	Now func() time.Time
	// Jitter spreads retry delays (Jitter by default).
	Jitter func(time.Duration) time.Duration
	// SchemeFor maps a provider to its scheme for "auto" subscriptions.
	SchemeFor func(provider string) string
	// OnResult is called after each attempt, from worker goroutines.
	OnResult func(Result)
	// Unsent, when set, takes the deliveries Run was handed but did not
	// send when it stopped (Ctrl-C, --wait), still leased to the engine,
	// instead of the default release (free and due now, for a worker):
	// an interrupted replay puts them back as they were. It returns the
	// store's error when it did not put them all back; a transient one
	// (store.IsTransient) makes the engine call it again with the same
	// deliveries, within the store's patience (putBackPatience), so it
	// must put back only what is still leased here and unsent. What it
	// could not put back in the end is its to report.
	Unsent func(ctx context.Context, ds []*store.Delivery) error
	// OnClaimError, when set, makes the engine outlive store outages (a
	// long-running worker): each failed claim is reported with the wait
	// before the next try, which doubles from Poll up to 5 s. When nil,
	// Run gives up after 20 consecutive failures (trigger, replay). A
	// store file deleted or replaced (store.IsGone) ends Run either way.
	OnClaimError func(err error, wait time.Duration)
	// StoreWait, when set (and OnClaimError is not), makes claims wait
	// for a store that went away, within its patience, instead of giving
	// up after 20 tries (trigger and replay through a PostgreSQL restart).
	// With OnClaimError it only hears when such an outage starts and ends
	// (StoreWait.Down, Ok): serve says so once, not at every claim.
	StoreWait *StoreWait
	// RecordWait, when set, makes the group-commit recorder keep a batch
	// of attempts and write it again once a store that went away is back
	// (within its patience), instead of dropping it from the log (the
	// deliveries were then sent again). Not the same StoreWait as
	// StoreWait's: it is used from the recorder's goroutine.
	RecordWait *StoreWait
	// Intercept, when set, wraps each attempt: it is given the delivery
	// and the send it may call (or not), and returns what the attempt
	// recorded. `serve` injects faults with it (a forced status, a delay,
	// a dropped connection); nil costs the normal path one comparison.
	Intercept func(ctx context.Context, d *store.Delivery, send SendFunc) (*store.Attempt, http.Header, error)

	// Deliveries that reached a final state here, by state (Finished is
	// their sum): a run's summary counts them, as deleted ones (a store
	// prune meanwhile) are no longer in the store to count.
	succeeded, failed atomic.Int64
	// recordErr: a batch of attempts could not be recorded (the store
	// refused it past RecordWait's patience). Run then stops sending:
	// what it sent could not be logged, and would be sent again.
	recordErr atomic.Pointer[error]
	// recordDown: the recorder is waiting for the store (RecordWait).
	recordDown atomic.Bool
	// claimsGaveUp: claims waited for the store past StoreWait's
	// patience and Run stopped: the workers waiting for the store send
	// nothing more (their deliveries stay pending, for a worker).
	claimsGaveUp atomic.Bool
	claimed      atomic.Int64 // claims made (attempts started)
	// unrecorded: requests sent whose attempt the store refused because
	// its file is gone (store.IsGone): see SentUnrecorded.
	unrecorded atomic.Int64
	// handed-over deliveries given back unsent (lease too close to its
	// end, taken by another process): Drive's back-pressure counts them
	// as taken, or a producer waiting for this engine to claim them would
	// wait for ever when another worker took them.
	gaveBack atomic.Int64

	running   atomic.Bool // Run is running: Enqueue hands deliveries over
	ownedMu   sync.Mutex
	owned     []job // deliveries created leased to this engine, not yet sent
	ownedHead int
	// letGo: with Unsent, the pending deliveries given back to the claim
	// path unsent while still leased here (their lease could not be
	// renewed), until claimed back (under ownedMu; see giveBack).
	letGo map[string]*store.Delivery

	// Lease heartbeats (leases.go), when the store can extend leases.
	extender store.LeaseExtender
	// renewer: the extender tells apart the rows it could not look at
	// (store.LeaseRenewer: PostgreSQL's, locked by another transaction).
	renewer store.LeaseRenewer
	// waiter: the renewer can also wait for a busy row's lock
	// (store.LeaseWaiter; the heartbeat's, see waitBusy), waiting: the
	// deliveries a renewal waits for now, each with its cancel (under
	// heldMu).
	waiter  store.LeaseWaiter
	waiting map[string]*context.CancelFunc
	// extendMu: one lease extension at a time (the heartbeat's, a late
	// renewal's). Each skips rows another has locked (SKIP LOCKED), and
	// a renewal takes a row it did not get back, nor as busy, for
	// another process's.
	extendMu  sync.Mutex
	heldMu    sync.Mutex
	held      map[string]time.Time // delivery ID → lease end
	lateRetry time.Time            // no lease renewal before (renewLate; the dispatcher's)
	// lateBusy: the last renewal answered, but could not look at some
	// rows (busy): until lateRetry late jobs wait in the queue rather
	// than be given back as when the store did not answer (the
	// dispatcher's).
	lateBusy   bool
	heartbeats atomic.Int64
	busyWaits  atomic.Int64 // waiting renewals of busy leases started (waitBusy)
	heldGuards atomic.Int64 // renewals holding the rows started (holdLeases)
	guarding   atomic.Bool  // one runs

	// While a claim runs (claiming > 0), the deliveries whose attempt was
	// recorded meanwhile, with their attempt count after it (under
	// heldMu; see claim).
	claiming      int
	settledDuring map[string]int

	wake     chan struct{}
	recordCh chan recordReq // group-commit recorder, while Run runs
	initOnce sync.Once
	events   *lru[cachedEvent]
	// eventRereads counts the events read again at send time because the
	// copy at hand was older than eventTTL (expunge.go).
	eventRereads atomic.Int64
	markReads    atomic.Int64
	expMu        sync.Mutex
	exp          expungeState
	subsMu       sync.Mutex
	subs         map[string]cachedSub
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
		if ext, ok := e.Store.(store.LeaseExtender); ok {
			e.extender = ext
			e.renewer, _ = ext.(store.LeaseRenewer)
			if e.renewer != nil {
				e.waiter, _ = ext.(store.LeaseWaiter)
			}
			e.held = map[string]time.Time{}
		}
		if e.Lease <= 0 && e.extender != nil {
			e.Lease = HeartbeatLease
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
			e.Now = SteadyClock(time.Now)
		}
		if e.Jitter == nil {
			e.Jitter = Jitter
		}
		if e.SchemeFor == nil {
			e.SchemeFor = SchemeFor
		}
		e.wake = make(chan struct{}, 1)
		e.events = newLRU[cachedEvent](Lead(e.Concurrency) + 4*e.Concurrency)
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
	// The heartbeat outlives the recorder: attempts waiting to be
	// recorded are still in flight.
	stopHeartbeat := e.startHeartbeat(sendCtx)
	defer stopHeartbeat()
	stopRecorder := e.startRecorder(sendCtx)
	defer stopRecorder()
	for range e.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				e.process(sendCtx, j)
				<-slots
			}
		}()
	}
	defer wg.Wait()
	defer close(work)
	e.running.Store(true)
	defer e.releaseOwned() // after running is false: nothing is handed over any more
	defer e.running.Store(false)
	var pf prefetch
	defer pf.wait() // first: what it claims is queued before releaseOwned
	var claimErrs int
	full := false // the last claim filled every free slot: work is flowing
	for {
		// Wait for a free slot.
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		if p := e.recordErr.Load(); p != nil {
			return fmt.Errorf("recording attempts: %w", *p)
		}
		free := 1 + grab(slots, e.Concurrency-1)
		// Deliveries this engine created and holds go first, at once.
		if n := e.dispatchOwned(work, free); n > 0 {
			for range free - n {
				<-slots
			}
			if full {
				pf.start(ctx, e)
			}
			continue
		}
		// A claim running in the background: its deliveries first.
		if pf.wait() {
			if n := e.dispatchOwned(work, free); n > 0 {
				for range free - n {
					<-slots
				}
				continue
			}
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
		// With heartbeats a claim may take more than the free slots:
		// the rest wait in the owned queue, their leases kept alive, so
		// one claim round trip serves several rounds of sends.
		limit := free
		if e.extender != nil {
			limit += max(0, claimAhead*e.Concurrency-e.ownedLen())
		}
		ds, claimedAll, err := e.claim(ctx, limit)
		// A store that went away (StoreWait) is waited for here, with
		// the slots this claim holds: the workers send nothing while it
		// is down (process) and keep theirs, so a claim that first
		// waited for a free slot would never run to see it back, and
		// the run hung, its leases renewed (a PostgreSQL server with no
		// connection left for a moment, under handed-over work).
		for err != nil && e.StoreWait != nil && store.IsTransient(err) && ctx.Err() == nil {
			claimErrs++
			if e.OnClaimError == nil {
				if !e.StoreWait.Retry(ctx, err) {
					if ctx.Err() != nil {
						break
					}
					// Past the patience: trigger and replay stop.
					e.claimsGaveUp.Store(true)
					for range free {
						<-slots
					}
					return fmt.Errorf("claiming deliveries: %w", err)
				}
			} else {
				wait := claimBackoff(e.Poll, claimErrs)
				e.StoreWait.Down(err)
				e.OnClaimError(err, wait)
				sleep(ctx, wait)
			}
			ds, claimedAll, err = e.claim(ctx, limit)
		}
		for range free - min(len(ds), free) {
			<-slots
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if store.IsGone(err) {
				// The store file was deleted or replaced (a guarded
				// SQLite store): nothing sent from here on could be
				// recorded, and waiting does not bring it back.
				return fmt.Errorf("claiming deliveries: %w", err)
			}
			claimErrs++
			if e.OnClaimError == nil && e.StoreWait.Retry(ctx, err) {
				continue
			}
			if e.OnClaimError == nil {
				if claimErrs >= 20 {
					return fmt.Errorf("claiming deliveries: %w", err)
				}
				sleep(ctx, e.Poll)
				continue
			}
			wait := claimBackoff(e.Poll, claimErrs)
			e.StoreWait.Down(err)
			e.OnClaimError(err, wait)
			sleep(ctx, wait)
			continue
		}
		claimErrs = 0
		e.StoreWait.Ok()
		full = claimedAll >= free
		sent := 0
		var ahead []job
		// (What the claim only renewed, ours already, is not in ds:
		// the slots it would have taken were given back above.)
		for i, d := range ds {
			if i < free {
				work <- job{d: d}
				sent++
			} else {
				ahead = append(ahead, job{d: d})
			}
		}
		e.claimed.Add(int64(sent))
		if len(ahead) > 0 {
			e.ownedMu.Lock()
			e.owned = append(e.owned, ahead...)
			e.ownedMu.Unlock()
		}
		if claimedAll == 0 {
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
	// read is when ev was read from the store (or created): one read
	// before the store's expunge mark changed is read again (expunge.go).
	read time.Time
	// manual: the delivery was handed over by a requeue (Requeue,
	// RequeueMatching: a replay, a resend) or by EnqueueManual, so the
	// attempt made of it now is one somebody asked for
	// (store.Attempt.Manual). Claimed deliveries (retries, other
	// processes' work, and one whose lease ran short before it was sent,
	// left to the claim path by dispatchOwned) and Enqueue's fresh ones
	// are the schedule's.
	manual bool
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
// poll, doubling, at most 5 s.
func claimBackoff(poll time.Duration, n int) time.Duration {
	const max = 5 * time.Second // a store back from an outage is used within 5 s
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
func (e *Engine) process(ctx context.Context, j job) {
	// While the store cannot record attempts (the recorder, or any other
	// part of the run, waits for it), nothing more is sent: an attempt
	// must be logged, and the recorder's queue let workers go on sending
	// hundreds that then waited, or were lost with a run that gave up.
	for (e.recordDown.Load() || e.RecordWait.Waiting()) && e.recordErr.Load() == nil && !e.claimsGaveUp.Load() {
		sleep(ctx, 10*time.Millisecond)
	}
	if e.claimsGaveUp.Load() {
		e.release(j.d.ID)
		return
	}
	d, ev := j.d, j.ev
	res := Result{Delivery: d}
	var (
		attempt    *store.Attempt
		respHeader http.Header
		target     Target
		sub        *store.Subscription
		permanent  bool // retrying cannot help: fail now
	)
	var err error
	if ev != nil && e.suspect(ctx, j.read) {
		ev, err = e.fresh(ctx, ev)
	}
	if ev == nil && err == nil {
		ev, err = e.event(ctx, d.EventID)
	}
	if err == nil {
		res.Event = ev
		if _, expunged := ev.Expunged(); expunged {
			// Its payload was expunged (a replay or resend of it since):
			// nothing is sent, the attempt is recorded unsent.
			err = errExpunged
		}
	}
	if err == nil {
		sub, target, err = e.target(ctx, d, ev)
	}
	if err == nil && d.SubscriptionID != "" && sub == nil {
		// Its subscription was deleted since the claim: the delete
		// failed the delivery and took its lease (store.Store's
		// DeleteSubscription), so nothing is sent to the endpoint the
		// user removed, and nothing is recorded.
		e.release(d.ID)
		return
	}
	if err == nil && sub != nil && sub.Status == store.StatusDisabled && target.URL == sub.CallbackURL {
		// Disabled since the delivery was created (another process,
		// serve's API, a 410 Gone): the endpoint receives nothing until
		// it is enabled again. The attempt is recorded unsent and the
		// delivery fails (replay --failed sends it once enabled), but
		// for the subscription of a listen that stopped (listen
		// disables it on exit and enables it on start): like an
		// endpoint that is down, it follows its schedule, and a listen
		// restarted in time gets it.
		err = errSubscriptionDisabled
		if sub.Metadata["created_by"] == "listen" { // listen.MetaCreatedBy
			err = transientError{err}
			res.StoppedListen = sub.CallbackURL
			if p := sub.Metadata["listen_port"]; p != "" { // listen.MetaPort
				res.StoppedListen = ":" + p
			}
		}
	}
	if err == nil {
		err = e.idHeaders(ctx, d, ev, sub, &target)
		slackRetryHeaders(d, &target)
	}
	if err != nil {
		attempt = &store.Attempt{StartedAt: e.Now(), RequestURL: d.URL, Error: err.Error()}
		permanent = !isTransient(err)
		res.NotSent = true
	} else {
		var prepErr error
		if e.Intercept != nil {
			attempt, respHeader, prepErr = e.Intercept(ctx, d, func() (*store.Attempt, http.Header, error) {
				return e.Sender.Send(ctx, ev, target)
			})
		} else {
			attempt, respHeader, prepErr = e.Sender.Send(ctx, ev, target)
		}
		permanent = prepErr != nil
	}
	attempt.DeliveryID, attempt.DeliverySeq = d.ID, d.Seq
	attempt.Number = d.AttemptCount + 1
	attempt.Manual = j.manual
	attempt.Insecure = e.Insecure && !res.NotSent
	res.Attempt = attempt
	u, disable := Decide(d, target.Scheme, attempt, respHeader, e.Now(), e.Jitter)
	// A 410 disables the subscription only when it came from the
	// subscription's own endpoint: not from replay --to's URL, nor from
	// a URL the subscription has moved away from since.
	disable = disable && sub != nil && target.URL == sub.CallbackURL
	if disable {
		u.LastError += ", subscription disabled"
	}
	if permanent {
		u = store.DeliveryUpdate{Status: store.DeliveryFailed, LastError: attempt.Error}
	}
	u.RunID = e.RunID
	e.record(ctx, attempt, u, func(rerr error) {
		e.settle(ctx, res, d, sub, u, disable, rerr)
	})
}

// settle reports an attempt once it is recorded (or failed to be).
func (e *Engine) settle(ctx context.Context, res Result, d *store.Delivery, sub *store.Subscription, u store.DeliveryUpdate, disable bool, rerr error) {
	// Recorded: the store released the lease. Lost, or not recorded:
	// it is no longer kept alive, and ends on its own.
	e.settled(d.ID, d.AttemptCount+1, rerr == nil)
	switch {
	case errors.Is(rerr, store.ErrLeaseLost):
		res.LeaseLost = true
	case rerr != nil:
		res.Err = rerr
		if !res.NotSent && store.IsGone(rerr) {
			e.unrecorded.Add(1)
		}
	default:
		nd := *d
		nd.AttemptCount = res.Attempt.Number
		nd.Status = u.Status
		nd.NextAttemptAt = u.NextAttemptAt
		nd.LastError = u.LastError
		nd.LastStatus = u.LastStatus
		if u.RunID != "" {
			nd.RunID = u.RunID
		}
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
		if res.Delivery.Status == store.DeliverySucceeded {
			e.succeeded.Add(1)
		} else {
			e.failed.Add(1)
		}
		e.Wake() // the run may be complete: let Run see it now
	}
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

// taken is how many deliveries this engine took off its queue: claimed
// (sent) or given back to the outbox unsent.
func (e *Engine) taken() int64 { return e.claimed.Load() + e.gaveBack.Load() }

// SentUnrecorded is the number of requests this engine sent whose attempt
// could not be recorded because the store's file was deleted or replaced
// meanwhile (a guarded SQLite store, store.GuardWrites): the run stops at
// the first such write, and these are what it sent without a record.
func (e *Engine) SentUnrecorded() int64 { return e.unrecorded.Load() }

// Finished is the number of deliveries this engine brought to a final state.
func (e *Engine) Finished() int64 { return e.succeeded.Load() + e.failed.Load() }

// Prime puts an event the caller just created into the engine's cache,
// saving a read per delivery.
func (e *Engine) Prime(ev *store.Event) {
	e.init()
	e.putEvent(ev)
}

// Config is what commands choose about an engine.
type Config struct {
	Timeout     time.Duration // per attempt, connect and total (default 10s)
	Concurrency int           // attempts in flight (default 8)
	Version     string        // for User-Agent: hookctl/VERSION
	RunID       string        // claim only this run's deliveries
	OnResult    func(Result)
	Unsent      func(ctx context.Context, ds []*store.Delivery) error // see Engine.Unsent
	// Insecure accepts any TLS certificate (replay --insecure: an https
	// app with a self-signed one, as listen --skip-verify forwards to).
	Insecure bool
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
	client := NewHTTPClient(c.Timeout, c.Concurrency)
	if c.Insecure {
		SkipTLSVerify(client)
	}
	return &Engine{
		Store:       st,
		Sender:      &Sender{Client: client, UserAgent: "hookctl/" + v},
		Insecure:    c.Insecure,
		Concurrency: c.Concurrency,
		RunID:       c.RunID,
		OnResult:    c.OnResult,
		Unsent:      c.Unsent,
	}
}

// SendFunc sends one attempt (Sender.Send bound to its event and target).
type SendFunc func() (*store.Attempt, http.Header, error)

// ListenEventIDHeader carries the event id of a delivery to a listen
// subscription (one `hookctl listen` made for itself) whose scheme has no
// id header of its own (Bond, Mono, Stripe…) or one that names the
// delivery rather than the event (Mambu's notification key): listen knows hookctl's own
// event by it (one event, one history, the forward linked to the
// delivery), then drops it: the app behind listen never sees it, nor any
// other receiver. Between hookctl and its own listener only.
const ListenEventIDHeader = "X-Hookctl-Event-Id"

// idHeaders adds to a delivery's headers, for a scheme without an id
// header of its own, the event id for hookctl's own listener
// (ListenEventIDHeader). Nothing is read from the store: a delivery first
// sent by an older hookctl, which added Idempotency-Key to these schemes,
// is retried and replayed without it (re-signed, the body as first sent,
// like every replay); reading its first attempt for the header would cost
// a store read per attempt on the default provider's retries and replays.
func (e *Engine) idHeaders(_ context.Context, _ *store.Delivery, ev *store.Event, sub *store.Subscription, t *Target) error {
	// Mambu's id header names the notification (one per subscription:
	// signature.MambuNotificationKey), not the event: its listener needs
	// the event id too.
	if ev.Source == store.SourceReceived || IDHeader(t.Scheme) != "" && t.Scheme != "mambu" {
		return nil
	}
	if sub == nil || sub.Metadata["created_by"] != "listen" || t.URL != sub.CallbackURL { // listen.MetaCreatedBy
		return nil
	}
	for hk := range t.Headers {
		if strings.EqualFold(hk, ListenEventIDHeader) {
			return nil // the subscription's or the delivery's own
		}
	}
	if t.Headers == nil {
		t.Headers = map[string]string{}
	}
	t.Headers[ListenEventIDHeader] = ev.ID
	return nil
}

// slackRetryHeaders adds what Slack sends on each retry of an event (its
// Events API): X-Slack-Retry-Num, the retry's number (1 for the first
// retry), and X-Slack-Retry-Reason, why the previous attempt failed
// (http_error for an answer other than 2xx, http_timeout,
// connection_failed, ssl_error, unknown_error). A first attempt has
// neither. The subscription's or the delivery's own headers win.
func slackRetryHeaders(d *store.Delivery, t *Target) {
	if t.Scheme != "slack" || d.AttemptCount == 0 {
		return
	}
	for k := range t.Headers {
		if strings.EqualFold(k, "X-Slack-Retry-Num") || strings.EqualFold(k, "X-Slack-Retry-Reason") {
			return
		}
	}
	reason := "unknown_error"
	e := strings.ToLower(d.LastError)
	switch {
	case d.LastStatus != 0:
		reason = "http_error"
	case strings.Contains(e, "timeout"):
		reason = "http_timeout"
	case strings.Contains(e, "certificate") || strings.Contains(e, "tls") || strings.Contains(e, "x509"):
		reason = "ssl_error"
	case strings.Contains(e, "refused") || strings.Contains(e, "dial") || strings.Contains(e, "no such host") || strings.Contains(e, "closed the connection") || strings.Contains(e, "reset"):
		reason = "connection_failed"
	}
	if t.Headers == nil {
		t.Headers = map[string]string{}
	}
	t.Headers["X-Slack-Retry-Num"] = strconv.Itoa(d.AttemptCount)
	t.Headers["X-Slack-Retry-Reason"] = reason
}
