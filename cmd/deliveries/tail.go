package deliveries

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
	"github.com/hookctl/hookctl/internal/ui"
)

// TailOptions are the parsed flags of `deliveries tail`.
type TailOptions struct {
	Factory      *cli.Factory
	IO           *ui.IOStreams
	Status       string
	EventPattern string
	Subscription string
	Source       string
	Lines        int
	Interval     time.Duration
	Timeout      time.Duration
	// StoreWait is how long to wait at start for a PostgreSQL server that
	// cannot be reached yet (--store-wait).
	StoreWait time.Duration
}

// maxTailLines is the most --lines takes (one read of the log).
const maxTailLines = 1000

// tailStoreWait is how long a read waits for a SQLite lock.
const tailStoreWait = 2 * time.Second

func newTailCmd(f *cli.Factory, runF func(*TailOptions) error) *cobra.Command {
	opts := &TailOptions{Factory: f}
	c := &cobra.Command{
		Use:   "tail [flags]",
		Short: "Follow the delivery log as deliveries are made, from any process",
		Long: `Print the last deliveries of the log (--lines, oldest first), then follow it:
every delivery created from then on by any process sharing the store (trigger,
worker, serve, the inspector, replay; listen's forwards; check's probes) and
every attempt of it as it is recorded, until interrupted (^C) or --timeout.

Each line says what happened: --> a delivery, <-- an attempt with its status,
latency, attempt n/N and what follows (succeeded, retry in 2s, failed); an
attempt made before a replay raised the budget says attempt n (attempts do
not keep the budget they were made under). With -o json, one JSON object per
line: "type": "delivery" or "attempt".

The store is only read: tail creates, migrates and writes nothing, and a store
that does not exist yet is an error (start tail once trigger, listen or serve
created it), and so is a SQLite file deleted or replaced under it (or a
PostgreSQL schema dropped). Piped to a reader that exits (| head -1), tail
ends at its next read. The
attempts of at most 10000 pending deliveries are followed at once; a delivery
beyond that is printed with the attempts it had when found.

A replay (hookctl replay, the inspector, serve's resend APIs) adds attempts to
a delivery that had settled, and notes it in the store's log of requeues:
tail reads that log too and prints a replay's attempts (and their retries)
once each, within its filters, also of a delivery it never printed. The log
keeps the last 100000 replays: a tail that fell further behind (its output
blocked, the process stopped) says on stderr how many it may not show.`,
		Example: `  hookctl deliveries tail
  hookctl deliveries tail --status failed --event 'card.*'
  hookctl deliveries tail -o json | jq -c 'select(.type == "attempt") | {delivery_id, number, outcome}'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO = f.IOStreams
			if err := cli.NonEmptyFlags(c, "subscription", "event", "status", "source"); err != nil {
				return err
			}
			if err := checkStatusSource(opts.Status, &opts.Source); err != nil {
				return err
			}
			if opts.Lines < 0 || opts.Lines > maxTailLines {
				return cli.Usagef("--lines must be between 0 and %d", maxTailLines).
					Hint("e.g. --lines 10 (the default); --lines 0 prints no past deliveries, only new ones")
			}
			if opts.Interval < delivery.MinTailInterval {
				return cli.Usagef("--interval must be at least %s", delivery.MinTailInterval).
					Hint("e.g. --interval 250ms (the default) or --interval 1s")
			}
			if opts.Timeout < 0 {
				return cli.Usagef("--timeout must not be negative").
					Hint("e.g. --timeout 30s to stop after 30 seconds; leave it out (or 0) to follow until ^C")
			}
			if err := cli.CheckStoreWait(opts.StoreWait); err != nil {
				return err
			}
			if err := cli.CheckEventFilter("--event", opts.EventPattern); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runTail(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.Status, "status", "", "only deliveries in this `state`: {pending|succeeded|failed} (succeeded and failed ones print once settled, also pending ones of --lines)")
	fl.StringVar(&opts.EventPattern, "event", "", "only events of this type or `pattern` (card.*)")
	fl.StringVar(&opts.Subscription, "subscription", "", "only deliveries of this subscription `id`")
	fl.StringVar(&opts.Source, "source", "", "only deliveries of this `source`: {sent|received|check} (sent by hookctl, forwarded by listen, probes of check)")
	fl.IntVarP(&opts.Lines, "lines", "n", 10, "print the last `n` deliveries first (0 = none, at most 1000)")
	fl.DurationVar(&opts.Interval, "interval", 250*time.Millisecond, "read the store every `duration` (at least 10ms)")
	fl.DurationVar(&opts.Timeout, "timeout", 0, "stop after `duration` with exit 0, the time waited for the store included (0 = follow until interrupted)")
	cli.AddStoreWaitFlag(fl, &opts.StoreWait)
	completeFilterFlags(c, f)
	return c
}

// openTailStore opens the configured store for reading only: a missing
// SQLite file, or a store that cannot be read, is an environment error.
func openTailStore(ctx context.Context, f *cli.Factory) (store.Store, string, error) {
	dsn := ""
	if f.Config != nil {
		dsn = f.Config.Store
	}
	if f.OpenReader == nil {
		return nil, "", cli.Envf("this build cannot open a store for reading")
	}
	name := store.MaskURL(dsn)
	if f.StoreFile != nil {
		if p := f.StoreFile(dsn); p != "" {
			name = p
			if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
				return nil, "", cli.Envf("no store at %s: the file does not exist", p).
					Hint("tail only reads a store: hookctl subscribe, trigger, listen and serve create it; start tail after them").
					Hint("check --store, HOOKCTL_STORE or the store setting")
			}
		}
	}
	st, err := f.ReadStore(ctx, tailStoreWait) // waits for a connection slot, as one-shots do
	if err != nil {
		var ce cli.CodeError
		if errors.As(err, &ce) {
			return nil, "", err
		}
		return nil, "", cli.Envf("cannot read store %s: %v", name, err).
			Hint("a store of an older hookctl is upgraded by any other command (hookctl deliveries list), then tail reads it")
	}
	return st, name, nil
}

func runTail(ctx context.Context, opts *TailOptions) error {
	ios := opts.IO
	// Started beside PostgreSQL (a compose file, a CI job), tail waits
	// for it as the other long-running commands do, up to --store-wait;
	// --timeout bounds the whole run, the wait included.
	opts.Factory.WaitForStoreWithin(opts.StoreWait, opts.Timeout, "--timeout")
	st, name, err := openTailStore(ctx, opts.Factory)
	if err != nil {
		if ctx.Err() != nil {
			return nil // ^C while waiting for a connection: as ^C later
		}
		return err
	}
	defer st.Close()
	insp, ok := st.(store.Inspector)
	if !ok {
		return cli.Envf("store %s cannot be followed", name)
	}
	sub := ""
	if opts.Subscription != "" {
		// A deleted subscription's deliveries keep its id.
		if sub, _, err = store.SubscriptionFilterID(ctx, st, opts.Subscription); err != nil {
			return err
		}
	}
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		// The time waited for the store counts (the store answered
		// within --timeout, or tail gave up above); opening a store that
		// answers at once does not, so the first lines always print.
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout-opts.Factory.StoreWaited())
		defer cancel()
	}
	printItem, seeBatch := tailPrinter(ctx, ios, st)
	var writeErr error
	emitted := false
	emit := func(it delivery.TailItem) error {
		emitted = true
		writeErr = printItem(it)
		return writeErr
	}
	t := &delivery.Tailer{Store: st, Insp: insp, Status: opts.Status, EventPattern: opts.EventPattern,
		SubscriptionID: sub, Source: opts.Source, Lines: opts.Lines, Interval: opts.Interval, Emit: emit, Batch: seeBatch,
		OnError: func(err error) {
			fmt.Fprintf(ios.ErrOut, "hookctl: warning: cannot read the delivery log (%v); waiting for the store\n", err)
		},
		OnBack: func(down time.Duration) {
			fmt.Fprintf(ios.ErrOut, "hookctl: the store is back after %s; following on\n", ui.FormatDuration(down.Round(100*time.Millisecond)))
		},
		OnOverflow: func(n int) {
			fmt.Fprintf(ios.ErrOut, "hookctl: warning: following the attempts of %d pending deliveries already; newer ones print with the attempts they had when found (hookctl deliveries show ID)\n", n)
		},
		OnLost: func(n int64, more, upTo bool) {
			was := map[bool]string{true: "replay was", false: "replays were"}[n == 1]
			// On PostgreSQL the count is an upper bound: an id a
			// rolled-back requeue took looks like a pruned entry.
			count := fmt.Sprint(n)
			if upTo {
				count = "up to " + count
			}
			if more {
				fmt.Fprintf(ios.ErrOut, "hookctl: warning: %s more %s made while tail was behind, and the store no longer notes them\n", count, was)
				return
			}
			fmt.Fprintf(ios.ErrOut, "hookctl: warning: %s %s made while tail was more than %d replays behind, and the store no longer notes them: their attempts may be missing here; hookctl deliveries list --status failed (or --status pending) shows where deliveries stand\n",
				count, was, store.RequeueLogKeep)
		},
		// After the first read: what is written from then on is shown.
		// An --event that printed nothing and is close to a catalog
		// type (card.craeted) gets the did-you-mean the other filters
		// give after an empty result: tail would wait for it forever.
		OnReady: func() {
			// Wrapped on a terminal as worker's and listen's first line
			// (a store's path made it wider than 80 columns); piped, as is.
			fmt.Fprintln(ios.ErrOut, ui.WrapNotice(fmt.Sprintf("Following the delivery log of %s (^C to stop)", name), ios.ErrWidth()))
			if !emitted && opts.EventPattern != "" {
				cli.EventTypoHint(ios.ErrOut, opts.EventPattern)
			}
		},
	}
	// A pipe whose reader exited (| head -1, | grep -m1) ends the tail
	// at the next tick, not at its next line, which may never come.
	if gone, ok := cli.ReaderGone(ios.Out); ok {
		t.Out = func() error {
			if gone() {
				return errReaderGone
			}
			return nil
		}
	}
	if err := t.Run(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, errReaderGone) {
			// As the next line would end it: its write to the pipe,
			// which SIGPIPE ends (141 in a shell); where SIGPIPE is
			// ignored, the write's error.
			_, err := io.WriteString(ios.Out, "\n")
			return err
		}
		if writeErr != nil {
			return writeErr // stdout: the root says which file
		}
		if store.IsGone(err) {
			return cli.Envf("%v", err).Hint("nothing more is written to the file tail read: start tail again once a store is there (hookctl subscribe, trigger, listen and serve create one)")
		}
		if store.IsTableGone(err) {
			return cli.Envf("cannot read the delivery log of %s: %v", name, err).
				Hint("the store's tables are gone (its schema dropped or reset): start tail again once a store is there (hookctl subscribe, trigger, listen and serve create one)")
		}
		var ce cli.CodeError
		if errors.As(err, &ce) {
			return err
		}
		return cli.Envf("cannot read the delivery log of %s: %v", name, err)
	}
	return nil
}

// errReaderGone ends a tail whose stdout is a pipe its reader closed.
var errReaderGone = errors.New("the reader of stdout is gone")

// tailDeliveryJSON is a delivery line of `deliveries tail -o json`.
type tailDeliveryJSON struct {
	Type string `json:"type"` // "delivery"
	delivery.DeliveryJSON
}

// tailAttemptJSON is an attempt line of `deliveries tail -o json`: the
// attempt, its delivery and the delivery's state after it.
type tailAttemptJSON struct {
	Type       string `json:"type"` // "attempt"
	DeliveryID string `json:"delivery_id"`
	EventID    string `json:"event_id"`
	EventType  string `json:"event_type,omitempty"`
	Source     string `json:"source"`
	// Status is the delivery's state after this attempt (pending while
	// retries remain); Outcome is the attempt's own: succeeded, or failed
	// with retry true when another attempt is scheduled.
	Status        string     `json:"status"`
	Outcome       string     `json:"outcome"`
	Retry         bool       `json:"retry"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
	MaxAttempts   int        `json:"max_attempts"`
	delivery.AttemptJSON
}

// tailPrinter returns the function that prints one item: a line on a
// terminal or a pipe (colour only on a terminal), a JSON object per line
// with -o json. Each line is one write.
//
// On a terminal a line ends with the delivery's id cut to a prefix no
// other id of its read (batch hears each read's items first) nor printed
// before shares (show, replay… take a unique prefix); piped, with the
// whole id.
//
// On a terminal an attempt's line fits its width as trigger's do
// (delivery.Fit: the URL cut by its middle, the error by its end, the
// event's id a prefix unique in st), with room kept for the delivery's
// id, and so does a delivery's (fitDeliveryLine); whole, they were 150–240
// columns, and wrapped mid-word at 80. Piped, the lines are whole, byte
// for byte as before.
func tailPrinter(ctx context.Context, ios *ui.IOStreams, st store.Store) (printItem func(delivery.TailItem) error, batch func([]delivery.TailItem)) {
	var short *ui.StreamIDs
	// fitWidth is the room of the line being printed: the terminal's
	// width, asked per line (the window may be resized), less the id
	// after it. Lines are printed one at a time (Emit).
	fitWidth := 0
	fit := cli.AttemptFit(ctx, ios, st, func() int { return fitWidth })
	if ios.IsStdoutTTY() && !ios.JSON() {
		short = &ui.StreamIDs{}
		batch = func(items []delivery.TailItem) {
			for _, it := range items {
				short.See(it.Row.ID)
			}
		}
	}
	printItem = func(it delivery.TailItem) error {
		row := it.Row
		if ios.JSON() {
			if it.Attempt == nil {
				j := delivery.ToJSON(row.Delivery, row.EventType, nil)
				j.Source = it.Source
				return ui.WriteJSONLine(ios.Out, tailDeliveryJSON{Type: "delivery", DeliveryJSON: j})
			}
			s := it.State
			j := tailAttemptJSON{Type: "attempt", DeliveryID: row.ID, EventID: store.EncodeText(row.EventID), EventType: store.EncodeText(row.EventType), Source: it.Source,
				Status: s.Status, Outcome: "failed", Retry: s.Status == store.DeliveryPending, MaxAttempts: max(s.MaxAttempts, it.Attempt.Number),
				AttemptJSON: delivery.AttemptToJSON(it.Attempt)}
			if s.Status == store.DeliverySucceeded {
				j.Outcome = "succeeded"
			}
			if j.Retry && !s.NextAttemptAt.IsZero() {
				n := s.NextAttemptAt.UTC().Truncate(time.Microsecond)
				j.NextAttemptAt = &n
			}
			return ui.WriteJSONLine(ios.Out, j)
		}
		stamp := it.At().Local().Format("2006-01-02 15:04:05")
		ev := &store.Event{ID: row.EventID, Type: row.EventType, Provider: row.Provider}
		id := row.ID
		if short != nil {
			id = short.Short(id)
		}
		var line string
		if fit != nil {
			fitWidth = 0 // unknown: whole
			if w := ios.OutWidth(); w > 0 {
				fitWidth = max(w-len("  ")-len(id), 1)
			}
		}
		if it.Attempt == nil {
			if fit != nil {
				// A terminal that gives no width (0 columns): nothing cut,
				// but the event named by the prefix its attempt lines give
				// it, as trigger's lines do there.
				width := fitWidth
				if width <= 0 {
					width = math.MaxInt32
				}
				line = fitDeliveryLine(stamp, row.Delivery, ev, it.Source, width, fit.ShortEventID)
			} else {
				line = delivery.DeliveryLine(stamp, row.Delivery, ev, it.Source)
			}
		} else {
			res := delivery.Result{Delivery: it.State, Event: ev, Attempt: it.Attempt, At: it.At(), BudgetRaised: it.BudgetRaised}
			if fit != nil {
				line = fit.AttemptLine(stamp, res)
			} else {
				line = delivery.AttemptLine(stamp, res)
			}
		}
		_, err := fmt.Fprintln(ios.Out, line+"  "+ui.Gray(id))
		return err
	}
	return printItem, batch
}

// fitDeliveryLine is delivery.DeliveryLine fitted to width columns on a
// terminal: the event's id a prefix unique in the store (eventID), then,
// as far as needed, the provider left out, the method too (POST, mostly)
// when the URL has no room for 16 columns, the URL cut by its middle (to
// 8 columns at least) and the event's type by its end (to 12); the
// source (sent, received, check) stays whole.
func fitDeliveryLine(stamp string, d *store.Delivery, ev *store.Event, source string, width int, eventID func(string) string) string {
	const urlFloor = 16
	method := d.Method
	if method == "" {
		method = "POST"
	}
	typ := ui.Printable(ev.Type, false)
	id := ui.Printable(ev.ID, false)
	if id != "" {
		id = eventID(id)
	}
	url := ui.Printable(subscription.MaskUserinfo(d.URL), false)
	what := source
	if ev.Provider != "" {
		what += ", " + ev.Provider
	}
	w := ansi.StringWidth
	// The columns of all but the URL (and the type, cut last).
	others := func() int {
		n := w(stamp) + len("  --> ") + w(typ) + len(" [] ") + w(id) + len(" ()") + w(what)
		if method != "" {
			n += w(method) + 1
		}
		return n
	}
	if others()+w(url) > width {
		what = source
	}
	if others()+min(w(url), urlFloor) > width {
		method = ""
	}
	url = ui.ElideMiddle(url, max(width-others(), 8))
	if over := others() + w(url) - width; over > 0 {
		typ = ui.CutEnd(typ, max(w(typ)-over, 12))
	}
	if method != "" {
		method += " "
	}
	return fmt.Sprintf("%s  --> %s [%s] %s%s (%s)", stamp, ui.Cyan(typ), id, method, url, what)
}
