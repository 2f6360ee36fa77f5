package web

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
	"github.com/hookctl/hookctl/internal/ui"
)

// page is what every template gets.
type page struct {
	Title string
	Nav   string
	CSRF  string
	Flash string
	Error string
	D     any
}

// stamp is a time as the pages show it in full: UTC, to the millisecond.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000Z") }

var funcs = template.FuncMap{
	"short": shortID,
	"ago":   ago,
	"agoAt": agoAt,
	"ms":    fmtDuration,
	"ts":    stamp,
	// zone names this machine's time zone, where a page shows times of
	// day on its clock (the log's Time column, the chart's axis).
	"zone": func() string { return time.Now().Format("MST") },
	"join": strings.Join,
	"mask": subscription.MaskSecret,
	// maskurl: a URL with the password in it masked (alice:xxxxx@);
	// deliveries are sent to the stored one, `store export` keeps it.
	"maskurl": subscription.MaskUserinfo,
	"list":    func(s ...string) []string { return s },
	// seg is an ID as one path segment: an event keeps its sender's id,
	// which may hold "/", "?", "#" or "%" (a link's path is not escaped
	// for them).
	"seg": url.PathEscape,
	// verdict: a stored verdict as written today (an old forwarding
	// loop's "invalid: …" reads "refused: …").
	"verdict": store.CanonicalVerdict,
	// bodyview: a body's Pretty or Raw view, cut at bodyViewMax.
	"bodyview": bodyView,
}

func (h *Handler) parseTemplates() error {
	h.pages = map[string]*template.Template{}
	base, err := template.New("base").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/row.html")
	if err != nil {
		return err
	}
	for _, p := range []string{"log", "events", "detail", "edit", "diff", "subscriptions", "subscription", "trigger", "overview", "error", "event"} {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, "templates/"+p+".html")
		if err != nil {
			return err
		}
		h.pages[p] = t
	}
	h.rowT = base
	return nil
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, name string, p page) {
	p.CSRF = h.csrf
	if p.Nav == "" {
		p.Nav = name
	}
	if f := r.URL.Query().Get("flash"); f != "" && p.Flash == "" && hmac.Equal([]byte(r.URL.Query().Get("fs")), []byte(h.flashMAC(f))) {
		p.Flash = f
	}
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		http.Error(w, "render: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(validUTF8(buf.Bytes()))
}

// validUTF8 is HTML as it is sent: charset=utf-8, so a byte that is not
// UTF-8 (a received header's value, an ID a sender chose) is written as
// \xff, as ui.Printable writes it, instead of making the page invalid
// (a browser shows U+FFFD, and the byte is lost). The bodies are escaped
// before (bodyText); this catches what else a store holds. Every page
// goes through it, and so does every piece of HTML sent as JSON (the live
// log's rows, the log's fragments: htmlJSON), so a row reads the same
// streamed in and in the page (encoding/json writes such a byte as
// U+FFFD).
func validUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			out = fmt.Appendf(out, `\x%02x`, b[0])
		} else {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return out
}

// htmlJSON is HTML that a page receives in JSON (the live log's rows,
// a fragment), escaped as the pages are (validUTF8).
func htmlJSON(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return string(validUTF8([]byte(s)))
}

// flashQuery is "flash=MSG&fs=MAC" for the redirect after an action: the
// message is shown only with the MAC of this process's key, so a link from
// elsewhere (http://127.0.0.1:4040/?flash=…) cannot put words on the page.
func (h *Handler) flashQuery(msg string) string {
	return "flash=" + url.QueryEscape(msg) + "&fs=" + h.flashMAC(msg)
}

func (h *Handler) flashMAC(msg string) string {
	m := hmac.New(sha256.New, h.flashKey)
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, err error) {
	if errors.Is(r.Context().Err(), context.DeadlineExceeded) {
		// The page's reads did not end within pageTimeout: a
		// lock held on the store (a migration, a long transaction, a
		// prune), not an outage nor the inspector's error.
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
		h.render(w, r, "error", page{Title: "Store busy", Error: fmt.Sprintf("hookctl's store did not answer within %s: is it locked by another process (a migration, a long transaction, a store prune or import) or overloaded? Reload this page in a few seconds.", h.pageTimeout())})
		return
	}
	if store.IsTransient(err) {
		// The store went away (a PostgreSQL restart or failover): the
		// page works again once it is back, without a restart.
		w.Header().Set("Retry-After", "2")
		w.WriteHeader(http.StatusServiceUnavailable)
		h.render(w, r, "error", page{Title: "Store unavailable", Error: "hookctl's store " + store.TransientReason(err) + ": reload this page in a few seconds."})
		return
	}
	if status == http.StatusInternalServerError {
		if why := h.storeChanged(r.Context(), err); why != "" {
			// Not the inspector's fault and not a reload away: the
			// store was migrated or reset under it. The page said
			// "SQL logic error: no such column: e.verdict (1)", 500.
			w.WriteHeader(http.StatusServiceUnavailable)
			h.render(w, r, "error", page{Title: "Store changed", Error: why})
			return
		}
	}
	w.WriteHeader(status)
	h.render(w, r, "error", page{Title: "Error", Error: err.Error()})
}

// storeChanged says why a read of the store failed when the store is
// no longer the one this inspector opened: its file replaced or
// deleted, its schema migrated by another hookctl, or its tables gone
// (a reset); "" when none of these is so (err is then the reason).
func (h *Handler) storeChanged(ctx context.Context, err error) string {
	if store.IsGone(err) || store.IsGone(store.CheckInPlace(h.st)) {
		return "hookctl's store file was deleted, moved or replaced while the inspector ran: restart the inspector (hookctl ui) to read the store now at that path."
	}
	m, ok := h.st.(store.Migrator)
	if !ok {
		return ""
	}
	current, latest, verr := m.SchemaVersion(ctx)
	switch {
	case verr == nil && current > latest:
		return fmt.Sprintf("hookctl's store was migrated to schema %d by a newer hookctl while the inspector ran; this inspector reads schema %d: stop it and start the newer hookctl's (hookctl ui).", current, latest)
	case verr == nil && current != latest:
		return fmt.Sprintf("hookctl's store has schema %d now, not the %d this inspector opened (another hookctl changed it while the inspector ran): restart the inspector with the hookctl that matches the store.", current, latest)
	case store.IsTableGone(err) || strings.Contains(err.Error(), "no such table"):
		return "hookctl's store no longer has its tables (was it reset or replaced while the inspector ran?): restart the inspector (hookctl ui); " + err.Error()
	}
	return ""
}

func notFoundOr500(err error) int {
	var nf *store.NotFoundError
	if errors.As(err, &nf) || errors.Is(err, store.ErrNotFound) {
		return http.StatusNotFound
	}
	var amb *store.AmbiguousError
	if errors.As(err, &amb) {
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

func shortID(s string) string { return ui.ShortID(s) }

func ago(t time.Time) string { return agoAt(t, time.Now()) }

// agoAt is ago as of now: a due time read from PostgreSQL is on the
// server's clock, and compared with this machine's clock plus the two
// clocks' difference (store.Skew).
func agoAt(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return "in " + (-d).Round(time.Second).String()
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + "s ago"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + "m ago"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d.Hours())) + "h ago"
	}
	return strconv.Itoa(int(d.Hours()/24)) + "d ago"
}

func fmtDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d < time.Millisecond:
		return fmt.Sprintf("%d µs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
	case d < time.Minute:
		// "1.53 s", not "1532.4 ms": the log's latency column fits
		// seven characters.
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return d.Round(time.Second).String()
}

// ---- live log ----

// rowView is one line of the live log.
type rowView struct {
	ID, Seq, Time, Source, Provider, Type, Target, TargetTitle string
	// Stamp is the row's date and time in UTC, as the detail pages
	// show it (Time is the time of day on this machine's clock).
	Stamp string
	// At is the row's time in unix µs (where the page's script ends a
	// page it trims: the next one's until).
	At string
	// TargetPath is the end of the target URL (port, path and query),
	// shown whole while Target (the subscription and host) gives way.
	TargetPath                                               string
	SubscriptionID, Status, Attempts, Latency, Verdict, Kind string
	VerdictClass                                             string
	// Event: the row is an event without deliveries (ID is its ID).
	Event bool
	at    time.Time
	seq   int64
}

// verdictOf is a row's verdict cell: "bad" for a request listen rejected,
// whether its signature failed or it was refused before its signature was
// checked (a forwarding loop: "refused: …", never "invalid").
func verdictOf(v string) (text, class string) {
	switch kind, _ := store.ParseVerdict(v); kind {
	case store.VerdictValid:
		return "valid", "ok"
	case store.VerdictInvalid, store.VerdictRefused:
		return store.CanonicalVerdict(v), "bad"
	}
	return "not verified", "muted"
}

// rejectedVerdict is the signature section of a rejected event's page.
func rejectedVerdict(v string) verdictView {
	kind, reason := store.ParseVerdict(v)
	if kind == store.VerdictRefused {
		return verdictView{Class: "bad", Text: "not checked: refused", Reason: reason}
	}
	return verdictView{Class: "bad", Text: "invalid", Reason: reason}
}

// eventView is a log row for an event that has no delivery: received by
// listen and not forwarded, or rejected.
func eventView(e *store.EventRow) rowView {
	v := rowView{ID: e.ID, Seq: strconv.FormatInt(e.Seq, 10), Time: e.CreatedAt.Local().Format("15:04:05.000"), Stamp: stamp(e.CreatedAt), At: strconv.FormatInt(e.CreatedAt.UnixMicro(), 10),
		Source: e.Source, Provider: e.Provider, Type: e.Type, Target: "(not forwarded)", Status: "received", Event: true, at: e.CreatedAt, seq: e.Seq}
	v.Verdict, v.VerdictClass = verdictOf(e.Verdict)
	if v.VerdictClass == "bad" {
		v.Status = "rejected"
	}
	return v
}

// eventWindow is how many of the newest events a log page looks through
// for events without deliveries when the page gives no time bound.
const eventWindow = 5000

// eventsShown reports whether a log query can include events without
// deliveries (a status or subscription filter leaves them out).
func eventsShown(q store.InspectQuery) bool { return q.Status == "" && q.SubscriptionID == "" }

func eventQuery(q store.InspectQuery) store.EventQuery {
	return store.EventQuery{Provider: q.Provider, TypePattern: q.TypePattern, Source: q.Source, Search: q.Search, Limit: q.Limit,
		Since: q.Since, Until: q.Until}
}

// mergeRows orders delivery and event rows newest first: by time, and
// rows of the same instant (the deliveries of one event) by seq.
func mergeRows(rows []rowView) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if !a.at.Equal(b.at) {
			return a.at.After(b.at)
		}
		return a.Event == b.Event && a.seq > b.seq
	})
}

func (h *Handler) rowView(r *store.DeliveryRow) rowView {
	v := rowView{ID: r.ID, Seq: strconv.FormatInt(r.Seq, 10), Time: r.CreatedAt.Local().Format("15:04:05.000"), Stamp: stamp(r.CreatedAt), At: strconv.FormatInt(r.CreatedAt.UnixMicro(), 10),
		Source: r.Source, Provider: r.Provider, Type: r.EventType, SubscriptionID: r.SubscriptionID,
		Status: r.Status, Attempts: fmt.Sprintf("%d/%d", r.AttemptCount, r.MaxAttempts), Latency: fmtDuration(r.Latency),
		Kind: r.Kind, at: r.CreatedAt, seq: r.Seq}
	target := subscription.MaskUserinfo(r.URL) // the password masked, as everywhere shown
	v.Target, v.TargetTitle = target, target
	if r.SubscriptionID != "" {
		v.Target = shortID(r.SubscriptionID) + " " + target
	}
	// The port and path are what tell local receivers apart
	// (127.0.0.1:3000/bond, …:3000/stripe, …:8787/): the cell cuts the
	// host, not them, when it is narrow.
	if u, err := url.Parse(r.URL); err == nil && u.Host != "" {
		path := u.RequestURI()
		if u.Port() != "" {
			path = ":" + u.Port() + path
		}
		if i := strings.LastIndex(v.Target, path); i > 0 && i+len(path) == len(v.Target) {
			v.Target, v.TargetPath = v.Target[:i], path
		}
	}
	if r.Kind == store.KindProbe {
		v.Source = store.SourceCheck
	}
	if r.Kind == store.KindForward && r.Verdict == "" {
		v.Verdict, v.VerdictClass = "no verdict recorded", "muted"
	} else if r.Source == store.SourceReceived || r.Kind == store.KindForward {
		v.Verdict, v.VerdictClass = verdictOf(r.Verdict)
	} else {
		v.Verdict, v.VerdictClass = "signed", "muted"
	}
	return v
}

// logQuery reads the live log's filters from the URL. A time range it
// cannot read is left out (logRange says why: the page shows it).
func logQuery(q url.Values) store.InspectQuery {
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	since, until, _, _ := logRange(q, time.Now())
	return store.InspectQuery{
		Status: q.Get("status"), Provider: q.Get("provider"), TypePattern: strings.TrimSpace(q.Get("type")),
		SubscriptionID: strings.TrimSpace(q.Get("subscription")), Source: q.Get("source"), Search: q.Get("q"),
		Since: since, Until: until, BeforeSeq: before, Limit: 50,
	}
}

// The log's time range is ?from= and ?to= (the deliveries created in
// [from, to)), read as deliveries list reads --since and --until (a
// duration ago: 15m, 2h, 7d; an RFC 3339 date or time, in this machine's
// time zone when it gives none): ?until= is the paging cursor of the
// events without deliveries, and ?before= and ?after= are cursors too.
const (
	rangeFrom = "from"
	rangeTo   = "to"
)

