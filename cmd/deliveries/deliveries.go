// Package deliveries implements `hookctl deliveries list|show|tail`.
package deliveries

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/jsonenc"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
	"github.com/hookctl/hookctl/internal/ui"
)

// NewCmd returns `hookctl deliveries`.
func NewCmd(f *cli.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "deliveries <command>",
		Short: "Inspect the delivery log",
		Long: `The delivery log: every delivery of an event to a URL, with the request as
sent and every attempt with its response.`,
		Example: `  hookctl deliveries list --status failed
  hookctl deliveries show 3f2a9c1e`,
	}
	c.AddCommand(newListCmd(f, nil), newShowCmd(f, nil), newTailCmd(f, nil))
	return c
}

// ListOptions are the parsed flags of `deliveries list`.
type ListOptions struct {
	Factory      *cli.Factory
	IO           *ui.IOStreams
	Status       string
	EventPattern string
	Subscription string
	Source       string
	Since        cli.Moment
	Until        cli.Moment
	Limit        int
}

func newListCmd(f *cli.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	c := &cobra.Command{
		Use:   "list [flags]",
		Short: "List deliveries, newest first",
		Example: `  hookctl deliveries list
  hookctl deliveries list --status failed --since 1h
  hookctl deliveries list --event 'card.*' --subscription 8d1c --limit 5 -o json`,
		Args: cobra.NoArgs,
		// events log card.created: its error's hint says --event.
		Annotations: map[string]string{cli.ArgFlag: "event"},
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO = f.IOStreams
			if err := cli.NonEmptyFlags(c, "subscription", "event", "status", "source"); err != nil {
				return err
			}
			if err := checkStatusSource(opts.Status, &opts.Source); err != nil {
				return err
			}
			if opts.Limit < 0 {
				return cli.Usagef("--limit must not be negative").Hint("--limit N shows the newest N deliveries; --limit 0 shows them all")
			}
			if runF != nil {
				return runF(opts)
			}
			return runList(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.Status, "status", "", "only deliveries in this `state`: {pending|succeeded|failed}")
	fl.StringVar(&opts.EventPattern, "event", "", "only events of this type or `pattern` (card.*)")
	fl.StringVar(&opts.Subscription, "subscription", "", "only deliveries of this subscription `id`")
	fl.StringVar(&opts.Source, "source", "", "only deliveries of this `source`: {sent|received|check} (sent by hookctl, forwarded by listen, probes of check)")
	cli.MomentVar(fl, &opts.Since, "since", "only deliveries created since this `time`: a duration ago (1h, 7d) or an RFC 3339 date or time")
	cli.MomentVar(fl, &opts.Until, "until", "only deliveries created before this `time`: a duration ago (1h, 7d) or an RFC 3339 date or time")
	fl.IntVar(&opts.Limit, "limit", 50, "show at most `n` deliveries (0 = all)")
	completeFilterFlags(c, f)
	return c
}

// checkStatusSource refuses a --status or --source the log does not have
// (exit 2, with a suggestion) and takes 'triggered', the name before
// 'sent', for sent. list and tail share it.
func checkStatusSource(status string, source *string) error {
	switch status {
	case "", store.DeliveryPending, store.DeliverySucceeded, store.DeliveryFailed:
	default:
		return cli.Usagef("invalid --status %q: want pending, succeeded or failed", status).Suggest(status, "pending", "succeeded", "failed").
			Hint("leave --status out for deliveries of every status")
	}
	switch *source {
	case "", store.DeliverySent, store.DeliveryReceived, store.DeliveryCheck:
	case store.SourceTriggered:
		*source = store.DeliverySent // the name before 'sent'
	default:
		return cli.Usagef("invalid --source %q: want sent, received or check", *source).Suggest(*source, "sent", "received", "check").
			Hint("leave --source out for deliveries of every source")
	}
	return nil
}

// completeFilterFlags completes the filter flags list and tail share.
func completeFilterFlags(c *cobra.Command, f *cli.Factory) {
	_ = c.RegisterFlagCompletionFunc("status", cli.CompleteFixed(store.DeliveryPending, store.DeliverySucceeded, store.DeliveryFailed))
	_ = c.RegisterFlagCompletionFunc("event", cli.CompleteEventPatterns(f))
	_ = c.RegisterFlagCompletionFunc("subscription", cli.CompleteSubscriptionIDs(f))
	_ = c.RegisterFlagCompletionFunc("source", cli.CompleteFixed(store.DeliverySent, store.DeliveryReceived, store.DeliveryCheck))
}

// eventTypes caches the event heads (type, source; store.GetEventHeads:
// no payload or headers) of a listing's deliveries, read in one query per
// window of listWindow deliveries instead of once per event: a page of 50
// failed deliveries on PostgreSQL read its ~30 events in 30 round trips,
// and a listing of 100,000 read every event whole (payload and headers
// sent and decoded) for two short columns.
type eventTypes struct {
	st   store.Store
	m    map[string]*store.EventHead
	next int // the index in the listing of the first delivery not yet loaded
}

const listWindow = 256

// at returns the event head of ds[i], loading the window from ds[i]
// first if ds[i] is past the loaded ones.
func (e *eventTypes) at(ctx context.Context, ds []*store.Delivery, i int) *store.EventHead {
	if i >= e.next {
		e.load(ctx, ds[i:min(i+listWindow, len(ds))])
		e.next = i + listWindow
	}
	return e.get(ctx, ds[i].EventID)
}

func (e *eventTypes) load(ctx context.Context, ds []*store.Delivery) {
	if len(e.m) > 2000 {
		clear(e.m)
	}
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.EventID
	}
	// An error: get reads them one by one and says what it cannot.
	_ = store.LoadEventHeads(ctx, e.st, ids, e.m)
}

