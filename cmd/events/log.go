package events

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/ui"
)

// LogOptions are the parsed flags of `events log`.
type LogOptions struct {
	Factory     *cli.Factory
	IO          *ui.IOStreams
	TypePattern string
	Source      string
	Since       cli.Moment
	Until       cli.Moment
	Limit       int
}

func newLogCmd(f *cli.Factory, runF func(*LogOptions) error) *cobra.Command {
	opts := &LogOptions{Factory: f}
	c := &cobra.Command{
		Use:   "log [flags]",
		Short: "List events sent and received, newest first, with delivery states",
		Example: `  hookctl events log
  hookctl events log --event 'card.*' --since 1h
  hookctl events log --source received --limit 10 -o json`,
		Args: cobra.NoArgs,
		// events log card.created: its error's hint says --event.
		Annotations: map[string]string{cli.ArgFlag: "event"},
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO = f.IOStreams
			if err := cli.NonEmptyFlags(c, "event", "source"); err != nil {
				return err
			}
			switch opts.Source {
			case "", store.SourceTriggered, store.SourceReceived, store.SourceCheck:
			case store.DeliverySent:
				// deliveries list/tail's name for what hookctl sent: the
				// same events, as they take 'triggered' for 'sent'.
				opts.Source = store.SourceTriggered
			default:
				e := cli.Usagef("invalid --source %q: want triggered, received or check", opts.Source).Suggest(opts.Source, "triggered", "received", "check")
				if len(e.Hints) == 0 {
					e = e.Hint("leave --source out for the events of every source")
				}
				return e
			}
			if opts.Limit < 0 {
				return cli.Usagef("--limit must not be negative").Hint("--limit N shows the newest N events; --limit 0 shows them all")
			}
			if runF != nil {
				return runF(opts)
			}
			return runLog(c, opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.TypePattern, "event", "", "only events of this type or `pattern` (card.*)")
	fl.StringVar(&opts.Source, "source", "", "only `source`: {triggered|received|check} (sent, as deliveries call it, is triggered)")
	cli.MomentVar(fl, &opts.Since, "since", "only events created since this `time`: a duration ago (1h, 7d) or an RFC 3339 date or time")
	cli.MomentVar(fl, &opts.Until, "until", "only events created before this `time`: a duration ago (1h, 7d) or an RFC 3339 date or time")
	fl.IntVar(&opts.Limit, "limit", 50, "show at most `n` events (0 = all)")
	_ = c.RegisterFlagCompletionFunc("event", cli.CompleteEventPatterns(f))
	_ = c.RegisterFlagCompletionFunc("source", cli.CompleteFixed(store.SourceTriggered, store.SourceReceived, store.SourceCheck))
	return c
}

type logJSON struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	Provider  string    `json:"provider"`
	Source    string    `json:"source"`
	CreatedAt time.Time `json:"created_at"`
	// Verdict is listen's signature verdict for a received event:
	// "valid", or "invalid: reason" for a request it rejected (kept
	// without a forward).
	Verdict    string `json:"verdict,omitempty"`
	Deliveries struct {
		Pending   int `json:"pending"`
		Succeeded int `json:"succeeded"`
		Failed    int `json:"failed"`
	} `json:"deliveries"`
}

