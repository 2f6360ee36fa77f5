// Package worker implements `hookctl worker`.
package worker

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/ui"
)

// Options are the parsed flags of `hookctl worker`.
type Options struct {
	Factory     *cli.Factory
	IO          *ui.IOStreams
	Concurrency int
	Timeout     time.Duration
	Poll        time.Duration
	Insecure    bool
	StoreWait   time.Duration
}

// NewCmd returns `hookctl worker`.
func NewCmd(f *cli.Factory) *cobra.Command { return newCmd(f, nil) }

func newCmd(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	c := &cobra.Command{
		Use:   "worker [flags]",
		Short: "Deliver pending deliveries until interrupted",
		Long: `Run the outbox: claim due pending deliveries (with a lease, so several
workers can share a store), sign and send them, record every attempt and
schedule retries, until Ctrl-C. On Ctrl-C it stops claiming, finishes the
attempts in flight and exits 0. Use it for long retry schedules, for what a
trigger left pending after --wait, and after a crash.`,
		Example: `  hookctl worker
  hookctl worker --concurrency 32 --timeout 5s
  hookctl worker -o json > attempts.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO = f.IOStreams
			if opts.Concurrency < 1 {
				return cli.Usagef("invalid --concurrency %d: want 1 or more", opts.Concurrency).
					Hint("e.g. --concurrency 8 (the default)")
			}
			if opts.Timeout <= 0 {
				return cli.Usagef("invalid --timeout %s: want a positive duration", opts.Timeout).
					Hint("e.g. --timeout 10s (the default) or --timeout 30s")
			}
			if opts.Poll <= 0 {
				return cli.Usagef("invalid --poll %s: want a positive duration", opts.Poll).
					Hint("e.g. --poll 200ms (the default) or --poll 1s")
			}
			if err := cli.CheckStoreWait(opts.StoreWait); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return run(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.IntVarP(&opts.Concurrency, "concurrency", "c", 8, "`n` deliveries in flight at once")
	fl.DurationVar(&opts.Timeout, "timeout", delivery.DefaultTimeout, "give up on an attempt after `duration` (connect and total)")
	fl.DurationVar(&opts.Poll, "poll", 200*time.Millisecond, "look for due deliveries every `duration` when idle")
	fl.BoolVarP(&opts.Insecure, "insecure", "k", false, "accept any TLS certificate (https receivers with self-signed ones)")
	cli.AddStoreWaitFlag(fl, &opts.StoreWait)
	return c
}

// attemptJSON is one line of `worker -o json`.
type attemptJSON struct {
	Kind       string `json:"kind"` // "attempt", as serve's lines and listen's say what they are
	DeliveryID string `json:"delivery_id"`
	EventID    string `json:"event_id"`
	EventType  string `json:"event_type,omitempty"`
	// Status is the delivery's state after this attempt (pending while
	// retries remain); Outcome is the attempt's own: succeeded, or failed
	// with retry true when another attempt is scheduled.
	Status  string `json:"status"`
	Outcome string `json:"outcome"`
	Retry   bool   `json:"retry"`
	// NotRecorded: the attempt was made but the store did not record it
	// (why); status is then the delivery's before the attempt.
	NotRecorded string `json:"not_recorded,omitempty"`
	delivery.AttemptJSON
}

func run(ctx context.Context, opts *Options) error {
	ios := opts.IO
	// A worker only sends what is stored: on a store path that does not
	// exist (a typo) it would wait forever on a new, empty store. A
	// PostgreSQL server not accepting connections yet (started beside it)
	// is waited for, up to --store-wait.
	opts.Factory.WaitForStore(opts.StoreWait)
	st, err := opts.Factory.ExistingStore(ctx)
	var none *store.NoStoreError
	if errors.As(err, &none) {
		// A PostgreSQL schema without a hookctl store: a worker started
		// first on a fresh shared database (before any trigger) is
		// plausible, so it creates the store and waits, as before; but a
		// typo in search_path must not pass unseen.
		if st, err = opts.Factory.Store(ctx); err == nil {
			fmt.Fprintf(ios.ErrOut, "hookctl: warning: %s: created a new, empty one (check search_path in the store URL if you meant another)\n", none.Msg)
		}
	}
	if err != nil {
		return err
	}
	// A store file deleted or replaced under the worker (an rm, a test
	// suite's cleanup) took every attempt it recorded from then on into
	// a file lost with the process, and the worker reported them: now
	// such a write fails, and the worker stops with exit 3.
	store.GuardWrites(st)
	var attempts, succeeded, failed, notSent, retried atomic.Int64
	// The summary counts deliveries by where they ended: one that failed
	// its attempt and then another was "1 failed, 1 to retry". awaiting
	// holds those whose last attempt here left a retry pending (checked
	// against the store: another worker may have finished them). Attempts
	// are the requests sent: a delivery failed without one (its
	// subscription disabled meanwhile) is "not sent".
	awaiting := newRetrySet(st)
	rep := &delivery.Reporter{W: ios.Out, Fit: cli.AttemptFit(ctx, ios, st, ios.OutWidth)}
	hints := &delivery.FailureHints{Max: 2}
	var jsonMu = make(chan struct{}, 1)
	e := delivery.New(st, delivery.Config{Timeout: opts.Timeout, Concurrency: opts.Concurrency, Version: opts.Factory.Version, Insecure: opts.Insecure,
		OnResult: func(r delivery.Result) {
			hints.Note(r)
			if !r.NotSent {
				attempts.Add(1)
			}
			if !r.LeaseLost && r.Err == nil {
				if awaiting.settled(r.Delivery.ID) {
					retried.Add(-1)
				}
				switch r.Delivery.Status {
				case store.DeliverySucceeded:
					succeeded.Add(1)
				case store.DeliveryFailed:
					failed.Add(1)
					if r.NotSent {
						notSent.Add(1)
					}
				default:
					awaiting.await(ctx, r.Delivery.ID)
					retried.Add(1)
				}
			}
			if ios.JSON() {
				j := attemptJSON{Kind: "attempt", DeliveryID: r.Delivery.ID, EventID: store.EncodeText(r.Delivery.EventID), Status: r.Delivery.Status,
					Outcome: "failed", Retry: r.Delivery.Status == store.DeliveryPending, AttemptJSON: delivery.AttemptToJSON(r.Attempt)}
				if r.Delivery.Status == store.DeliverySucceeded {
					j.Outcome = "succeeded"
				}
				if r.Event != nil {
					j.EventType = store.EncodeText(r.Event.Type)
				}
				switch {
				case r.Err != nil:
					j.NotRecorded = r.Err.Error()
				case r.LeaseLost:
					// Not recorded either: its line said "pending", retry
					// true, of a delivery an expunge had failed.
					j.NotRecorded, j.Retry = delivery.LeaseLostNote, false
				}
				jsonMu <- struct{}{}
				ui.WriteJSONLine(ios.Out, j)
				<-jsonMu
				return
			}
			rep.Attempt(r)
		}})
	e.Poll = opts.Poll
	e.Now = delivery.SteadyClock(opts.Factory.Now)
	// A worker outlives store outages (a PostgreSQL restart): it backs off
	// and says so on stderr instead of exiting.
	// An outage (the server restarting, no connection left for a moment)
	// is said once, when it starts and when it ends, as serve says it;
	// another claim error at each claim it fails.
	notice := &delivery.StoreNotice{W: ios.ErrOut, Patience: 10 * time.Minute}
	e.OnClaimError = func(err error, wait time.Duration) {
		if store.IsTransient(err) {
			return // the notice says so, once
		}
		fmt.Fprintf(ios.ErrOut, "hookctl: warning: cannot claim deliveries (%v); retrying in %s\n", err, ui.FormatDuration(wait))
	}
	// The attempts it made are kept and recorded once the store is back,
	// rather than dropped from the log and sent again later.
	e.StoreWait, e.RecordWait = notice.Wait(), notice.Wait()
	// A script that stopped reading the log (| head) does not end the
	// worker in the middle of its attempts.
	defer cli.SurviveClosedStdout()()
	// On a terminal its lines are wrapped to it (the summary: 82
	// columns and more), piped one line each.
	width := ios.ErrWidth()
	fmt.Fprintln(ios.ErrOut, ui.WrapNotice(fmt.Sprintf("Worker %s delivering due deliveries, %d at a time (^C to stop)", e.OwnerID(), opts.Concurrency), width))
	start := time.Now()
	stopNotice := cli.StoppingNotice(ctx, func(line string) { fmt.Fprintln(ios.ErrOut, ui.WrapNotice(line, width)) }, "the attempts in flight", opts.Timeout)
	err = e.Run(ctx, nil)
	stopNotice()
	// What another process did meanwhile: a delivery this worker left to
	// retry that another worker (or replay) finished, or that was
	// removed, is no longer "to retry".
	elsewhere := awaiting.finish(context.WithoutCancel(ctx))
	fmt.Fprintln(ios.ErrOut, ui.WrapNotice(summary(time.Since(start), attempts.Load(), succeeded.Load(), failed.Load(), notSent.Load(),
		retried.Load()-elsewhere, elsewhere), width))
	// What the failed attempts had in common (nothing listening, a host
	// that does not resolve, an untrusted certificate), as trigger says.
	for _, h := range hints.List() {
		fmt.Fprintf(ios.ErrOut, "hookctl: hint: %s\n", h)
	}
	if err != nil {
		return cli.Fail(err)
	}
	return nil
}

// summary is the line a worker prints on stderr when it stops.
func summary(elapsed time.Duration, attempts, succeeded, failed, notSent, retry, elsewhere int64) string {
	word := "attempts"
	if attempts == 1 {
		word = "attempt"
	}
	s := fmt.Sprintf("Worker stopped after %s: %d %s; deliveries: %d succeeded, %d failed", ui.FormatDuration(elapsed.Round(time.Second)),
		attempts, word, succeeded, failed)
	if notSent > 0 {
		s += fmt.Sprintf(" (%d of them not sent)", notSent)
	}
	s += fmt.Sprintf(", %d to retry", retry)
	if elsewhere > 0 {
		s += fmt.Sprintf(", %d finished by another process", elsewhere)
	}
	return s
}