func (e *eventTypes) get(ctx context.Context, id string) *store.EventHead {
	if h, ok := e.m[id]; ok {
		return h
	}
	h := &store.EventHead{ID: id}
	if ev, err := e.st.GetEvent(ctx, id); err == nil {
		h = &store.EventHead{ID: ev.ID, Type: ev.Type, Provider: ev.Provider, Source: ev.Source, CreatedAt: ev.CreatedAt}
	}
	if len(e.m) > 2000 {
		clear(e.m)
	}
	e.m[id] = h
	return h
}

func runList(ctx context.Context, opts *ListOptions) error {
	ios := opts.IO
	f := store.DeliveryFilter{Status: opts.Status, EventPattern: opts.EventPattern, Source: opts.Source, Newest: true}
	if err := cli.CheckEventFilter("--event", opts.EventPattern); err != nil {
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
	if opts.Subscription != "" {
		// A deleted subscription's deliveries keep its id.
		if f.SubscriptionID, _, err = store.SubscriptionFilterID(ctx, st, opts.Subscription); err != nil {
			return err
		}
	}
	// A page at a time (cli.ListPage deliveries, then the older ones):
	// --limit 0 over any store holds one page. -o json is the same
	// array, written as it is read.
	types := &eventTypes{st: st, m: map[string]*store.EventHead{}}
	return cli.PagedList[*store.Delivery]{
		Limit: opts.Limit,
		Read: func(n int) ([]*store.Delivery, error) {
			f.Limit = n
			ds, err := st.ListDeliveries(ctx, f)
			if len(ds) > 0 {
				f.BeforeSeq = ds[len(ds)-1].Seq
			}
			types.next = 0 // the window indexes this page
			return ds, err
		},
		JSON: func(ds []*store.Delivery, i int) any {
			ev := types.at(ctx, ds, i)
			j := delivery.ToJSON(ds[i], ev.Type, nil)
			j.Source = store.DeliverySource(ds[i], ev.Source)
			return j
		},
		Empty: func() {
			fmt.Fprintln(ios.ErrOut, "No deliveries match")
			cli.EventTypoHint(ios.ErrOut, opts.EventPattern)
		},
		// On a narrow terminal SOURCE, CREATED, ATTEMPTS and LAST give way
		// (in that order) before the id, event type, status or URL is cut;
		// where the event type and URL cut to 16 still do not fit (40
		// columns), the event type is left out, as replay --dry-run's: the
		// id and the status say what became of a delivery, the URL where.
		Table: func() *ui.Table {
			return ui.NewTable(ios, "ID", "SOURCE", "EVENT", "STATUS", "ATTEMPTS", "LAST", "URL", "CREATED").
				Drop("SOURCE", "CREATED", "ATTEMPTS", "LAST").DropLast("EVENT")
		},
		Rows: func(t *ui.Table, ds []*store.Delivery) error { return listRows(ctx, ios, st, t, types, ds, now) },
		One:  "delivery", Many: "deliveries",
	}.Write(ios)
}

// listRows writes a page of the list's rows (Flush: the table holds one
// page at a time).
func listRows(ctx context.Context, ios *ui.IOStreams, st store.Store, t *ui.Table, types *eventTypes, ds []*store.Delivery, now time.Time) error {
	s := ios.Styles()
	// On a terminal, ids and origin ids (listen's forwards: ↳ the
	// delivery forwarded) are cut to prefixes unique among all of them:
	// show, replay… take one.
	ids := make([]string, len(ds), 2*len(ds))
	origins := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
		origins[i] = d.OriginID
	}
	if ios.IsStdoutTTY() {
		var named []int // the rows with an origin
		for i, o := range origins {
			if o != "" {
				named = append(named, i)
				ids = append(ids, o)
			}
		}
		ids = cli.ShortDeliveryIDs(ctx, st, ids)
		for k, i := range named {
			origins[i] = ids[len(ds)+k]
		}
		ids = ids[:len(ds)]
	}
	for i, d := range ds {
		id := ids[i]
		last := ""
		if d.LastStatus != 0 {
			last = fmt.Sprint(d.LastStatus)
		} else if d.LastError != "" {
			last = "ERR"
		}
		ev := types.at(ctx, ds, i)
		src := store.DeliverySource(d, ev.Source)
		if d.OriginID != "" && ios.IsStdoutTTY() {
			src += " ↳" + origins[i] // listen's forward of that delivery
		} else if d.OriginID != "" {
			src += ":" + d.OriginID
		}
		t.Row().Styled(id, s.ID).Cell(src).Styled(ev.Type, s.EventType).
			Styled(d.Status, s.DeliveryStatus(d.Status)).Cell(fmt.Sprintf("%d/%d", d.AttemptCount, d.MaxAttempts)).
			Styled(last, s.AttemptStatus(d.LastStatus, delivery.LastAttemptFailed(d))).Cell(subscription.MaskUserinfo(d.URL)).Cell(ios.FormatTime(d.CreatedAt, now)).End()
	}
	return t.Flush()
}