func runLog(c *cobra.Command, opts *LogOptions) error {
	ctx := c.Context()
	ios := opts.IO
	f := store.EventFilter{TypePattern: opts.TypePattern, Source: opts.Source, NoPayload: true}
	if err := cli.CheckEventFilter("--event", opts.TypePattern); err != nil {
		return err
	}
	now := opts.Factory.Now()
	var err error
	if f.Since, f.Until, err = cli.Window(opts.Since, opts.Until, now); err != nil {
		return err
	}
	st, err := opts.Factory.ReadableStore(ctx)
	if err != nil {
		return err
	}
	// A page at a time (cli.ListPage events, then the next older ones
	// from the last one's place): --limit 0 over any store holds one
	// page. -o json is the same array, written as it is read.
	return cli.PagedList[*store.EventSummary]{
		Limit: opts.Limit,
		Read: func(n int) ([]*store.EventSummary, error) {
			f.Limit = n
			evs, err := st.ListEvents(ctx, f)
			if len(evs) > 0 {
				last := evs[len(evs)-1]
				f.BeforeAt = &store.EventCursor{CreatedAt: last.CreatedAt, Seq: last.Seq}
			}
			return evs, err
		},
		JSON: func(evs []*store.EventSummary, i int) any {
			e := evs[i]
			j := logJSON{ID: store.EncodeText(e.ID), Type: store.EncodeText(e.Type), Provider: e.Provider, Source: e.Source, CreatedAt: e.CreatedAt, Verdict: store.CanonicalVerdict(e.Verdict)}
			j.Deliveries.Pending, j.Deliveries.Succeeded, j.Deliveries.Failed = e.Pending, e.Succeeded, e.Failed
			return j
		},
		Empty: func() {
			// "yet" only when nothing narrowed the list: a filter that
			// matches nothing says so instead of calling the log empty.
			if opts.TypePattern != "" || opts.Source != "" || !opts.Since.IsZero() || !opts.Until.IsZero() {
				fmt.Fprintln(ios.ErrOut, "No events match")
				cli.EventTypoHint(ios.ErrOut, opts.TypePattern)
				return
			}
			fmt.Fprintln(ios.ErrOut, "No events yet")
			fmt.Fprintln(ios.ErrOut, "hookctl: hint: send one: hookctl trigger card.created")
		},
		// On a narrow terminal SOURCE, PROVIDER and CREATED give way (in that
		// order) before the id, type or deliveries are cut; where the type cut
		// to 16 and the deliveries still do not fit (40 columns), the
		// deliveries are left out: the id and the type say which event it is
		// (events show <id> lists its deliveries).
		Table: func() *ui.Table {
			return ui.NewTable(ios, "ID", "TYPE", "PROVIDER", "SOURCE", "DELIVERIES", "CREATED").
				Drop("SOURCE", "PROVIDER", "CREATED").DropLast("DELIVERIES")
		},
		Rows: func(t *ui.Table, evs []*store.EventSummary) error { return logRows(ctx, ios, st, t, evs, now) },
		One:  "event", Many: "events",
	}.Write(ios)
}

// logRows writes a page of the log's rows (Flush: the table holds one
// page at a time).
func logRows(ctx context.Context, ios *ui.IOStreams, st store.Store, t *ui.Table, evs []*store.EventSummary, now time.Time) error {
	s := ios.Styles()
	ids := make([]string, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	if ios.IsStdoutTTY() {
		// A prefix unique in the store, as deliveries list shows ids:
		// events show takes a unique prefix. (The whole 36 characters
		// wrapped the log at 80 columns; a prefix unique among the rows
		// only named an event a filter or --limit left out too.)
		ids = cli.ShortEventIDs(ctx, st, ids)
	}
	for i, e := range evs {
		r := t.Row().Styled(ids[i], s.ID)
		if e.Type == "" && ios.IsStdoutTTY() {
			// A request listen rejected before it could tell the type:
			// named as events show and listen's line name it (a blank
			// cell read as a missing column); piped, it stays empty.
			r.Styled("(unknown type)", s.Muted)
		} else {
			r.Styled(e.Type, s.EventType)
		}
		r.Cell(e.Provider).Cell(e.Source).
			Spans(", ", deliveryStates(ios, e)...).Cell(ios.FormatTime(e.CreatedAt, now)).End()
	}
	return t.Flush()
}

// deliveryStates is "2 succeeded, 1 failed", each part coloured on a
// terminal (the table styles them: a string styled here had its colour
// codes escaped by the table, `\x1b[32m1 succeeded\x1b[0m`).
func deliveryStates(ios *ui.IOStreams, e *store.EventSummary) []ui.Span {
	s := ios.Styles()
	span := func(text string, style lipgloss.Style) ui.Span { return ui.Span{Text: text, Style: &style} }
	var parts []ui.Span
	if e.Succeeded > 0 {
		parts = append(parts, span(fmt.Sprintf("%d succeeded", e.Succeeded), s.Success))
	}
	if e.Failed > 0 {
		parts = append(parts, span(fmt.Sprintf("%d failed", e.Failed), s.Failure))
	}
	if e.Pending > 0 {
		parts = append(parts, span(fmt.Sprintf("%d pending", e.Pending), s.Pending))
	}
	if len(parts) == 0 {
		switch kind, reason := store.ParseVerdict(e.Verdict); {
		case kind == store.VerdictRefused && strings.HasPrefix(reason, "forwarding loop"):
			// Refused for coming back to the listen that forwarded it.
			return []ui.Span{span("none (forwarding loop)", s.Failure)}
		case kind == store.VerdictRefused:
			return []ui.Span{span("none (refused)", s.Failure)}
		case kind == store.VerdictInvalid:
			// A request whose signature failed: kept to be inspected, never forwarded.
			return []ui.Span{span("none (signature rejected)", s.Failure)}
		}
	}
	if len(parts) == 0 {
		return []ui.Span{span("none", s.Muted)}
	}
	return parts
}