// logRange reads the log's time range from the URL, resolved against
// now; msg says what is wrong with it ("": nothing), and bad names the
// fields at fault ("from", "to" or "from to"): the range is then left
// out.
func logRange(q url.Values, now time.Time) (since, until time.Time, msg, bad string) {
	var m [2]cli.Moment
	for i, name := range []string{rangeFrom, rangeTo} {
		s := strings.TrimSpace(q.Get(name))
		if s == "" {
			continue
		}
		v, err := cli.ParseMoment(s)
		if err != nil {
			label := "From"
			if name == rangeTo {
				label = "To"
			}
			return time.Time{}, time.Time{}, label + ": " + err.Error(), name
		}
		m[i] = v
	}
	since, until = m[0].Time(now), m[1].Time(now)
	if !since.IsZero() && !until.IsZero() && !until.After(since) {
		return time.Time{}, time.Time{}, fmt.Sprintf("To (%s) is not after From (%s): no time is in between; From is the earlier time (a larger duration ago: From 2h, To 1h)",
			stamp(until), stamp(since)), rangeFrom + " " + rangeTo
	}
	return since, until, "", ""
}

// rangeText is the time range as the page shows it under its filters:
// the times "15m" or "2h" stand for, in UTC to the millisecond as the
// rows' times show.
func rangeText(q store.InspectQuery) string {
	switch {
	case q.Since.IsZero() && q.Until.IsZero():
		return ""
	case q.Until.IsZero():
		return "created since " + stamp(q.Since)
	case q.Since.IsZero():
		return "created before " + stamp(q.Until)
	}
	return "created from " + stamp(q.Since) + " to " + stamp(q.Until)
}

type logData struct {
	Q          store.InspectQuery
	Rows       []rowView
	NextBefore int64
	Partial    bool
	First      bool
	TopSeq     int64
	EventTop   int64  // newest event seq when the page was read (the stream's event cursor)
	Filter     string // the filters as a query string (for /live and paging)
	Providers  []string
	Types      []string
	Subs       []*store.Subscription
	ElapsedMS  string
	// Invalid: the type filter can match nothing, and why.
	Invalid string
	// NextUntil bounds the next page's events (unix µs, exclusive) when
	// this page ended at an event (0: the row at NextBefore bounds them).
	NextUntil int64
	// Snap: with a store.CommitReader, the transaction snapshot taken before
	// the page's reads, handed to its stream with TopSeq.
	Snap string
	// From and To are the time range as given (the form shows them);
	// Range is what it stands for (rangeText); RangeBad names the fields
	// that cannot be read (logRange; Invalid says why).
	From, To string
	Range    string
	RangeBad string
	// NotLive says why the first page opens no stream ("": it does): its
	// time range ended (a window in the past gets no new rows), or
	// cannot be read.
	NotLive string
	// Ended: NotLive because the time range ended. The page still
	// opens a stream while it shows pending rows, which reads no new rows
	// and updates those until they settle (live: ended mode).
	Ended bool
	// Bad names every field at fault (RangeBad's, a type pattern that
	// cannot match, a choice the form does not offer): filterForm.Bad.
	Bad string
}

// NewestURL is the log's first page with these filters. Filter is an
// encoded query already: written into an href as a string, html/template
// would escape it again (status%3dfailed) and the link lose the filters.
func (d logData) NewestURL() template.URL {
	if d.Filter == "" {
		return "/"
	}
	return template.URL("/?" + d.Filter)
}

// OlderURL is the next page, older, with these filters.
func (d logData) OlderURL() template.URL {
	v, _ := url.ParseQuery(d.Filter)
	v.Set("before", strconv.FormatInt(d.NextBefore, 10))
	if d.NextUntil > 0 {
		v.Set("until", strconv.FormatInt(d.NextUntil, 10))
	}
	return template.URL("/?" + v.Encode())
}

// cutAtEvent ends the page at cut, the time of the oldest event it shows:
// its delivery rows older than that are dropped, and the next page starts
// with them (before) and with the events older than cut (until).
func (d *logData) cutAtEvent(pg *store.InspectPage, cut time.Time, before int64) {
	kept := 0
	for kept < len(pg.Rows) && !pg.Rows[kept].CreatedAt.Before(cut) {
		kept++
	}
	d.Rows = d.Rows[:kept] // the delivery rows, one per pg.Rows so far
	switch {
	case kept > 0:
		d.NextBefore = pg.Rows[kept-1].Seq
	case len(pg.Rows) > 0:
		d.NextBefore = pg.Rows[0].Seq + 1
	case before > 0:
		d.NextBefore = before
	default:
		d.NextBefore = d.TopSeq + 1
	}
	if kept < len(pg.Rows) {
		d.Partial = false // the next page starts at a row this one read
	}
	d.NextUntil = cut.UnixMicro()
}

// filterValues are q's filters as a query. The time range is written as
// the times it stood for when the page was read (RFC 3339, UTC, to the
// microsecond): the next page of "the last 15 minutes" goes on in the
// same window, and the page's stream filters by it.
func filterValues(q store.InspectQuery) url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"status": q.Status, "provider": q.Provider, "type": q.TypePattern,
		"subscription": q.SubscriptionID, "source": q.Source, "q": q.Search} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if !q.Since.IsZero() {
		v.Set(rangeFrom, q.Since.UTC().Format(time.RFC3339Nano))
	}
	if !q.Until.IsZero() {
		v.Set(rangeTo, q.Until.UTC().Format(time.RFC3339Nano))
	}
	return v
}

func (h *Handler) inspect(ctx context.Context, q store.InspectQuery) (*store.InspectPage, error) {
	if h.insp != nil {
		return h.insp.InspectDeliveries(ctx, q)
	}
	return nil, errors.New("this store cannot serve the inspector's queries")
}