// ShowOptions are the parsed flags of `deliveries show`.
type ShowOptions struct {
	Factory *cli.Factory
	IO      *ui.IOStreams
	ID      string
	// Raw is what to print instead of the whole delivery: the request
	// body (rawBody), an attempt's response body (rawResponse) or a curl
	// command (rawCurl); "" prints the delivery.
	Raw string
	// Attempt is the attempt of --response and --curl (1 = the first);
	// 0 = the last.
	Attempt int
}

const (
	rawBody     = "body"
	rawResponse = "response"
	rawCurl     = "curl"
)

func newShowCmd(f *cli.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{Factory: f}
	var body, response, curl bool
	c := &cobra.Command{
		Use:     "show <delivery-id> [{--body|--response|--curl}] [--attempt <n>]",
		Aliases: []string{"get"},
		Short:   "Show a delivery: the request sent, every attempt and its response",
		Long: `Show a delivery: the request as sent, then every attempt and its response
(control characters escaped). The id may be a unique prefix.

To get the bytes themselves, for a pipe, a diff or a file:

  --body      the request body as sent, byte for byte (the same for every
              attempt; for a forward by listen, what listen received)
  --response  the response body of the last attempt (--attempt n: of the
              nth), as recorded: an attempt keeps the first 64 KiB of an
              answer, and says so on stderr when it was cut
  --curl      a curl command (POSIX sh) that sends the last attempt's
              request again (--attempt n: the nth's): its method, URL,
              every header as sent, the body byte for byte (any bytes:
              one that is not text is piped in from base64); -k when
              that attempt was sent with --insecure to an https URL

Piped, --body and --response write the bytes exactly, with no newline
added; on a terminal their control characters are escaped and a final
newline is added (as events show does); so are the control characters of
a --curl command (a header as a sender sent it), with a note: redirect it
to a file to get it as it runs. The signature in --curl's headers
is the one that attempt sent while it is within its scheme's timestamp
tolerance (Stripe and Standard Webhooks allow 5 minutes); once older, a
receiver that checks the timestamp would refuse it, so the command carries
one made now, with the same scheme and the secret the attempt's verifies
with, and a note on stderr says until when it is valid. A receiver that
remembers ids may refuse it as a duplicate. Credentials sent
in clear (Authorization, X-Api-Key…) are masked there as everywhere hookctl
shows a request: put the real value back before running it.`,
		Example: `  hookctl deliveries show 3f2a9c1e
  hookctl deliveries show 3f2a9c1e -o json | jq '.attempts[].response.status'
  hookctl deliveries show 3f2a9c1e --body | jq .
  hookctl deliveries show 3f2a9c1e --response --attempt 1
  hookctl deliveries show 3f2a9c1e --curl > resend.sh`,
		Args:              cli.IDArgs("delivery", 1),
		ValidArgsFunction: cli.CompleteDeliveryIDs(f, "", false),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO = f.IOStreams
			opts.ID = args[0]
			var set []string
			for _, r := range []struct {
				on   bool
				name string
			}{{body, rawBody}, {response, rawResponse}, {curl, rawCurl}} {
				if r.on {
					set = append(set, "--"+r.name)
					opts.Raw = r.name
				}
			}
			if len(set) > 1 {
				return cli.Usagef("%s cannot be used together: each prints one thing", strings.Join(set, " and ")).
					Hint("give one of --body, --response and --curl, or none for the whole delivery")
			}
			if c.Flags().Changed("attempt") {
				if opts.Raw != rawResponse && opts.Raw != rawCurl {
					return cli.Usagef("--attempt picks the attempt of --response or --curl").Hint("every attempt: hookctl deliveries show %s", opts.ID)
				}
				if opts.Attempt < 1 {
					return cli.Usagef("invalid --attempt %d: attempts are numbered from 1", opts.Attempt).
						Hint("e.g. --attempt 1 (the first); leave it out for the last; the attempts are listed by: hookctl deliveries show %s", opts.ID)
				}
			}
			// They print bytes, not a document: -o json on the command
			// line with them is a contradiction; an output format from
			// HOOKCTL_OUTPUT or the config file gives way (as sign's
			// --format does).
			if opts.Raw != "" && opts.IO.JSON() && c.Flags().Changed("output") {
				return cli.Usagef("--%s and --output json cannot be used together", opts.Raw).
					Hint("the whole delivery as JSON: hookctl deliveries show %s -o json", opts.ID)
			}
			if runF != nil {
				return runF(opts)
			}
			return runShow(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.BoolVar(&body, "body", false, "print the request body as sent, byte for byte")
	fl.BoolVar(&response, "response", false, "print the response body of the last attempt (or of --attempt), as recorded")
	fl.BoolVar(&curl, "curl", false, "print a curl command that sends the request of the last attempt (or of --attempt) again")
	fl.IntVar(&opts.Attempt, "attempt", 0, "with --response or --curl: attempt `n` (1 = the first) instead of the last")
	return c
}

// showJSON is `deliveries show -o json`.
type showJSON struct {
	delivery.DeliveryJSON
	Event eventJSON `json:"event"`
	// Linked are listen's forwards of this delivery to the app (one
	// history: replaying this delivery replays them).
	Linked []delivery.DeliveryJSON `json:"linked,omitempty"`
	// EditedCopies are the copies of this delivery sent from the
	// inspector's edit and resend (each its own event), newest first.
	EditedCopies []delivery.DeliveryJSON `json:"edited_copies,omitempty"`
}

type eventJSON struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	Provider    string `json:"provider"`
	Source      string `json:"source"`
	ContentType string `json:"content_type"`
	Body        string `json:"body"`
	// BodyBase64: the body's exact bytes when they are not UTF-8 (Body
	// then holds U+FFFD in their place; jsonenc.BodyBase64).
	BodyBase64 []byte `json:"body_base64,omitempty"`
}

func runShow(ctx context.Context, opts *ShowOptions) error {
	ios := opts.IO
	st, err := opts.Factory.ReadableStore(ctx)
	if err != nil {
		return err
	}
	d, err := st.GetDelivery(ctx, opts.ID)
	if err != nil {
		return cli.DeliveryOrEventID(ctx, st, opts.ID, err, "hookctl deliveries show", false)
	}
	ev, err := st.GetEvent(ctx, d.EventID)
	if err != nil {
		return err
	}
	atts, err := st.ListAttempts(ctx, d.ID)
	if err != nil {
		return err
	}
	if opts.Raw != "" {
		var next map[string][]string
		if opts.Raw == rawBody && len(atts) == 0 {
			if next, err = nextHeaders(ctx, st, d); err != nil {
				return err
			}
		}
		// --curl signs afresh with the secret the attempt's signature
		// verifies with: the subscription's (gone: the delivery's own).
		var sub *store.Subscription
		if opts.Raw == rawCurl && d.SubscriptionID != "" {
			if sub, err = st.GetSubscription(ctx, d.SubscriptionID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return showRaw(opts, d, ev, atts, next, sub, func() time.Time { return opts.Factory.Now().Add(store.Skew(ctx, st)) })
	}
	// Forwards listen recorded for this delivery (same event, linked),
	// and its edited copies (events of their own).
	var linked, copies []*store.Delivery
	derived, err := st.ListDeliveries(ctx, store.DeliveryFilter{OriginID: d.ID, Limit: 1000, Newest: true})
	if err != nil {
		return err
	}
	for _, o := range derived {
		switch {
		case o.Kind == store.KindEdited:
			copies = append(copies, o)
		case d.Kind != store.KindForward:
			linked = append([]*store.Delivery{o}, linked...) // oldest first, as before
		}
	}
	if ios.JSON() {
		j := showJSON{DeliveryJSON: delivery.ToJSON(d, ev.Type, atts),
			Event: eventJSON{ID: store.EncodeText(ev.ID), Type: store.EncodeText(ev.Type), Provider: ev.Provider, Source: ev.Source, ContentType: ev.ContentType, Body: string(ev.Payload),
				BodyBase64: jsonenc.BodyBase64(ev.Payload)}}
		j.Source = store.DeliverySource(d, ev.Source)
		for _, o := range linked {
			oj := delivery.ToJSON(o, ev.Type, nil)
			oj.Source = store.DeliverySource(o, ev.Source)
			j.Linked = append(j.Linked, oj)
		}
		for _, o := range copies {
			oj := delivery.ToJSON(o, ev.Type, nil)
			oj.Source = store.DeliverySource(o, store.SourceTriggered)
			j.EditedCopies = append(j.EditedCopies, oj)
		}
		if j.Attempts == nil {
			j.Attempts = []delivery.AttemptJSON{}
		}
		return ui.WriteJSON(ios.Out, j)
	}
	s := ios.Styles()
	cw := &ui.CheckedWriter{W: ios.Out}
	w := cw
	now := opts.Factory.Now()
	kv := func(k, v string) { fmt.Fprintf(w, "%s %s\n", s.Key.Render(fmt.Sprintf("%-13s", k+":")), v) }
	fmt.Fprintln(w, s.Title.Render("Delivery "+d.ID))
	// What a receiver answered and what listen received are printed
	// with their control characters escaped (ui.Printable): an answer
	// must not be able to drive the terminal showing it.
	kv("Event", fmt.Sprintf("%s [%s] (%s, %s)", s.EventType.Render(ui.Printable(ev.Type, false)), ui.Printable(ev.ID, false), ev.Provider, ev.Source))
	sub := d.SubscriptionID
	switch {
	case d.DeletedSubscriptionID != "":
		sub = d.DeletedSubscriptionID + " (deleted)"
	case sub == "":
		sub = "(none: ad hoc)"
	}
	kv("Subscription", sub)
	kv("Source", store.DeliverySource(d, ev.Source))
	if d.OriginID != "" {
		what := "forward by listen of delivery"
		if d.Kind == store.KindEdited {
			what = "edited resend of delivery"
		}
		kv("Origin", what+" "+d.OriginID)
	}
	for _, o := range linked {
		last := o.LastError
		if o.LastStatus != 0 {
			last = fmt.Sprintf("HTTP %d", o.LastStatus)
		}
		kv("Forwarded", fmt.Sprintf("by listen to %s: %s %s (delivery %s)", subscription.MaskUserinfo(o.URL), s.DeliveryStatus(o.Status).Render(o.Status), last, o.ID))
	}
	for _, o := range copies {
		kv("Edited copy", fmt.Sprintf("%s %s, sent %s", o.ID, s.DeliveryStatus(o.Status).Render(o.Status), ios.FormatTime(o.CreatedAt, now)))
	}
	kv("URL", subscription.MaskUserinfo(d.URL))
	kv("Status", s.DeliveryStatus(d.Status).Render(d.Status))
	kv("Attempts", fmt.Sprintf("%d of %d (schedule %s)", d.AttemptCount, d.MaxAttempts, d.Schedule))
	if d.Status == store.DeliveryPending {
		// Due times are on the store's clock (PostgreSQL: the server's),
		// which this machine's may be off from.
		kv("Next attempt", ios.FormatTime(d.NextAttemptAt, now.Add(store.Skew(ctx, st))))
	}
	if d.LastError != "" {
		kv("Last error", s.Failure.Render(ui.Printable(d.LastError, false)))
	}
	kv("Created", ios.FormatTime(d.CreatedAt, now))

	fmt.Fprintln(w)
	fmt.Fprintln(w, s.Header.Render("Request"))
	method := d.Method
	if method == "" {
		method = http.MethodPost
	}
	reqURL := d.URL
	if len(atts) > 0 {
		method, reqURL = atts[0].RequestMethod, atts[0].RequestURL
	}
	fmt.Fprintf(w, "%s %s\n", method, subscription.MaskUserinfo(reqURL))
	if len(atts) > 0 {
		WriteHeaders(w, delivery.MaskHeaders(atts[0].RequestHeaders), s)
	} else {
		fmt.Fprintf(w, "Content-Type: %s\n", ev.ContentType)
	}
	fmt.Fprintln(w)
	WriteBody(w, ev.Payload)

	// An attempt's status is red when it failed under the scheme the
	// delivery is sent with: a subscription's (its deliveries carry
	// none), else the event's provider's for "auto".
	subScheme := ""
	if d.Scheme == "" && d.SubscriptionID != "" {
		if sb, err := st.GetSubscription(ctx, d.SubscriptionID); err == nil && sb != nil {
			subScheme = sb.Scheme
		}
	}
	scheme := delivery.SentScheme(d, subScheme, ev.Provider)
	for i, a := range atts {
		fmt.Fprintln(w)
		code := "ERR"
		if a.ResponseStatus != 0 {
			code = fmt.Sprint(a.ResponseStatus)
		}
		trigger := ""
		if a.Manual {
			trigger = "  " + s.Muted.Render("manual") // asked for: a replay, a resend
		}
		fmt.Fprintf(w, "%s  %s  %s %s  %s  %s%s\n", s.Header.Render(fmt.Sprintf("Attempt %d", a.Number)),
			s.AttemptStatus(a.ResponseStatus, delivery.AttemptFailed(d, atts, i, scheme)).Render("["+code+"]"), a.RequestMethod, subscription.MaskUserinfo(a.RequestURL),
			a.Duration.Round(100*time.Microsecond), ios.FormatTime(a.StartedAt, now), trigger)
		if a.Number > 1 {
			// The signature changes per attempt: show what was sent.
			fmt.Fprintln(w, s.Muted.Render("request headers:"))
			WriteHeaders(w, delivery.MaskHeaders(a.RequestHeaders), s)
		}
		if a.Error != "" {
			fmt.Fprintln(w, s.Failure.Render("error: "+ui.Printable(a.Error, false)))
		}
		if a.ResponseStatus != 0 {
			fmt.Fprintln(w, s.Muted.Render("response:"))
			WriteHeaders(w, a.ResponseHeaders, s)
			if len(a.ResponseBody) > 0 {
				fmt.Fprintln(w)
				WriteBody(w, a.ResponseBody)
				if delivery.BodyTruncated(a) {
					fmt.Fprintln(w, s.Muted.Render(truncatedNote(a)))
				}
			}
		}
	}
	return cw.Err
}

// truncatedNote says that only the first MaxResponseBody bytes of an
// answer were kept, with its whole size when its Content-Length gave it.
func truncatedNote(a *store.Attempt) string {
	kept := sizeText(int64(len(a.ResponseBody)))
	for k, vs := range a.ResponseHeaders {
		if strings.EqualFold(k, "Content-Length") && len(vs) > 0 {
			if n, err := strconv.ParseInt(vs[0], 10, 64); err == nil && n > int64(len(a.ResponseBody)) {
				return fmt.Sprintf("… (the first %s of %s kept)", kept, sizeText(n))
			}
		}
	}
	return fmt.Sprintf("… (the first %s kept: any more was not recorded)", kept)
}

func sizeText(n int64) string {
	if n >= 1024 && n%1024 == 0 {
		return fmt.Sprintf("%d KiB", n/1024)
	}
	return fmt.Sprintf("%d bytes", n)
}

// WriteHeaders prints headers sorted by name, one "Name: value" line per
// value, control characters escaped.
func WriteHeaders(w io.Writer, h map[string][]string, s *ui.Styles) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(w, "%s: %s\n", s.Key.Render(ui.Printable(k, false)), ui.Printable(v, false))
		}
	}
}

