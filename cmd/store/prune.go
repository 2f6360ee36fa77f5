package storecmd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hookctl/hookctl/cmd/subscriptions"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/ui"
)

// pruneBatch is how many events one prune transaction deletes.
const pruneBatch = 5000

type pruneJSON struct {
	Before      time.Time `json:"before"`
	DryRun      bool      `json:"dry_run"`
	Events      int64     `json:"events"`
	Deliveries  int64     `json:"deliveries"`
	Attempts    int64     `json:"attempts"`
	Objects     int64     `json:"objects"` // store.HistoryKinds tombstones: deleted Svix endpoints' places, Svix background tasks
	KeptPending int64     `json:"kept_pending"`
	Vacuumed    bool      `json:"vacuumed"`
}

func runPrune(opts *Options, s store.Store) error {
	p, ok := s.(store.Pruner)
	if !ok {
		return cli.Envf("this store cannot prune")
	}
	now := time.Now()
	if opts.Now != nil {
		now = opts.Now()
	}
	before := opts.OlderThan.Time(now)
	if before.IsZero() { // --older-than 0: everything up to now
		before = now
	}
	if before.After(now) {
		return cli.Usagef("--older-than %s is in the future: that would delete everything", before.UTC().Format(time.RFC3339)).
			Hint("give a time in the past: a duration ago (30d) or an earlier date")
	}
	count, err := p.Prune(opts.Ctx, before, 0, true)
	if err != nil {
		return err
	}
	ios := opts.IO
	when := before.UTC().Format("2006-01-02 15:04:05 UTC")
	what := fmt.Sprintf("%s, %s and %s created before %s%s", plural(count.Events, "event"), plural(count.Deliveries, "delivery"),
		plural(count.Attempts, "attempt"), when, places(count.Objects))
	out := pruneJSON{Before: before.UTC().Truncate(time.Microsecond), DryRun: opts.DryRun, KeptPending: count.KeptPending}
	nothing := count.Events == 0 && count.Objects == 0
	if opts.DryRun || nothing {
		out.Events, out.Deliveries, out.Attempts, out.Objects = count.Events, count.Deliveries, count.Attempts, count.Objects
		if opts.DryRun && !nothing && !ios.JSON() {
			fmt.Fprintln(ios.Out, ui.WrapNotice(fmt.Sprintf("Would delete %s.", what), ios.OutWidth()))
		}
	} else {
		if !opts.Yes {
			ok, err := subscriptions.Confirm(opts.Ctx, ios, fmt.Sprintf("Delete %s?", what))
			if err != nil {
				return err
			}
			if !ok {
				fmt.Fprintln(ios.ErrOut, "Nothing deleted.")
				return nil
			}
		}
		var done store.PruneCounts
		for {
			c, err := p.Prune(opts.Ctx, before, pruneBatch, false)
			if err == nil {
				// (a batch that failed was rolled back: its counts, which
				// SQLite's statements had begun, were added to the
				// message's "deleted …")
				done = done.Add(c)
			}
			if err != nil {
				if opts.Ctx.Err() != nil && errors.Is(err, context.Canceled) && done.Events+done.Objects > 0 {
					// Ctrl-C between batches: it said only "interrupted",
					// not that the batches before were deleted.
					return &cli.ExitError{Code: cli.ExitInterrupted, Err: fmt.Errorf("prune interrupted: deleted %s, %s and %s created before %s%s; the rest is still there",
						plural(done.Events, "event"), plural(done.Deliveries, "delivery"), plural(done.Attempts, "attempt"), when, places(done.Objects)),
						Hints: []string{"run it again to delete the rest"}}
				}
				return fmt.Errorf("prune stopped after %s: %w", plural(done.Events, "event"), err)
			}
			if c.Events < pruneBatch {
				break
			}
		}
		out.Events, out.Deliveries, out.Attempts, out.Objects, out.KeptPending = done.Events, done.Deliveries, done.Attempts, done.Objects, done.KeptPending
		if !ios.JSON() {
			fmt.Fprintln(ios.Out, ui.WrapNotice(fmt.Sprintf("Deleted %s, %s and %s created before %s%s.", plural(done.Events, "event"),
				plural(done.Deliveries, "delivery"), plural(done.Attempts, "attempt"), when, places(done.Objects)), ios.OutWidth()))
		}
	}
	if nothing && !ios.JSON() { // the same words with --dry-run
		fmt.Fprintln(ios.Out, ui.WrapNotice(fmt.Sprintf("Nothing to delete: no event created before %s.", when), ios.OutWidth()))
	}
	if out.KeptPending > 0 && !ios.JSON() {
		kept := "Kept"
		if opts.DryRun {
			kept = "Would keep" // it said "Kept", as if it had pruned
		}
		fmt.Fprintln(ios.ErrOut, ui.WrapNotice(fmt.Sprintf("%s %s created before then: %s still pending.", kept, plural(out.KeptPending, "event"),
			map[bool]string{true: "its delivery is", false: "their deliveries are"}[out.KeptPending == 1]), ios.ErrWidth()))
	}
	if opts.Vacuum && !opts.DryRun {
		v, ok := s.(store.Vacuumer)
		if ok {
			if err := v.Vacuum(opts.Ctx); err != nil {
				return fmt.Errorf("vacuum: %w", err)
			}
			out.Vacuumed = true
		} else if !ios.JSON() {
			fmt.Fprintln(ios.ErrOut, "hookctl: note: --vacuum is for SQLite; PostgreSQL reclaims the space with its autovacuum")
		}
	}
	if ios.JSON() {
		return ui.WriteJSON(ios.Out, out)
	}
	return nil
}

// places names the deleted Svix endpoints' places a prune deletes (the
// store.HistoryKinds tombstones written before its time), "" for none.
func places(n int64) string {
	switch n {
	case 0:
		return ""
	case 1:
		return ", and 1 Svix record from before then (a deleted endpoint's place or a background task)"
	}
	return fmt.Sprintf(", and %d Svix records from before then (deleted endpoints' places, background tasks)", n)
}

// plural writes n and the noun, with the noun's plural when n is not 1.
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if noun == "delivery" {
		return fmt.Sprintf("%d deliveries", n)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