func (h *Handler) logPage(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	q := logQuery(r.URL.Query())
	// The range read once, against one clock: the rows, the events and
	// the links agree on it.
	var rangeMsg, rangeBad string
	q.Since, q.Until, rangeMsg, rangeBad = logRange(r.URL.Query(), h.cfg.Now())
	var noSub string // a subscription filter naming none (an old link)
	if q.SubscriptionID != "" {
		// A deleted subscription's deliveries keep its id: they match.
		id, _, err := store.SubscriptionFilterID(r.Context(), h.st, q.SubscriptionID)
		switch {
		case err == nil:
			q.SubscriptionID = id
		case errors.Is(err, store.ErrNotFound):
			// Said, not an empty log.
			noSub = fmt.Sprintf("no subscription %q: never made, or deleted before any delivery", q.SubscriptionID)
		case errors.As(err, new(*store.AmbiguousError)):
			// A prefix of two live ones, or of a live one and a deleted
			// one: said with each, not an empty log (nor the live one's
			// alone).
			noSub = err.Error() + ": type more characters of the ID"
		}
	}
	// On PostgreSQL a delivery can commit after one with a higher seq
	// (store.CommitReader): the page hands its stream the transaction
	// snapshot its read saw (one transaction: taken before the read, it
	// missed a delivery committed in between, which the read returned or
	// put on an older page, and the stream sent it again at the top), and
	// the stream reads every delivery at or below the page's newest row
	// that the snapshot did not see, however far below (a delivery that
	// commits between this read and the stream's start is below the
	// stream's cursor).
	var snap string
	ci, _ := h.insp.(store.CommitReader)
	var invalid, bad string
	pg := &store.InspectPage{}
	if msg, field := choiceFault([2]string{"status", q.Status}, [2]string{"source", q.Source}, [2]string{"provider", q.Provider}); msg != "" {
		invalid, bad = msg, field // a status, source or provider the selects do not offer
	} else if rangeMsg != "" {
		invalid, bad = rangeMsg, rangeBad // said, not a log without the range
	} else if noSub != "" {
		invalid, bad = noSub, "subscription"
	} else if err := subscription.CheckPatternSyntax(q.TypePattern); q.TypePattern != "" && err != nil {
		invalid, bad = inputMessage(err), "type" // nothing can match: said, not an empty log
	} else if ci != nil && q.BeforeSeq == 0 {
		if pg, snap, err = ci.InspectDeliveriesSnapshot(r.Context(), q); err != nil {
			h.fail(w, r, http.StatusInternalServerError, err)
			return
		}
	} else if pg, err = h.inspect(r.Context(), q); err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	d := logData{Q: q, NextBefore: pg.NextBefore, Partial: pg.Partial, First: q.BeforeSeq == 0, Snap: snap,
		Filter: filterValues(q).Encode(), Providers: catalog.Providers(), Invalid: invalid,
		From: strings.TrimSpace(r.URL.Query().Get(rangeFrom)), To: strings.TrimSpace(r.URL.Query().Get(rangeTo)),
		Range: rangeText(q), RangeBad: rangeBad, Bad: bad}
	switch {
	case rangeMsg != "":
		// Its stream would follow the log without the range.
		d.NotLive = "not live: the time range cannot be read"
	case !q.Until.IsZero() && !q.Until.After(h.cfg.Now()):
		// A window in the past: no new row can be in it, and the page
		// opens no stream (one would add none; the store's tail stops at
		// the range's end anyway).
		d.NotLive = "not live: the time range ended " + agoAt(q.Until, h.cfg.Now())
		d.Ended = true
	}
	for _, row := range pg.Rows {
		d.Rows = append(d.Rows, h.rowView(row))
		d.TopSeq = max(d.TopSeq, row.Seq)
	}
	if d.First && d.TopSeq == 0 {
		// Nothing matched: the stream starts from the newest delivery.
		if top, err := h.inspect(r.Context(), store.InspectQuery{Limit: 1}); err == nil && len(top.Rows) > 0 {
			d.TopSeq = top.Rows[0].Seq
		}
	}
	if h.insp != nil && eventsShown(q) && invalid == "" {
		// Events without deliveries in the page's time span.
		d.EventTop, _ = h.insp.MaxEventSeq(r.Context())
		eq := eventQuery(q)
		noEvents := false
		if len(pg.Rows) == q.Limit {
			if at := pg.Rows[len(pg.Rows)-1].CreatedAt; at.After(eq.Since) {
				eq.Since = at
			}
		} else if eq.Since.IsZero() {
			// No time bound from the page or its range: look at the
			// newest events only; for a range with an end, the newest
			// before it (those after it may be more than the window).
			top := d.EventTop
			if !q.Until.IsZero() {
				top = 0
				if evs, err := h.st.ListEvents(r.Context(), store.EventFilter{Until: q.Until, Limit: 1, NoCounts: true}); err == nil && len(evs) > 0 {
					top = evs[0].Seq
				}
				eq.UpToSeq, noEvents = top, top == 0
			}
			eq.MinSeq = top - eventWindow
		}
		if !d.First {
			// Up to where the newer page stopped: its last row (seq
			// BeforeSeq) was its lower time bound, so an event between
			// that row and this page's first is on this page.
			if top, err := h.insp.InspectDeliveries(r.Context(), store.InspectQuery{AfterSeq: q.BeforeSeq - 1, Tail: true, Limit: 1}); err == nil && len(top.Rows) > 0 {
				eq.Until = top.Rows[0].CreatedAt
			} else if len(pg.Rows) > 0 {
				eq.Until = pg.Rows[0].CreatedAt.Add(time.Microsecond)
			}
		}
		if until, _ := strconv.ParseInt(r.URL.Query().Get("until"), 10, 64); until > 0 {
			// The newer page ended at its oldest event (it held more
			// events than a page shows): this one goes on right below it.
			eq.Until = time.UnixMicro(until)
		}
		if !q.Until.IsZero() && (eq.Until.IsZero() || q.Until.Before(eq.Until)) {
			eq.Until = q.Until // the page's bound, within the range
		}
		var evs []*store.EventRow
		var err error
		if !noEvents {
			evs, err = h.insp.InspectEvents(r.Context(), eq)
		}
		if err == nil {
			if len(evs) == eq.Limit {
				// More events in the page's span than it shows (a burst
				// of rejected requests): the page ends at the oldest one
				// shown, and the deliveries older than that go to the
				// next page with the events after it. (Events of that
				// very microsecond beyond the page would be left out.)
				d.cutAtEvent(pg, evs[len(evs)-1].CreatedAt, q.BeforeSeq)
			}
			for _, e := range evs {
				d.Rows = append(d.Rows, eventView(e))
			}
			mergeRows(d.Rows)
		}
	}
	if r.URL.Query().Get("fragment") == "1" {
		d.ElapsedMS = fmtDuration(time.Since(start))
		h.logFragment(w, d)
		return
	}
	d.Types = h.typeNames()
	d.Subs, _ = h.st.ListSubscriptions(r.Context(), store.SubscriptionFilter{})
	d.ElapsedMS = fmtDuration(time.Since(start))
	if r.URL.Query().Get("fragment") == "1" {
		h.logFragment(w, d)
		return
	}
	h.render(w, r, "log", page{Title: "Live log", D: d})
}