// WriteBody prints a body with its control characters escaped, ending in
// a newline.
func WriteBody(w io.Writer, b []byte) {
	text := ui.Printable(string(b), true)
	fmt.Fprint(w, text)
	if !strings.HasSuffix(text, "\n") {
		fmt.Fprintln(w)
	}
}

// nextHeaders are the custom headers d's first attempt will send, as the
// engine takes them: its subscription's, then the delivery's own. They
// say whether the body goes form-encoded.
func nextHeaders(ctx context.Context, st store.Store, d *store.Delivery) (map[string][]string, error) {
	h := map[string][]string{}
	if d.SubscriptionID != "" {
		sub, err := st.GetSubscription(ctx, d.SubscriptionID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if sub != nil {
			for k, v := range sub.Headers {
				h[k] = []string{v}
			}
		}
	}
	for k, v := range d.Headers {
		h[k] = []string{v}
	}
	return h, nil
}

// showRaw prints what --body, --response or --curl ask for; next are the
// headers of a delivery not attempted yet (nextHeaders), for --body; sub
// is d's subscription (nil: none, or deleted), for --curl; dueNow is the
// time now on the clock of the store's due times.
func showRaw(opts *ShowOptions, d *store.Delivery, ev *store.Event, atts []*store.Attempt, next map[string][]string, sub *store.Subscription, dueNow func() time.Time) error {
	ios := opts.IO
	if opts.Raw == rawBody {
		// The body is the same in every attempt (only the signature
		// headers change); one not sent yet is the one that will be.
		h := next
		if len(atts) > 0 {
			h = atts[len(atts)-1].RequestHeaders
		}
		return writeRaw(ios, delivery.SentBody(ev, h))
	}
	if len(atts) == 0 {
		what := "no response"
		if opts.Raw == rawCurl {
			what = "no request sent"
		}
		e := cli.Failf("delivery %s has no attempt yet: %s to show", d.ID, what)
		if d.Status == store.DeliveryPending {
			e = e.Hint("it is pending: its first attempt is due %s", ios.FormatTime(d.NextAttemptAt, dueNow()))
		}
		return e
	}
	a := atts[len(atts)-1]
	if opts.Attempt > 0 {
		if opts.Attempt > len(atts) {
			// Not found (exit 1, as a delivery id not found): the hint
			// says how many there are, with the command for the last.
			e := cli.Failf("delivery %s has %s: no attempt %d", d.ID, plural(len(atts), "attempt"), opts.Attempt)
			if len(atts) == 1 {
				return e.Hint("it has 1 attempt: hookctl deliveries show %s --%s (without --attempt: the last)", opts.ID, opts.Raw)
			}
			return e.Hint("it has %d attempts, numbered 1 to %d: hookctl deliveries show %s --%s --attempt %d (the last, as without --attempt)",
				len(atts), len(atts), opts.ID, opts.Raw, len(atts))
		}
		a = atts[opts.Attempt-1]
	}
	if opts.Raw == rawCurl {
		method := a.RequestMethod
		if method == "" {
			method = http.MethodPost
		}
		u := a.RequestURL
		if u == "" {
			u = d.URL
		}
		// -k when the attempt was sent with --insecure (to an https
		// receiver): it reached it so, the command does too.
		headers, body := a.RequestHeaders, delivery.SentBody(ev, a.RequestHeaders)
		// The attempt's own signature, older than its scheme's
		// tolerance, is refused by a receiver that checks the timestamp
		// (a failure other than the one being debugged): signed afresh,
		// as the inspector's copy as curl is. The receiver's clock is
		// this machine's, not the store's.
		now := opts.Factory.Now()
		if r := delivery.ResignAttempt(d, ev, sub, a, body, now); r != nil {
			headers = r.Headers
			fmt.Fprintf(ios.ErrOut, "hookctl: note: signed now: attempt %d's own signature, made %s, is older than the %s a %s receiver accepts\n",
				a.Number, ui.RelativeTime(a.StartedAt, now), r.Within(), delivery.SchemeOf(d, sub, ev))
			fmt.Fprintf(ios.ErrOut, "hookctl: note: this one is valid until %s UTC: for a fresh one, run hookctl deliveries show %s --curl again\n",
				r.Until.UTC().Format("15:04:05"), d.ID)
		}
		cmd := delivery.CurlCommandTLS(method, u, headers, body, a.Insecure)
		if ios.IsStdoutTTY() {
			// A header as received (listen's forwards) may hold a C1
			// control (CSI) that would drive the terminal: escaped here,
			// it no longer runs, so say how to get the command itself.
			if safe := ui.Printable(cmd, true); safe != cmd {
				cmd = safe
				fmt.Fprintf(ios.ErrOut, "hookctl: note: control characters in the command are escaped on a terminal: redirect it to a file to get it as it runs (hookctl deliveries show %s --curl > resend.sh)\n", d.ID)
			}
		}
		_, err := fmt.Fprintln(ios.Out, cmd)
		return err
	}
	if a.ResponseStatus == 0 {
		return cli.Failf("attempt %d of delivery %s got no response: %s", a.Number, d.ID, ui.Printable(a.Error, false))
	}
	if err := writeRaw(ios, a.ResponseBody); err != nil {
		return err
	}
	if delivery.BodyTruncated(a) {
		note := strings.TrimSuffix(strings.TrimPrefix(truncatedNote(a), "… ("), ")")
		fmt.Fprintf(ios.ErrOut, "hookctl: note: the response was cut: %s\n", note)
	}
	return nil
}

// writeRaw writes b as it is to a pipe or a file. On a terminal its
// control characters are escaped (a body must not drive the terminal
// showing it) and a final newline is added, as events show does.
func writeRaw(ios *ui.IOStreams, b []byte) error {
	if !ios.IsStdoutTTY() {
		_, err := ios.Out.Write(b)
		return err
	}
	if len(b) == 0 {
		return nil
	}
	cw := &ui.CheckedWriter{W: ios.Out}
	WriteBody(cw, b)
	return cw.Err
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
