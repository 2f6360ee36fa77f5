// Package replay implements `hookctl replay`.
package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/cmd/subscriptions"
	"github.com/hookctl/hookctl/cmd/trigger"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
	"github.com/hookctl/hookctl/internal/ui"
)

// Options are the parsed flags of `hookctl replay`.
type Options struct {
	Factory *cli.Factory
	IO      *ui.IOStreams

	IDs          []string
	Failed       bool
	Pending      bool
	EventPattern string
	Subscription string
	Since        cli.Moment
	Until        cli.Moment
	Limit        int
	To           string
	ToCurrent    bool
	DryRun       bool
	Force        bool
	Yes          bool
	Verbose      bool
	Concurrency  int
	Timeout      time.Duration
	Insecure     bool
	Retry        delivery.ScheduleOptions
}

// NewCmd returns `hookctl replay`.
func NewCmd(f *cli.Factory) *cobra.Command { return newCmd(f, nil) }

func newCmd(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	c := &cobra.Command{
		Use:   "replay {<delivery-id>... | --failed | --pending} [flags]",
		Short: "Resend deliveries with the exact body first sent",
		Long: `Resend deliveries: the body exactly as first sent, the same event id
(idempotency key), a fresh signature. Attempts are appended to the same
delivery. One attempt per delivery unless a retry schedule is given.

Bulk replay (--failed or --pending, with filters) streams through the log,
so any number of deliveries replays with flat memory; it shows a progress
bar on a terminal and needs --yes when there is no terminal to confirm on
(unless --dry-run). A succeeded delivery is replayed only with --force.
--pending also takes over deliveries leased by a worker that died.

A delivery is resent to its URL, or to --to URL. Its URL follows its
subscription's (subscriptions update --url) while it is unfinished; one
that succeeded, or was replayed --to elsewhere, keeps the URL it was sent
to. --to-current sends each to its subscription's URL now (a forward
listen recorded, and a delivery whose subscription was deleted, keep
their own).

Exit status: 0 when every replayed delivery succeeded, 1 when any is still
failed (or a delivery is not found), 2 for bad usage, 3 when the store
cannot be used, 130 when interrupted (Ctrl-C; 143 after SIGTERM, 129 after
SIGHUP), 141 when the reader of its stdout left (| head -1: the replay stops
as on Ctrl-C).`,
		Example: `  hookctl replay 3f2a9c1e
  hookctl replay --failed --yes
  hookctl replay --failed --since 1h --event 'card.*' --dry-run
  hookctl replay --failed --subscription 8d1c --to http://localhost:3001/webhooks --yes
  hookctl replay --failed --subscription 8d1c --to-current --yes
  hookctl replay 3f2a9c1e --force --retry-schedule 0s,1s,5s`,
		Args:              cli.NonEmptyIDs("delivery", cobra.ArbitraryArgs),
		ValidArgsFunction: cli.CompleteReplayIDs(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO = f.IOStreams
			opts.IDs = args
			bulk := opts.Failed || opts.Pending
			switch {
			case len(args) == 0 && !bulk:
				return cli.Usagef("nothing to replay: give delivery IDs, --failed or --pending").
					Hint("find them with: hookctl deliveries list --status failed")
			case len(args) > 0 && bulk:
				return cli.Usagef("give delivery IDs or --failed/--pending, not both").
					Hint("replay these deliveries: hookctl replay ID...; or every failed one: hookctl replay --failed")
			case opts.Failed && opts.Pending:
				return cli.Usagef("--failed and --pending cannot be used together: run them one after the other").
					Hint("hookctl replay --failed, then hookctl replay --pending")
			case !bulk && (opts.EventPattern != "" || opts.Subscription != "" || !opts.Since.IsZero() || !opts.Until.IsZero() || opts.Limit != 0):
				return cli.Usagef("--event, --subscription, --since, --until and --limit filter a bulk replay: add --failed or --pending").
					Hint("e.g. hookctl replay --failed --event 'card.*' --since 1h")
			case opts.Concurrency < 1:
				return cli.Usagef("invalid --concurrency %d: want 1 or more", opts.Concurrency).
					Hint("e.g. --concurrency 8 (the default)")
			case opts.Timeout <= 0:
				return cli.Usagef("invalid --timeout %s: want a positive duration", opts.Timeout).
					Hint("e.g. --timeout 10s (the default) or --timeout 30s")
			case opts.ToCurrent && c.Flags().Changed("to"):
				return cli.Usagef("--to and --to-current cannot be used together: give one").
					Hint("--to URL sends to that URL; --to-current sends each delivery to its subscription's URL now")
			case opts.Limit < 0:
				return cli.Usagef("--limit must not be negative").Hint("--limit N replays at most N deliveries; leave it out (or 0) for all that match")
			}
			if err := cli.CheckEventFilter("--event", opts.EventPattern); err != nil {
				return err
			}
			if err := cli.NonEmptyFlags(c, "subscription", "event", "to"); err != nil {
				return err
			}
			if opts.To != "" {
				u, err := trigger.NormalizeURL(opts.To, "--to")
				if err != nil {
					return trigger.URLError(err, "--to", "e.g. --to http://localhost:3000/webhooks, or a port alone: --to 3000")
				}
				opts.To = u
			}
			if bulk && !opts.Yes && !opts.DryRun && !opts.IO.CanPrompt() {
				without := "without a terminal"
				if opts.IO.NoPromptJSON() {
					without = "with -o json" // on a terminal, but never prompting
				}
				return cli.Usagef("bulk replay %s needs --yes", without).
					Hint("preview first: hookctl replay %s --dry-run", bulkFlag(opts))
			}
			if runF != nil {
				return runF(opts)
			}
			return run(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.BoolVar(&opts.Failed, "failed", false, "replay every failed delivery (with the filters)")
	fl.BoolVar(&opts.Pending, "pending", false, "replay every pending delivery now (with the filters)")
	fl.StringVar(&opts.EventPattern, "event", "", "only events of this type or `pattern` (card.*)")
	fl.StringVar(&opts.Subscription, "subscription", "", "only deliveries of this subscription `id`")
	cli.MomentVar(fl, &opts.Since, "since", "only deliveries created since this `time`: a duration ago (1h, 7d) or an RFC 3339 date or time")
	cli.MomentVar(fl, &opts.Until, "until", "only deliveries created before this `time`: a duration ago (1h, 7d) or an RFC 3339 date or time")
	fl.IntVar(&opts.Limit, "limit", 0, "replay at most `n` deliveries (oldest first)")
	fl.StringVar(&opts.To, "to", "", "send to this `url` instead (e.g. a local build of the app)")
	fl.BoolVar(&opts.ToCurrent, "to-current", false, "send each delivery to its subscription's URL now (after subscriptions update --url), not the one it was sent to")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "list what would be replayed, send nothing")
	fl.BoolVar(&opts.Force, "force", false, "also replay deliveries that succeeded")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	fl.BoolVarP(&opts.Verbose, "verbose", "v", false, "print every attempt of a bulk replay on a terminal (default: a progress line and the failures)")
	fl.IntVarP(&opts.Concurrency, "concurrency", "c", 8, "`n` deliveries in flight at once")
	fl.DurationVar(&opts.Timeout, "timeout", delivery.DefaultTimeout, "give up on an attempt after `duration` (connect and total)")
	fl.BoolVarP(&opts.Insecure, "insecure", "k", false, "accept any TLS certificate (an https app with a self-signed one, as listen --skip-verify)")
	trigger.AddRetryFlags(c, &opts.Retry)
	// Without the retry flags a replay sends each delivery once.
	c.Flags().Lookup("retry-schedule").DefValue = delivery.Schedule{0}.String()
	_ = c.RegisterFlagCompletionFunc("subscription", cli.CompleteSubscriptionIDs(f))
	_ = c.RegisterFlagCompletionFunc("event", cli.CompleteEventPatterns(f))
	return c
}

func bulkFlag(o *Options) string {
	if o.Pending {
		return "--pending"
	}
	return "--failed"
}

func (o *Options) filter(ctx context.Context, st store.Store, now time.Time) (store.DeliveryFilter, error) {
	// Listen's forwards of deliveries hookctl sent are replayed through
	// their origin (which goes through listen again): each event once.
	// hookctl check's probes are test requests, some invalid on purpose
	// (tampered, stale, wrong secret): resent freshly signed, the app
	// would act on them. Named by ID, they are replayed.
	f := store.DeliveryFilter{EventPattern: o.EventPattern, Limit: o.Limit, ExcludeLinked: true, ExcludeProbes: true}
	if o.Failed {
		f.Status = store.DeliveryFailed
	} else {
		f.Status = store.DeliveryPending
	}
	var err error
	if o.Subscription != "" {
		// A deleted subscription's deliveries keep its id (and are
		// replayed as they were sent: see store.Store.DeleteSubscription).
		if f.SubscriptionID, _, err = store.SubscriptionFilterID(ctx, st, o.Subscription); err != nil {
			return f, err
		}
	}
	f.Since, f.Until, err = cli.Window(o.Since, o.Until, now)
	return f, err
}

func run(ctx context.Context, opts *Options) error {
	ios := opts.IO
	sch, err := opts.Retry.Resolve(delivery.Schedule{0})
	if err != nil {
		return cli.RetryUsage(err) // with did you mean for a profile
	}
	now := opts.Factory.Now()
	if _, _, err := cli.Window(opts.Since, opts.Until, now); err != nil {
		return err // bad usage before the store is opened
	}
	st, err := opts.Factory.ExistingStore(ctx)
	if err != nil {
		return err
	}
	// A store file deleted or replaced during the run: every write checks
	// it is in place (one stat per transaction, none per request), so the
	// replay stops at the first one refused (as trigger does).
	store.GuardWrites(st)
	bulk := len(opts.IDs) == 0

	// What to replay: explicit IDs (resolved now), or a filter walked
	// through a cursor.
	var ids []string
	var filter store.DeliveryFilter
	var total int64
	// The requeue itself skips what a live process holds (store.Requeue's
	// Unheld: a worker that claims a delivery after it was read here keeps
	// it); the leases of holders found dead here are taken over.
	dead := map[string]bool{}
	// Lease ends are on the store's clock (PostgreSQL: the server's),
	// which this machine's may be off from: compared with it as is, a
	// machine ahead took a live holder's lease for run out.
	skew := store.Skew(ctx, st)
	leaseNow := func() time.Time { return opts.Factory.Now().Add(skew) }
	// Interrupted, a replay puts what it requeued but did not send back
	// as it was (store.UnsentRestorer): priors holds the deliveries of a
	// replay of IDs, of --pending, or of --failed --to as read before
	// their requeue, until an attempt is made. (A plain --failed returns
	// them failed, which they were: its bulk requeue on PostgreSQL reads
	// nothing first. With --to it reads each first: returned failed, the
	// ones never sent kept the --to URL, and a later plain replay sent
	// them there.)
	var priorMu sync.Mutex
	var priors map[string]*store.Delivery
	if !opts.Failed || opts.To != "" || opts.ToCurrent {
		priors = map[string]*store.Delivery{}
	}
	// With --to-current, where each delivery goes: its subscription's
	// URL now (read once per subscription), noted as it is read and
	// used by its requeue.
	cur := &currentURLs{}
	targets := map[string]string{} // delivery id → URL ("": its own)
	noteTarget := func(d *store.Delivery) (err error) {
		if opts.ToCurrent {
			targets[d.ID], err = cur.url(ctx, st, d)
		}
		return err
	}
	keepPrior := func(d *store.Delivery) {
		if priors != nil {
			priorMu.Lock()
			priors[d.ID] = d
			priorMu.Unlock()
		}
	}
	noteDead := func(d *store.Delivery) {
		if d.Status == store.DeliveryPending && d.LeaseOwner != "" && d.LeaseExpiresAt.After(leaseNow()) && !dead[d.LeaseOwner] {
			dead[d.LeaseOwner] = true
		}
	}
	if bulk {
		if filter, err = opts.filter(ctx, st, now); err != nil {
			return err
		}
		counts, err := st.CountDeliveries(ctx, filter)
		if err != nil {
			return err
		}
		total = counts[filter.Status]
		if opts.Limit > 0 {
			total = min(total, int64(opts.Limit))
		}
	} else {
		seen := map[string]bool{}
		for _, id := range opts.IDs {
			d, err := st.GetDelivery(ctx, id)
			if err != nil {
				return cli.DeliveryOrEventID(ctx, st, id, err, "hookctl replay", true)
			}
			if d.Status == store.DeliverySucceeded && !opts.Force {
				return cli.Failf("delivery %s already succeeded", d.ID).Hint("replay it anyway with --force")
			}
			// A delivery another live process holds (a trigger or worker
			// sending it right now) is not taken from it: the requeue
			// would send a second copy at the same time and both would
			// number their attempt alike. A dead holder's is taken over.
			if delivery.LeaseHeldOn(st, d, leaseNow()) {
				return cli.Failf("delivery %s is being sent by another process (%s) right now", d.ID, d.LeaseOwner).
					Hint("wait for it (its lease runs until %s), then: hookctl deliveries show %s", d.LeaseExpiresAt.UTC().Format(time.RFC3339), d.ID)
			}
			noteDead(d)
			if !seen[d.ID] {
				seen[d.ID] = true
				ids = append(ids, d.ID)
				keepPrior(d)
				if err := noteTarget(d); err != nil {
					return err
				}
			}
		}
		total = int64(len(ids))
	}

	if opts.DryRun {
		return dryRun(ctx, opts, st, bulk, ids, filter, total)
	}
	if total == 0 {
		if ios.JSON() {
			// The document a replay prints, empty: a script reads
			// .deliveries[] and .run_id whether or not anything matched.
			return ui.WriteJSON(ios.Out, struct {
				RunID       string                  `json:"run_id"`
				ElapsedMS   int64                   `json:"elapsed_ms"`
				Interrupted bool                    `json:"interrupted"`
				NotSent     int                     `json:"not_sent"`
				Replayed    int                     `json:"replayed"`
				Events      []delivery.EventJSON    `json:"events"`
				Deliveries  []delivery.DeliveryJSON `json:"deliveries"`
				Summary     delivery.Counts         `json:"summary"`
			}{Events: []delivery.EventJSON{}, Deliveries: []delivery.DeliveryJSON{}})
		}
		fmt.Fprintf(ios.ErrOut, "Nothing to replay: no %s delivery matches\n", strings.TrimPrefix(bulkFlag(opts), "--"))
		if bulk {
			linkedHint(ctx, ios.ErrOut, st, filter)
		}
		cli.EventTypoHint(ios.ErrOut, opts.EventPattern)
		return nil
	}
	if bulk && !opts.Yes {
		// Ctrl-C or the end of input at the question is an interruption
		// (exit 130), as at every other prompt; nothing is replayed.
		ok, err := subscriptions.Confirm(ctx, ios, fmt.Sprintf("Replay %d %s %s?", total, filter.Status, plural(total, "delivery", "deliveries")))
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(ios.ErrOut, "Nothing replayed")
			return nil
		}
	}

	runID := delivery.NewRunID()
	progress := ios.NewProgress("replaying")
	showBar := bulk && progress.Enabled() && !ios.JSON() && !opts.Verbose
	// A reader that left the pipe (replay … | head -1) stops the replay
	// as Ctrl-C does (what it requeued and did not send goes back),
	// instead of SIGPIPE ending it mid-attempt with requests sent and
	// not recorded.
	ctx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	defer cli.SurviveClosedStdout()()
	stdout := &cli.StdoutWatch{W: ios.Out, Stop: stopRun}
	var rep *delivery.Reporter
	if !ios.JSON() {
		rep = &delivery.Reporter{W: stdout, Fit: cli.AttemptFit(ctx, ios, st, ios.OutWidth)}
		if !ios.IsStdoutTTY() {
			rep.Buffer = 100 * time.Millisecond // a pipe or file: fewer writes
		}
	}
	hints := &delivery.FailureHints{Max: 2}
	moved := &movedSubs{}
	// The attempts another process made of the replayed deliveries (a
	// worker sharing the store took a due retry) are printed too, as -o
	// json has them; not those from before the replay.
	var others *delivery.Elsewhere
	if rep != nil {
		others = &delivery.Elsewhere{Store: st, RunID: runID, Replay: true}
	}
	onResult := func(r delivery.Result) {
		for _, o := range others.Before(ctx, r) {
			hints.Note(o)
			if !showBar { // not final: with the bar, no line of its own
				rep.AttemptAt(o, o.At)
			}
		}
		hints.Note(r)
		if opts.To == "" && !opts.ToCurrent && r.Attempt != nil && r.Attempt.Manual && !r.NotSent && !r.LeaseLost && r.Delivery != nil {
			moved.note(r.Delivery, r.Attempt.RequestURL) // the replay's own attempt
		}
		if priors != nil { // attempted: no longer unsent
			priorMu.Lock()
			delete(priors, r.Delivery.ID)
			priorMu.Unlock()
		}
		if !showBar {
			rep.Attempt(r)
			return
		}
		// With the bar: only the failures, above it.
		if r.Final {
			ok := r.Delivery.Status == store.DeliverySucceeded
			if !ok && ios.IsStdoutTTY() {
				progress.Above(func() { rep.Attempt(r) })
			}
			progress.Add(ok)
		}
	}
	// Interrupted, a replay puts the deliveries it requeued but did not
	// send back as they were: left pending and due now, a worker would
	// send them after the Ctrl-C that meant "stop". One read before its
	// requeue (a replay of IDs, --pending) gets its prior state back
	// (UnsentRestorer: failed, succeeded, or pending on its own schedule);
	// any other (--failed, or one attempted here and claimed again for a
	// retry) is failed, its budget spent (UnsentReturner).
	//
	// The engine calls unsent again while the store's error is transient
	// (within its patience): what a try put back is no longer leased here,
	// so the next puts back only the rest. What was never put back (the
	// store failed past its patience) is said on stderr (notPutBack).
	var notSent atomic.Int64
	var e *delivery.Engine
	var unsent func(ctx context.Context, ds []*store.Delivery) error
	var notPut notPutBack
	restorer, _ := st.(store.UnsentRestorer)
	returner, _ := st.(store.UnsentReturner)
	if restorer != nil || returner != nil {
		unsent = func(ctx context.Context, ds []*store.Delivery) error {
			var prior []*store.Delivery
			rest := make([]string, 0, len(ds))
			priorMu.Lock()
			for _, d := range ds {
				if p := priors[d.ID]; p != nil && restorer != nil {
					prior = append(prior, p)
				} else {
					rest = append(rest, d.ID)
				}
			}
			priorMu.Unlock()
			var failed error
			var put []string
			if len(prior) > 0 {
				got, err := restorer.RestoreUnsent(ctx, e.Owner, prior)
				if store.IsTransient(err) && ctx.Err() == nil {
					// Tried again as a whole, not returned failed
					// (a succeeded one would no longer be as before).
					notPut.note(ds, nil, err)
					return err
				}
				back := make(map[string]bool, len(got))
				for _, id := range got {
					back[id] = true
				}
				put = append(put, got...)
				notSent.Add(int64(len(got)))
				for _, p := range prior {
					if err != nil || !back[p.ID] {
						rest = append(rest, p.ID)
					}
				}
			}
			if len(rest) > 0 && returner != nil {
				got, err := returner.ReturnUnsent(ctx, e.Owner, rest)
				put = append(put, got...)
				notSent.Add(int64(len(got)))
				failed = err
			} else if len(rest) > 0 {
				failed = errors.New("the store cannot return deliveries unsent")
			}
			notPut.note(ds, put, failed)
			return failed
		}
	}
	e = delivery.New(st, delivery.Config{Timeout: opts.Timeout, Concurrency: opts.Concurrency, Version: opts.Factory.Version,
		RunID: runID, OnResult: onResult, Unsent: unsent, Insecure: opts.Insecure})
	e.Now = delivery.SteadyClock(opts.Factory.Now)
	rq := store.Requeue{URL: opts.To, ExtraAttempts: len(sch), Schedule: sch.String(), RunID: runID, Force: opts.Force, Unheld: true}
	if showBar {
		progress.SetTotal(total, true)
	}
	// A shared store that goes away for a while (a PostgreSQL restart or
	// failover) is waited for, not given up on at once.
	notice := &delivery.StoreNotice{W: ios.ErrOut, Patience: delivery.DefaultStorePatience}
	e.StoreWait, e.RecordWait = notice.Wait(), notice.Wait()
	prodWait := notice.Wait()
	retry := func(ctx context.Context, f func() error) error {
		for {
			err := f()
			if err == nil {
				prodWait.Ok()
				return nil
			}
			if !prodWait.Retry(ctx, err) {
				return err
			}
		}
	}
	start := time.Now()
	var held int64 // left to the live process holding them
	var gone int64 // deleted since read (a store prune meanwhile)
	produce := func(ctx context.Context, add func(int)) error {
		requeueTo := func(batch []string) error {
			rq.Now = opts.Factory.Now()
			rq.DeadOwners = rq.DeadOwners[:0]
			for o := range dead {
				rq.DeadOwners = append(rq.DeadOwners, o)
			}
			var n int
			err := retry(ctx, func() (err error) {
				n, err = e.Requeue(ctx, batch, rq)
				// A bulk replay's delivery deleted since it was read (a
				// `store prune` in another terminal) is skipped, as one
				// claimed meanwhile is, and the rest of the batch is
				// requeued: the requeue is one transaction, and one
				// missing delivery ended the whole replay (exit 1,
				// "delivery … not found"). Named deliveries were
				// checked just before; their requeue still says so.
				for bulk && err != nil {
					var nf *store.NotFoundError
					i := -1
					if errors.As(err, &nf) && nf.Kind == "delivery" {
						i = slices.Index(batch, nf.ID)
					}
					if i < 0 {
						break
					}
					batch = slices.Delete(slices.Clone(batch), i, i+1)
					gone++
					if len(batch) == 0 {
						return nil
					}
					n, err = e.Requeue(ctx, batch, rq)
				}
				return err
			})
			add(n)
			if err == nil {
				// Claimed (or finished) by a live process since read.
				held += int64(len(batch) - n)
			}
			return err
		}
		requeue := requeueTo
		if opts.ToCurrent {
			// One requeue per URL the batch goes to (most often one).
			requeue = func(batch []string) error {
				byURL := map[string][]string{}
				for _, id := range batch {
					byURL[targets[id]] = append(byURL[targets[id]], id)
					delete(targets, id)
				}
				for _, u := range slices.Sorted(maps.Keys(byURL)) {
					rq.URL = u
					if err := requeueTo(byURL[u]); err != nil {
						return err
					}
				}
				return nil
			}
		}
		if !bulk {
			return requeue(ids)
		}
		if _, ok := st.(store.MatchRequeuer); ok && filter.Status != store.DeliveryPending && priors == nil {
			// Select and requeue in one statement per batch.
			f, left := filter, opts.Limit
			for {
				limit := 256
				if opts.Limit > 0 {
					if left <= 0 {
						return nil
					}
					limit = min(limit, left)
				}
				rq.Now = opts.Factory.Now()
				var (
					n    int
					next int64
					more bool
				)
				tries := 0
				err := retry(ctx, func() (err error) {
					// A try that failed may have leased its batch before
					// its answer was lost: the next takes those again.
					rq.Reclaim = tries > 0
					tries++
					n, next, more, err = e.RequeueMatching(ctx, f, limit, rq)
					return err
				})
				rq.Reclaim = false
				add(n)
				left -= n
				if err != nil || !more {
					return err
				}
				f.AfterSeq = next
			}
		}
		batch := make([]string, 0, 256)
		err := delivery.Walk(ctx, st, filter, func(d *store.Delivery) error {
			// --pending takes over what a dead process held, not what a
			// live trigger or worker is sending right now.
			if delivery.LeaseHeldOn(st, d, leaseNow()) {
				held++
				return nil
			}
			noteDead(d)
			keepPrior(d)
			if err := noteTarget(d); err != nil {
				return err
			}
			batch = append(batch, d.ID)
			if len(batch) == cap(batch) {
				err := requeue(batch)
				batch = batch[:0]
				return err
			}
			return nil
		})
		if err == nil && len(batch) > 0 {
			err = requeue(batch)
		}
		return err
	}
	defer delivery.TuneGC()()
	say := func(line string) { fmt.Fprintln(ios.ErrOut, line) }
	if showBar {
		say = func(line string) { progress.Above(func() { fmt.Fprintln(ios.ErrOut, line) }) }
	}
	stopNotice := cli.StoppingNotice(ctx, say, "the attempts in flight", opts.Timeout)
	out, err := delivery.Drive(ctx, e, 0, produce)
	stopNotice()
	rep.Flush()
	if showBar {
		progress.Finish()
	}
	if store.IsGone(err) {
		return delivery.StoppedGone(err, e, "what this replay recorded (its attempts) is lost with it")
	}
	if err != nil {
		return cli.Fail(err)
	}
	// A store file deleted or replaced after the run's last write: the
	// counts would come from it (one stat, after the run, as trigger does).
	if err := store.CheckInPlace(st); err != nil {
		return fmt.Errorf("%w: what this replay recorded (its attempts) is lost with it, though the requests were sent", err)
	}
	rctx := context.WithoutCancel(ctx)
	counts, err := e.CountRun(rctx) // what the run did, though a store prune deleted some
	if err != nil {
		return err
	}
	// What another process did with the replayed deliveries (finished
	// them), before the summary that counts it; not after Ctrl-C (or a
	// reader that left), which asked to stop now.
	if out.Cancelled {
		others = nil
	}
	if err := others.Rest(rctx, counts.Total, func(r delivery.Result) {
		hints.Note(r)
		if showBar && (!r.Final || r.Delivery.Status == store.DeliverySucceeded || !ios.IsStdoutTTY()) {
			return // with the bar: only the failures, on a terminal
		}
		rep.AttemptAt(r, r.At)
	}); err != nil {
		return err
	}
	rep.Flush()
	replayed := out.Enqueued - notSent.Load()
	if ios.JSON() {
		extra := map[string]any{"replayed": replayed, "elapsed_ms": time.Since(start).Milliseconds(), "interrupted": out.Cancelled,
			"not_sent": notSent.Load()}
		if err := delivery.WriteRunJSON(rctx, ios.Out, st, runID, counts, extra); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(ios.Out, ui.Wrap(fmt.Sprintf("replayed %d %s: %s, %s, %s (%s)", replayed, plural(replayed, "delivery", "deliveries"),
			ui.PaintCount(counts.Succeeded, "succeeded", ui.Green), ui.PaintCount(counts.Failed, "failed", ui.Red),
			ui.PaintCount(counts.Pending, "pending", ui.Yellow), ui.FormatDuration(time.Since(start))), ios.OutWidth(), "  "))
	}
	moved.report(rctx, ios.ErrOut, ios.ErrWidth(), st, "went")
	cur.report(ios.ErrOut, ios.ErrWidth(), "went")
	if counts.Pending > 0 {
		fmt.Fprintf(ios.ErrOut, "%d %s still pending: \"hookctl worker\" finishes %s\n", counts.Pending, plural(counts.Pending, "delivery", "deliveries"), plural(counts.Pending, "it", "them"))
	}
	if n := notSent.Load(); n > 0 {
		as := "failed as before"
		if !opts.Failed {
			as = "as before the replay"
		}
		fmt.Fprintf(ios.ErrOut, "%d %s not sent: %s %s; run the replay again to send %s\n", n, plural(n, "delivery", "deliveries"),
			plural(n, "it is", "they are"), as, plural(n, "it", "them"))
	}
	if n, err := notPut.left(); n > 0 {
		fmt.Fprintf(ios.ErrOut, "hookctl: warning: %d %s not sent could not be put back as before the replay (%v): %s pending, leased to this replay until %s lease ends, then a worker sends %s; hookctl deliveries list --status pending lists %s\n",
			n, plural(n, "delivery", "deliveries"), err, plural(n, "it stays", "they stay"), plural(n, "its", "their"), plural(n, "it", "them"), plural(n, "it", "them"))
	}
	if out.Cancelled && stdout.Closed() {
		fmt.Fprintln(ios.ErrOut, "hookctl: stdout is closed (its reader left): the replay stopped as on Ctrl-C")
	}
	if held > 0 {
		fmt.Fprintf(ios.ErrOut, "%d %s left to the trigger, worker or replay sending %s right now\n", held, plural(held, "delivery", "deliveries"), plural(held, "it", "them"))
	}
	if gone > 0 {
		fmt.Fprintf(ios.ErrOut, "%d %s deleted since the replay read %s (a store prune meanwhile): not replayed\n", gone, plural(gone, "delivery", "deliveries"), plural(gone, "it", "them"))
	}
	switch {
	case out.Cancelled && stdout.Closed():
		return cli.Silent(cli.ExitReaderGone)
	case out.Cancelled:
		return cli.Silent(cli.ExitInterrupted)
	case counts.Failed > 0:
		err := cli.Failf("%d of %d replayed %s still failed", counts.Failed, counts.Total, plural(counts.Total, "delivery", "deliveries"))
		for _, h := range hints.List() {
			err = err.Hint("%s", h)
		}
		return err.Hint("see why: hookctl deliveries list --status failed")
	}
	return nil
}

func dryRun(ctx context.Context, opts *Options, st store.Store, bulk bool, ids []string, filter store.DeliveryFilter, total int64) error {
	ios := opts.IO
	var list []delivery.DeliveryJSON
	// On a narrow terminal ATTEMPTS gives way, then the event type and
	// the URL are cut (to 16 or more), then the event type is left out,
	// before the id or the status is cut. The ids are cut to prefixes
	// unique in the store (replay takes one) once every row is known.
	t := ui.NewTable(ios, "ID", "EVENT", "STATUS", "ATTEMPTS", "URL").Drop("ATTEMPTS").DropLast("EVENT")
	type dryRow struct {
		d        *store.Delivery
		typ, url string
	}
	var rows []dryRow
	type eventInfo struct{ typ, source string }
	types := map[string]eventInfo{}
	moved := &movedSubs{}
	cur := &currentURLs{}
	emit := func(d *store.Delivery) error {
		if opts.To == "" && !opts.ToCurrent {
			moved.note(d, d.URL)
		}
		ei, ok := types[d.EventID]
		if !ok {
			if ev, err := st.GetEvent(ctx, d.EventID); err == nil {
				ei = eventInfo{ev.Type, ev.Source}
			}
			if len(types) > 1000 {
				clear(types)
			}
			types[d.EventID] = ei
		}
		typ := ei.typ
		url := subscription.MaskUserinfo(d.URL) // a password in it masked, as deliveries list shows it
		switch {
		case opts.To != "":
			url = opts.To
		case opts.ToCurrent:
			u, err := cur.url(ctx, st, d)
			if err != nil {
				return err
			}
			if u != "" {
				url = subscription.MaskUserinfo(u)
			}
		}
		if ios.JSON() {
			j := delivery.ToJSON(d, typ, nil)
			j.Source = store.DeliverySource(d, ei.source) // as deliveries list says it
			j.URL = url
			list = append(list, j)
			return nil
		}
		if ios.IsStdoutTTY() {
			rows = append(rows, dryRow{d, typ, url})
			return nil
		}
		// Streamed: a row at a time, so any number lists with flat memory.
		row := ui.NewTable(ios, "ID", "EVENT", "STATUS", "ATTEMPTS", "URL")
		dryRunRow(row, ios, d, d.ID, typ, url)
		return row.Render()
	}
	// On a terminal the rows are rendered as one table (aligned, fitted),
	// their ids cut to prefixes unique in the store (replay and
	// deliveries show take one; a delivery the dry run leaves out, a
	// succeeded one, may share a prefix unique among the rows).
	fillTable := func() {
		ids := make([]string, len(rows))
		for i, r := range rows {
			ids[i] = r.d.ID
		}
		ids = cli.ShortDeliveryIDs(ctx, st, ids)
		for i, r := range rows {
			dryRunRow(t, ios, r.d, ids[i], r.typ, r.url)
		}
	}
	// Deliveries are listed in windows of 256 whose events' heads (type,
	// source: no payload) are read in one query (a dry run of 100,000
	// failed deliveries on PostgreSQL made a round trip per event).
	var window []*store.Delivery
	flush := func() error {
		if len(types) > 1000 {
			clear(types)
		}
		var ids []string
		for _, d := range window {
			if _, ok := types[d.EventID]; !ok {
				ids = append(ids, d.EventID)
			}
		}
		got := map[string]*store.EventHead{}
		_ = store.LoadEventHeads(ctx, st, ids, got) // emit reads what is missing one by one
		for _, ev := range got {
			types[ev.ID] = eventInfo{ev.Type, ev.Source}
		}
		for _, d := range window {
			if err := emit(d); err != nil {
				return err
			}
		}
		window = window[:0]
		return nil
	}
	add := func(d *store.Delivery) error {
		if d.Status == store.DeliverySucceeded && !opts.Force {
			return nil
		}
		if window = append(window, d); len(window) == 256 {
			return flush()
		}
		return nil
	}
	var err error
	if bulk {
		err = delivery.Walk(ctx, st, filter, add)
	} else {
		for _, id := range ids {
			d, gerr := st.GetDelivery(ctx, id)
			if gerr != nil {
				return gerr
			}
			if err = add(d); err != nil {
				break
			}
		}
	}
	if err == nil {
		err = flush()
	}
	if err != nil {
		return err
	}
	if ios.JSON() {
		if list == nil {
			list = []delivery.DeliveryJSON{}
		}
		return ui.WriteJSON(ios.Out, map[string]any{"dry_run": true, "count": len(list), "deliveries": list})
	}
	fillTable()
	if ios.IsStdoutTTY() && t.Len() > 0 {
		if err := t.Render(); err != nil {
			return err
		}
	}
	fmt.Fprintln(ios.ErrOut, ui.Wrap(fmt.Sprintf("Dry run: %d %s would be replayed; nothing sent", total, plural(total, "delivery", "deliveries")), ios.StderrWidth(), "  "))
	if bulk && total == 0 {
		linkedHint(ctx, ios.ErrOut, st, filter)
		// The preview the bulk replay's hint asks for: the typo's hint
		// the replay itself gives (it said nothing).
		cli.EventTypoHint(ios.ErrOut, opts.EventPattern)
	}
	moved.report(ctx, ios.ErrOut, ios.ErrWidth(), st, "would go")
	cur.report(ios.ErrOut, ios.ErrWidth(), "would go")
	return nil
}

// dryRunRow adds d's row (its id shown as id) to a dry run's table.
func dryRunRow(t *ui.Table, ios *ui.IOStreams, d *store.Delivery, id, typ, url string) {
	t.Row().Cell(id).Styled(typ, ios.Styles().EventType).Styled(d.Status, ios.Styles().DeliveryStatus(d.Status)).
		Cell(fmt.Sprintf("%d/%d", d.AttemptCount, d.MaxAttempts)).Cell(url).End()
}

// linkedHint says why a bulk replay that found nothing leaves out the
// failed rows deliveries list --status failed shows: listen's forwards of
// deliveries hookctl sent are replayed through that delivery, once, and
// only when it failed; one is resent alone by its id.
func linkedHint(ctx context.Context, w io.Writer, st store.Store, f store.DeliveryFilter) {
	f.ExcludeLinked = false
	counts, err := st.CountDeliveries(ctx, f)
	if err != nil || counts[f.Status] == 0 {
		return
	}
	n := counts[f.Status]
	fmt.Fprintf(w, "hookctl: hint: %d %s %s of listen %s left out: each is linked to the delivery hookctl sent, and replay --%s resends that one (once, through listen) when it is %s; resend a forward alone by its id: hookctl replay ID\n",
		n, f.Status, plural(n, "forward", "forwards"), plural(n, "is", "are"), f.Status, f.Status)
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// notPutBack is what an interrupted replay could not put back as it was
// (its Unsent failed past the store's patience): the deliveries of tries
// that failed, less those any try put back, and the last error.
type notPutBack struct {
	mu     sync.Mutex
	failed map[string]bool
	back   map[string]bool
	err    error
}

// note records one try at putting back ds: put are those it put back,
// err its error (nil: the rest were no longer this replay's to put back).
func (n *notPutBack) note(ds []*store.Delivery, put []string, err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.failed == nil {
		n.failed, n.back = map[string]bool{}, map[string]bool{}
	}
	for _, id := range put {
		n.back[id] = true
	}
	for _, d := range ds {
		if err != nil {
			n.failed[d.ID] = true
		} else {
			delete(n.failed, d.ID)
		}
	}
	if err != nil {
		n.err = err
	}
}

// left returns how many deliveries were not put back, and why.
func (n *notPutBack) left() (int64, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var k int64
	for id := range n.failed {
		if !n.back[id] {
			k++
		}
	}
	return k, n.err
}