// logFragment answers a filter change made by the page's script: the
// rows and the paging, rendered by the same templates, as JSON.
func (h *Handler) logFragment(w http.ResponseWriter, d logData) {
	var rows, paging, empty bytes.Buffer
	for _, rv := range d.Rows {
		if err := h.rowT.ExecuteTemplate(&rows, "row", rv); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	if err := h.pages["log"].ExecuteTemplate(&paging, "paging", d); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if err := h.pages["log"].ExecuteTemplate(&empty, "empty", d); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(map[string]any{"rows": htmlJSON(rows.String()), "paging": htmlJSON(paging.String()),
		"top": d.TopSeq, "etop": d.EventTop, "snap": d.Snap, "filter": d.Filter, "first": d.First, "empty": len(d.Rows) == 0, "emptyHTML": htmlJSON(empty.String()), "server": d.ElapsedMS,
		"notLive": d.NotLive, "range": d.Range, "rangeBad": d.RangeBad, "bad": d.Bad, "ended": d.Ended})
}

// ---- events ----

// eventsPageSize is how many events one page of the events list shows.
const eventsPageSize = 100

// eventsData is one page of the events list, newest first, and the links
// to the pages around it (empty: none), which keep the page's filters.
type eventsData struct {
	Events []*store.EventSummary
	Form   filterForm
	// Filter is the filters as a query string (the time range as the
	// times it stood for), which the paging links keep.
	Filter string
	// Invalid says why the filters can match nothing (a type pattern
	// that cannot match, a choice the form does not offer, a time range
	// that cannot be read): said where the rows go, the field marked.
	Invalid string
	// Range is what the time range stands for (rangeText).
	Range                      string
	OlderURL, NewerURL, Newest template.URL
	Paged                      bool // not the first page
	// Live is the first page's stream (/live/events with the filters;
	// "": none, an older page or filters that match nothing); NotLive
	// says the range ended (the stream opens only while the page shows
	// pending deliveries).
	Live, NotLive string
}

// Pending reports whether the page shows an event with pending
// deliveries.
func (d eventsData) Pending() bool {
	for _, e := range d.Events {
		if e.Pending > 0 {
			return true
		}
	}
	return false
}

// eventsFilter reads the events page's filters from its address: the
// store's filter, the same as a query string (filterValues' rules), the
// form, and what is wrong with them ("": nothing).
func (h *Handler) eventsFilter(q url.Values) (f store.EventFilter, filter url.Values, form filterForm, invalid string) {
	form = filterForm{Action: "/events", Source: q.Get("source"), Provider: q.Get("provider"), Type: strings.TrimSpace(q.Get("type")),
		Verdict: q.Get("verdict"), From: strings.TrimSpace(q.Get(rangeFrom)), To: strings.TrimSpace(q.Get(rangeTo)),
		Sources: sources(), Providers: catalog.Providers(), Types: h.typeNames(), Verdicts: verdictChoices()}
	f = store.EventFilter{TypePattern: form.Type, Source: form.Source, Verdict: form.Verdict, NoPayload: true}
	if form.Provider != "" {
		f.Providers = []string{form.Provider}
	}
	filter = url.Values{}
	for k, v := range map[string]string{"type": form.Type, "source": form.Source, "provider": form.Provider, "verdict": form.Verdict} {
		if v != "" {
			filter.Set(k, v)
		}
	}
	form.Clear = len(filter) > 0 || form.From != "" || form.To != ""
	for _, c := range [][2]string{{"type", form.Type}, {"source", form.Source}, {"provider", form.Provider}, {"verdict", form.Verdict},
		{rangeFrom, form.From}, {rangeTo, form.To}} {
		if !store.StorableText(c[1]) {
			// No store holds it (PostgreSQL refuses it in a query).
			form.Bad = c[0]
			return f, filter, form, strings.ToUpper(c[0][:1]) + c[0][1:] + " holds a NUL or bytes that are not UTF-8: nothing can match it"
		}
	}
	var msg, bad string
	f.Since, f.Until, msg, bad = logRange(q, h.cfg.Now())
	switch m, field := choiceFault([2]string{"source", form.Source}, [2]string{"provider", form.Provider}, [2]string{"verdict", form.Verdict}); {
	case m != "":
		invalid, form.Bad = m, field
	case msg != "":
		invalid, form.Bad = msg, bad
	case form.Type != "" && subscription.CheckPatternSyntax(form.Type) != nil:
		invalid, form.Bad = inputMessage(subscription.CheckPatternSyntax(form.Type)), "type"
	}
	if !f.Since.IsZero() {
		filter.Set(rangeFrom, f.Since.UTC().Format(time.RFC3339Nano))
	}
	if !f.Until.IsZero() {
		filter.Set(rangeTo, f.Until.UTC().Format(time.RFC3339Nano))
	}
	return f, filter, form, invalid
}

// readEvents reads the page of events f selects (f.Limit one more than
// a page) into d, with its paging links.
func (h *Handler) readEvents(ctx context.Context, f store.EventFilter, filter url.Values, d *eventsData) error {
	evs, err := h.st.ListEvents(ctx, f)
	if err != nil {
		return err
	}
	more := len(evs) > eventsPageSize
	evs = evs[:min(len(evs), eventsPageSize)]
	if f.Oldest {
		slices.Reverse(evs)
	}
	d.Events, d.OlderURL, d.NewerURL = evs, "", ""
	if len(evs) > 0 {
		// Older: more after this page, or (a newer page) the cursor and
		// what is before it. Newer: the cursor and what is after it (an
		// older page), or more (a newer page).
		if more && f.After == "" || f.After != "" {
			d.OlderURL = eventsURL(filter, "before", evs[len(evs)-1].ID)
		}
		if f.Before != "" || f.After != "" && more {
			d.NewerURL = eventsURL(filter, "after", evs[0].ID)
		}
	}
	return nil
}

// eventsURL is the events list with these filters and a cursor (before or
// after an event ID; "" for the newest page).
func eventsURL(filter url.Values, cursor, id string) template.URL {
	v := url.Values{}
	for k, vs := range filter {
		v[k] = vs
	}
	if cursor != "" {
		v.Set(cursor, id)
	}
	if len(v) == 0 {
		return "/events"
	}
	return template.URL("/events?" + v.Encode())
}

// eventsPage lists events newest first, a page at a time: ?before=ID
// (older than that event) and ?after=ID (newer) walk the store's own list
// order (created_at, then seq) by keyset, so a page costs the same far
// back as at the top and events arriving meanwhile do not shift it. Its
// filters are the log's that events have (type, source, provider, the
// time range) and the verdict; one that can match nothing is said, not
// an empty list.
func (h *Handler) eventsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, filter, form, invalid := h.eventsFilter(q)
	f.Limit = eventsPageSize + 1
	d := eventsData{Form: form, Filter: filter.Encode(), Invalid: invalid}
	if invalid == "" {
		d.Range = rangeText(store.InspectQuery{Since: f.Since, Until: f.Until})
	}
	before, after := q.Get("before"), q.Get("after")
	for _, v := range []string{before, after} {
		if !store.StorableText(v) {
			// No store holds it (PostgreSQL refuses it in a query).
			h.fail(w, r, http.StatusBadRequest, errors.New("the page's address holds a NUL or bytes that are not UTF-8"))
			return
		}
	}
	switch {
	case before != "":
		f.Before = before
	case after != "":
		// The page just newer than the cursor: read oldest first from it.
		f.After, f.Oldest = after, true
	}
	d.Paged = f.Before != "" || f.After != ""
	if d.Paged {
		d.Newest = eventsURL(filter, "", "")
	}
	if invalid != "" {
		h.render(w, r, "events", page{Title: "Events", D: d})
		return
	}
	if err := h.readEvents(r.Context(), f, filter, &d); err != nil {
		h.fail(w, r, notFoundOr500(err), err)
		return
	}
	if !d.Paged {
		d.Live = "/live/events"
		if len(filter) > 0 {
			d.Live += "?" + filter.Encode()
		}
		if !f.Until.IsZero() && !f.Until.After(h.cfg.Now()) {
			d.NotLive = "not live: the time range ended " + agoAt(f.Until, h.cfg.Now())
		}
	}
	h.render(w, r, "events", page{Title: "Events", D: d})
}

type eventData struct {
	E          *store.Event
	Deliveries []*store.Delivery
	Headers    []headerLine
	Pretty     string
	Raw        string
	Hex        string
	Size       int
	BodyNote   string // why the body opens on Hex ("": it is text)
	Verdict    verdictView
}

// pathID is the event or delivery id in r's path: an id whose bytes are
// not UTF-8 is taken as the pages link it (/events/id_%E9) and as every
// -o json and serve's control API write it ("\u0001base64:…",
// store.EncodeText).
func pathID(r *http.Request) string { return store.DecodeText(r.PathValue("id")) }

func (h *Handler) eventPage(w http.ResponseWriter, r *http.Request) {
	e, err := h.st.GetEvent(r.Context(), pathID(r))
	if err != nil {
		h.fail(w, r, notFoundOr500(err), err)
		return
	}
	d := eventData{E: e, Headers: sortedHeaders(delivery.MaskHeaders(e.Headers)), Pretty: bodyText(pretty(e.Payload, e.ContentType)),
		Raw: bodyText(string(e.Payload)), Hex: hexDump(e.Payload), Size: len(e.Payload), BodyNote: bodyNote(e.Payload)}
	d.Deliveries, _ = h.st.ListDeliveries(r.Context(), store.DeliveryFilter{EventID: e.ID, Limit: 50})
	if e.Source == store.SourceReceived {
		d.Verdict.Text, d.Verdict.Class = verdictOf(e.Verdict)
		if d.Verdict.Class == "bad" {
			d.Verdict = rejectedVerdict(e.Verdict)
		}
	} else {
		d.Verdict = verdictView{Class: "muted", Text: "signed per delivery", Reason: "each delivery's page re-checks its signature"}
	}
	h.render(w, r, "event", page{Title: "Event " + shortID(e.ID), Nav: "events", D: d})
}

func (h *Handler) downloadEventBody(w http.ResponseWriter, r *http.Request) {
	e, err := h.st.GetEvent(r.Context(), pathID(r))
	if err != nil {
		h.fail(w, r, notFoundOr500(err), err)
		return
	}
	writeBody(w, e)
}

// ---- detail ----

type headerLine struct{ Name, Value string }

type attemptView struct {
	Number          int
	StartedAt       time.Time
	Duration        string
	Method, URL     string
	RequestHeaders  []headerLine
	Status          int
	StatusClass     string
	ResponseHeaders []headerLine
	ResponseBody    string
	// ResponseNote says why an answer that is not text reads as it does
	// (its bytes that are not UTF-8 written as \xff), and ResponseHex
	// is its exact bytes; both "" for text.
	ResponseNote, ResponseHex string
	Error                     string
	Manual                    bool // asked for (a replay, a resend), not the schedule's
}

type verdictView struct {
	Class  string // ok | bad | muted
	Text   string
	Reason string
	Scheme string
	Secret string
	Age    string
	// key is the secret the signature verified with, signedAt when the
	// attempt was signed (valid only: curlSigned).
	key      string
	signedAt time.Time
	number   int // the attempt's
}

type detailData struct {
	D         *store.Delivery
	E         *store.Event
	Sub       *store.Subscription
	Method    string
	URL       string
	Headers   []headerLine
	Pretty    string // the body as shown (bodyText), as Raw
	Raw       string
	Hex       string
	Size      int
	BodyNote  string // why the body opens on Hex ("": it is text)
	Verdict   verdictView
	Attempts  []attemptView
	NextRetry string
	Curl      string
	// CurlFile: the body the command sends is over bodyViewMax, read
	// from this file (downloaded from /deliveries/ID/sent-body under
	// that name) rather than held in the command, which the page holds.
	CurlFile string
	CurlSize int
	// CurlSigned: the command carries a signature made now, not the
	// attempt's, which a receiver refuses as too old (curlSigned).
	CurlSigned string
	sent       []byte // the body the last attempt sent (delivery.SentBody)
	Origin     string
	Derived    []*store.Delivery
	// Copies are the edited copies sent from this delivery (their own
	// events: not among Derived, which share this one's event).
	Copies []*store.Delivery
	// RefreshMS reloads the page of a pending delivery once its next
	// attempt is due (0: no reload).
	RefreshMS  int64
	StatusText string
}

func sortedHeaders(h map[string][]string) []headerLine {
	var out []headerLine
	for k, vs := range h {
		for _, v := range vs {
			out = append(out, headerLine{k, v})
		}
	}
	// Stable: the values of one header stay in the order they were sent.
	sort.SliceStable(out, func(i, j int) bool { return headerLess(out[i].Name, out[j].Name) })
	return out
}

// headerLess orders header names case-insensitively, then exactly (so
// "X-A" and "x-a" do not interleave).
func headerLess(a, b string) bool {
	if la, lb := strings.ToLower(a), strings.ToLower(b); la != lb {
		return la < lb
	}
	return a < b
}

func statusClass(code int) string {
	switch {
	case code == 0:
		return "bad"
	case code < 300:
		return "ok"
	case code < 500:
		return "warn"
	}
	return "bad"
}

// pretty indents JSON and XML bodies; anything else is returned as is.
func pretty(body []byte, contentType string) string {
	t := bytes.TrimSpace(body)
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		var buf bytes.Buffer
		if json.Indent(&buf, t, "", "  ") == nil {
			return buf.String()
		}
	}
	if strings.Contains(contentType, "xml") || (len(t) > 0 && t[0] == '<') {
		if s, ok := indentXML(t); ok {
			return s
		}
	}
	return string(body)
}

func indentXML(b []byte) (string, bool) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", false
		}
		if cd, ok := tok.(xml.CharData); ok && len(bytes.TrimSpace(cd)) == 0 {
			continue
		}
		if err := enc.EncodeToken(tok); err != nil {
			return "", false
		}
		if _, ok := tok.(xml.ProcInst); ok {
			// The encoder puts the root element on the declaration's
			// line; a document shows it on its own.
			if enc.Flush() != nil {
				return "", false
			}
			buf.WriteByte('\n')
		}
	}
	if enc.Flush() != nil {
		return "", false
	}
	return buf.String(), true
}

// bodyViewMax bounds a body's Pretty and Raw views, as hexDump bounds
// its Hex view: the page of a 6 MiB body was 19 MB of HTML and took 9 s
// to show (headless Chromium). Download body has all of it.
const bodyViewMax = 256 << 10

// bodyView is a body's view s, cut at bodyViewMax (on a character's
// start), saying how much more there is.
func bodyView(s string) string {
	if len(s) <= bodyViewMax {
		return s
	}
	cut := bodyViewMax
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("\n… %d more bytes: Download body for all of it\n", len(s)-cut)
}

// bodyText is a body (or a receiver's answer) as a page shows it in
// text: its bytes that are not UTF-8 and its control characters escaped
// (\xff, \x1b, \u009b) as deliveries show --body writes them
// (ui.Printable), so the page stays valid UTF-8 and shows every byte.
// What the edit page puts in its text field is not escaped (editBody):
// it is sent back.
func bodyText(s string) string { return ui.Printable(s, true) }

// bodyNote says why a body opens on its Hex view: not UTF-8 (the first
// byte that is not, and how Pretty and Raw show such bytes), or binary
// (control bytes); "" for text.
func bodyNote(b []byte) string {
	if delivery.IsText(b) {
		return ""
	}
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return fmt.Sprintf(`not valid UTF-8 (byte 0x%02x at offset %d): shown in hex; Pretty and Raw write such bytes as \x%02x`, b[i], i, b[i])
		}
		i += n
	}
	return "binary body: shown in hex"
}

// answerNote is bodyNote for a receiver's answer, which has no tabs:
// its Hex view is under it.
func answerNote(b []byte) string {
	note := bodyNote(b)
	if note == "" {
		return ""
	}
	note = strings.Replace(note, "shown in hex; Pretty and Raw write such bytes as", "written here as", 1)
	note = strings.Replace(note, "binary body: shown in hex", `binary answer: its control bytes are written here as \x00`, 1)
	return note + "; Hex below shows its exact bytes"
}

func hexDump(b []byte) string {
	const max = 64 << 10
	if len(b) > max {
		return hex.Dump(b[:max]) + fmt.Sprintf("… %d more bytes\n", len(b)-max)
	}
	return hex.Dump(b)
}

func (h *Handler) loadDetail(ctx context.Context, id string) (*detailData, []*store.Attempt, error) {
	d, err := h.st.GetDelivery(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	e, err := h.st.GetEvent(ctx, d.EventID)
	if err != nil {
		return nil, nil, err
	}
	atts, err := h.st.ListAttempts(ctx, d.ID)
	if err != nil {
		return nil, nil, err
	}
	dd := &detailData{D: d, E: e, Method: d.Method, URL: d.URL, Size: len(e.Payload),
		Raw: bodyText(string(e.Payload)), Hex: hexDump(e.Payload), Pretty: bodyText(pretty(e.Payload, e.ContentType)), BodyNote: bodyNote(e.Payload)}
	if dd.Method == "" {
		dd.Method = http.MethodPost
	}
	if d.SubscriptionID != "" {
		dd.Sub, _ = h.st.GetSubscription(ctx, d.SubscriptionID)
	}
	var reqHeaders map[string][]string
	insecure := false // the attempt was sent accepting any certificate: curl -k
	if len(atts) > 0 {
		last := atts[len(atts)-1]
		reqHeaders, insecure = last.RequestHeaders, last.Insecure
		if last.RequestMethod != "" {
			dd.Method = last.RequestMethod
		}
		if last.RequestURL != "" {
			dd.URL = last.RequestURL
		}
	} else if e.Source == store.SourceReceived {
		reqHeaders = e.Headers
	}
	dd.Headers = sortedHeaders(delivery.MaskHeaders(reqHeaders))
	// A 2xx is red ("bad") when the attempt failed under the scheme the
	// delivery is sent with (Bond's 202), as in deliveries show.
	subScheme := ""
	if dd.Sub != nil {
		subScheme = dd.Sub.Scheme
	}
	scheme := delivery.SentScheme(d, subScheme, e.Provider)
	for i, a := range atts {
		class := statusClass(a.ResponseStatus)
		if class == "ok" && delivery.AttemptFailed(d, atts, i, scheme) {
			class = "bad"
		}
		dd.Attempts = append(dd.Attempts, attemptView{Number: a.Number, StartedAt: a.StartedAt, Duration: fmtDuration(a.Duration),
			Method: a.RequestMethod, URL: a.RequestURL, RequestHeaders: sortedHeaders(delivery.MaskHeaders(a.RequestHeaders)),
			Status: a.ResponseStatus, StatusClass: class,
			ResponseHeaders: sortedHeaders(a.ResponseHeaders), ResponseBody: bodyText(string(a.ResponseBody)), Error: a.Error, Manual: a.Manual})
		if note := answerNote(a.ResponseBody); note != "" {
			// An answer of bytes that are not text read as the
			// same text as one that spells them ("\xff"): the page
			// said nothing, and had no other view of its bytes.
			v := &dd.Attempts[len(dd.Attempts)-1]
			v.ResponseNote, v.ResponseHex = note, hexDump(a.ResponseBody)
		}
	}
	if d.Status == store.DeliveryPending && !d.NextAttemptAt.IsZero() {
		// The due time is on the store's clock (PostgreSQL: the
		// server's), as deliveries show's Next attempt compares it.
		now := h.cfg.Now().Add(store.Skew(ctx, h.st))
		dd.NextRetry = d.NextAttemptAt.UTC().Format(time.RFC3339) + " (" + agoAt(d.NextAttemptAt, now) + ")"
		// Reload when the attempt is due, not every second: a page that
		// reloads wipes what the user types or opens in it.
		wait := d.NextAttemptAt.Sub(now) + 500*time.Millisecond
		dd.RefreshMS = min(max(wait, time.Second), 24*time.Hour).Milliseconds()
	}
	dd.Verdict = h.verdict(d, e, dd.Sub, atts)
	// A body over bodyViewMax is not held in the command either: the
	// page of a 6 MiB body held 8 MiB of base64 in its curl block while
	// its views stopped at 256 KiB, and a paste that size hangs a
	// terminal. The command reads it from a file the page links to, with
	// the bytes sent (form-encoded when the attempt sent a form).
	dd.sent = delivery.SentBody(e, reqHeaders)
	reqHeaders, dd.CurlSigned = curlSigned(dd.Verdict, d, e, reqHeaders, dd.sent, h.cfg.Now())
	if len(dd.sent) > bodyViewMax {
		dd.CurlFile, dd.CurlSize = sentBodyFile(d.ID), len(dd.sent)
		dd.Curl = delivery.CurlCommandFile(dd.Method, dd.URL, reqHeaders, dd.CurlFile, insecure)
	} else {
		dd.Curl = delivery.CurlCommandTLS(dd.Method, dd.URL, reqHeaders, dd.sent, insecure)
	}
	dd.Origin = d.OriginID
	return dd, atts, nil
}

// curlSigned gives copy as curl a signature made now when the attempt's
// is older than its scheme's timestamp tolerance (delivery.ResignStale,
// which deliveries show --curl shares): the command sent the recorded
// one, and every receiver that checks the timestamp refused it as too
// old (the developer debugging a failure of the morning got a 400 of
// another kind). The note says so, and until when the new one is valid.
func curlSigned(v verdictView, d *store.Delivery, e *store.Event, headers map[string][]string, body []byte, now time.Time) (map[string][]string, string) {
	r := delivery.ResignStale(v.Scheme, v.key, v.signedAt, d, e, headers, body, now)
	if r == nil {
		return headers, ""
	}
	return r.Headers, fmt.Sprintf("Signed now: attempt %d's own signature (%s) is older than the %s a %s receiver accepts, which would refuse it. This one is valid until %s UTC; reload the page for a fresh one.",
		v.number, strings.TrimPrefix(v.Age, "signed "), r.Within(), v.Scheme, r.Until.UTC().Format("15:04:05"))
}

func (h *Handler) detailPage(w http.ResponseWriter, r *http.Request) {
	dd, _, err := h.loadDetail(r.Context(), pathID(r))
	if err != nil {
		h.fail(w, r, notFoundOr500(err), err)
		return
	}
	// Resends and forwards that derive from this delivery.
	if h.insp != nil {
		if pg, err := h.st.ListDeliveries(r.Context(), store.DeliveryFilter{EventID: dd.E.ID, Limit: 20}); err == nil {
			for _, o := range pg {
				if o.ID != dd.D.ID {
					dd.Derived = append(dd.Derived, o)
				}
			}
		}
	}
	if cs, err := h.st.ListDeliveries(r.Context(), store.DeliveryFilter{OriginID: dd.D.ID, Limit: 20, Newest: true}); err == nil {
		for _, c := range cs {
			if c.Kind == store.KindEdited {
				dd.Copies = append(dd.Copies, c)
			}
		}
	}
	h.render(w, r, "detail", page{Title: "Delivery " + shortID(dd.D.ID), Nav: "log", D: dd})
}

// sentBodyFile is the name of the file a delivery's curl command reads
// its body from (CurlFile): hookctl's delivery IDs are letters, digits,
// "_" and "-"; anything else (an imported ID) becomes "_".
func sentBodyFile(id string) string {
	return "body-" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, id) + ".bin"
}

// downloadSentBody is the body a delivery's last attempt sent, byte for
// byte, under the name its curl command reads (CurlFile).
func (h *Handler) downloadSentBody(w http.ResponseWriter, r *http.Request) {
	dd, _, err := h.loadDetail(r.Context(), pathID(r))
	if err != nil {
		h.fail(w, r, notFoundOr500(err), err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", sentBodyFile(dd.D.ID)))
	w.Write(dd.sent)
}

func (h *Handler) downloadBody(w http.ResponseWriter, r *http.Request) {
	d, err := h.st.GetDelivery(r.Context(), pathID(r))
	if err != nil {
		h.fail(w, r, notFoundOr500(err), err)
		return
	}
	e, err := h.st.GetEvent(r.Context(), d.EventID)
	if err != nil {
		h.fail(w, r, notFoundOr500(err), err)
		return
	}
	writeBody(w, e)
}

func writeBody(w http.ResponseWriter, e *store.Event) {
	ext := ".txt"
	switch {
	case strings.Contains(e.ContentType, "json"):
		ext = ".json"
	case strings.Contains(e.ContentType, "xml"):
		ext = ".xml"
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", "event-"+e.ID+ext))
	w.Write(e.Payload)
}

// ---- replay, edit and resend ----

func (h *Handler) replay(w http.ResponseWriter, r *http.Request) {
	d, err := h.st.GetDelivery(r.Context(), pathID(r))
	if err != nil {
		h.fail(w, r, notFoundOr500(err), err)
		return
	}
	if d.SubscriptionID != "" {
		// The engine's rule: a disabled subscription's endpoint gets
		// nothing, so the replay would only record an attempt not sent
		// (a stopped listen's subscription keeps its deliveries on their
		// schedule, and a delivery replayed --to elsewhere is not its).
		sub, err := h.st.GetSubscription(r.Context(), d.SubscriptionID)
		if err == nil && sub.Status == store.StatusDisabled && d.URL == sub.CallbackURL && sub.Metadata["created_by"] != "listen" {
			msg := "not replayed: subscription " + shortID(sub.ID) + " is disabled, so nothing would be sent to it: enable it (Subscriptions), then replay"
			http.Redirect(w, r, "/deliveries/"+d.ID+"?"+h.flashQuery(msg), http.StatusSeeOther)
			return
		}
	}
	ids, err := h.disp.Replay(r.Context(), []string{d.ID}, store.Requeue{Force: true})
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	msg := "replay queued: a new attempt goes out now"
	if len(ids) == 0 {
		msg = "nothing to replay (the delivery is in flight)"
	}
	http.Redirect(w, r, "/deliveries/"+d.ID+"?"+h.flashQuery(msg), http.StatusSeeOther)
}

// storedCRLF reports whether the stored body of delivery id has CR LF
// line endings.
func (h *Handler) storedCRLF(ctx context.Context, id string) bool {
	d, err := h.st.GetDelivery(ctx, id)
	if err != nil {
		return false
	}
	e, err := h.st.GetEvent(ctx, d.EventID)
	return err == nil && bytes.Contains(e.Payload, []byte("\r\n"))
}

type editData struct {
	*detailData
	Body    string
	Headers string
	// Binary: the body is not text and a text field would change its
	// bytes; it is resent as stored (only the headers are edited).
	Binary bool
}

// editBody is what the edit page shows: JSON indented (laid out as the
// provider sends it again when sent), anything else as it was sent (indenting XML would
// change what is resent).
func editBody(dd *detailData) string {
	if t := bytes.TrimSpace(dd.E.Payload); len(t) > 0 && (t[0] == '{' || t[0] == '[') && json.Valid(t) {
		return pretty(dd.E.Payload, dd.E.ContentType)
	}
	return string(dd.E.Payload)
}

func (h *Handler) editPage(w http.ResponseWriter, r *http.Request) {
	dd, _, err := h.loadDetail(r.Context(), pathID(r))
	if err != nil {
		h.fail(w, r, notFoundOr500(err), err)
		return
	}
	// Credentials (an Authorization the app takes, an API key) stay
	// masked here as on the detail page; Resend puts the stored value
	// back for a line left as shown.
	var hs []string
	for k, v := range subscription.MaskCredentialHeaders(dd.D.Headers) {
		hs = append(hs, k+": "+v)
	}
	sort.Strings(hs)
	h.render(w, r, "edit", page{Title: "Edit and resend", Nav: "log", D: editData{detailData: dd, Body: editBody(dd),
		Headers: strings.Join(hs, "\n"), Binary: !delivery.IsText(dd.E.Payload)}})
}

func (h *Handler) resend(w http.ResponseWriter, r *http.Request) {
	var body []byte // nil: the stored bytes (a binary body)
	if r.FormValue("keep_body") != "1" {
		body = []byte(r.FormValue("body"))
		// A browser submits a textarea's line breaks as CR LF: a body
		// stored with LF line endings keeps them.
		if bytes.Contains(body, []byte("\r\n")) && !h.storedCRLF(r.Context(), pathID(r)) {
			body = bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n"))
		}
	}
	pub, err := h.Resend(r.Context(), pathID(r), body, r.FormValue("headers"))
	if err != nil {
		dd, _, derr := h.loadDetail(r.Context(), pathID(r))
		if derr != nil {
			h.fail(w, r, notFoundOr500(derr), derr)
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		h.render(w, r, "edit", page{Title: "Edit and resend", Nav: "log", Error: err.Error(),
			D: editData{detailData: dd, Body: r.FormValue("body"), Headers: r.FormValue("headers"), Binary: r.FormValue("keep_body") == "1"}})
		return
	}
	http.Redirect(w, r, "/deliveries/"+pub.Deliveries[0].ID+"?"+h.flashQuery("edited copy sent"), http.StatusSeeOther)
}
