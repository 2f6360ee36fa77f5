package delivery

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
	"github.com/hookctl/hookctl/internal/ui"
)

// Reporter prints the live log of a run: a line per event and per attempt
// (time, event type and id, status by colour, method and URL, latency,
// attempt n/N, outcome; errors in red). Safe for concurrent use.
type Reporter struct {
	mu  sync.Mutex
	W   io.Writer
	Now func() time.Time
	// Buffer > 0 batches the output (for a pipe or a file, where one
	// write per line is one system call each): lines are written at most
	// Buffer after they were produced, in 64 KiB chunks, and at Flush.
	Buffer  time.Duration
	buf     []byte
	pending bool // a flush is scheduled
	timer   *time.Timer

	stampSec  int64 // the second stampText shows
	stampText string

	// Fit, when set (a terminal), fits each line to the terminal's width.
	Fit *Fit
}

func (r *Reporter) stamp() string {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	t := now()
	sec := t.Unix()
	r.mu.Lock()
	defer r.mu.Unlock()
	if sec != r.stampSec || r.stampText == "" {
		// One format per second, not per line (a busy run prints
		// thousands of lines a second).
		layout := "2006-01-02 15:04:05"
		if r.Fit != nil {
			// A terminal's live log: the time of day (the date took 11
			// of its 80 columns to say today).
			layout = "15:04:05"
		}
		r.stampSec, r.stampText = sec, t.Local().Format(layout)
	}
	return r.stampText
}

// Event prints `--> TYPE [ID] N deliveries (provider)`.
func (r *Reporter) Event(ev *store.Event, deliveries int) {
	if r == nil || r.W == nil {
		return
	}
	word := "deliveries"
	if deliveries == 1 {
		word = "delivery"
	}
	if r.Fit != nil {
		r.write(r.Fit.EventLine(r.stamp(), ev, deliveries) + "\n")
		return
	}
	line := fmt.Sprintf("%s  --> %s [%s] %d %s (%s)\n", r.stamp(), ui.Cyan(ui.Printable(ev.Type, false)), ui.Printable(ev.ID, false), deliveries, word, ev.Provider)
	r.write(line)
}

// Attempt prints `<-- [STATUS] METHOD URL (12 ms) attempt n/N outcome`.
func (r *Reporter) Attempt(res Result) {
	if r == nil || r.W == nil {
		return
	}
	if r.Fit != nil {
		r.write(r.Fit.AttemptLine(r.stamp(), res) + "\n")
		return
	}
	r.write(AttemptLine(r.stamp(), res) + "\n")
}

func (r *Reporter) write(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Buffer <= 0 {
		// Written at once: nothing stays buffered for Flush to write
		// again (it used to print the last line twice on a terminal).
		r.buf = append(r.buf[:0], s...)
		r.W.Write(r.buf)
		r.buf = r.buf[:0]
		return
	}
	r.buf = append(r.buf, s...)
	if len(r.buf) >= 64<<10 {
		r.flushLocked()
		return
	}
	if !r.pending {
		r.pending = true
		if r.timer == nil {
			r.timer = time.AfterFunc(r.Buffer, r.Flush)
		} else {
			r.timer.Reset(r.Buffer)
		}
	}
}

// Flush writes the buffered lines (see Buffer). Safe on a nil Reporter.
func (r *Reporter) Flush() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.flushLocked()
}

func (r *Reporter) flushLocked() {
	r.pending = false
	if len(r.buf) > 0 && r.W != nil {
		r.W.Write(r.buf)
	}
	r.buf = r.buf[:0]
}

// AttemptLine renders one attempt (without the newline).
func AttemptLine(stamp string, res Result) string {
	p := attemptParts(res)
	var b strings.Builder
	b.WriteString(stamp)
	b.WriteString("  <-- ")
	b.WriteString(p.paintCode(p.code))
	fmt.Fprintf(&b, " %s %s (%s) attempt %s ", p.method, p.url, p.latency, p.attempt)
	b.WriteString(p.paintOutcome(p.word + p.detail))
	if p.disabled != "" {
		b.WriteString(ui.Red(" (subscription " + p.disabled + " disabled)"))
	}
	if p.evType != "" || p.evID != "" {
		fmt.Fprintf(&b, "  %s [%s]", p.evType, p.evID)
	}
	return b.String()
}

// attempt are the pieces of an attempt's line, plain (escaped for a
// terminal, not yet styled).
type attempt struct {
	code, method, url, latency, attempt string
	// word is the outcome ("succeeded", "failed", "retry in 1.2s", "lease
	// lost"), detail what follows it (": HTTP 500 …"), both painted as
	// one by paintOutcome.
	word, detail string
	disabled     string // the subscription id disabled by a 410, or ""
	evType, evID string // "" when the event is not known

	paintCode    func(string) string
	paintOutcome func(string) string
}

func attemptParts(res Result) attempt {
	a, d := res.Attempt, res.Delivery
	p := attempt{code: "ERR", method: a.RequestMethod, url: subscription.MaskUserinfo(a.RequestURL), latency: latency(a.Duration)}
	if a.ResponseStatus != 0 {
		p.code = fmt.Sprint(a.ResponseStatus)
	}
	p.code = "[" + p.code + "]"
	if p.method == "" {
		p.method = "POST"
	}
	// The status is coloured by the attempt's outcome: a 2xx answer that
	// left the delivery not succeeded (Bond's 202: failed, or retried) is
	// no green beside a red "failed". A lease lost or a result not
	// recorded says nothing of the outcome: by class.
	failed := !res.LeaseLost && res.Err == nil && d != nil && d.Status != store.DeliverySucceeded
	p.paintCode = func(s string) string { return ui.PaintAttemptStatus(a.ResponseStatus, failed, s) }
	if res.BudgetRaised {
		p.attempt = fmt.Sprint(a.Number)
	} else {
		p.attempt = fmt.Sprintf("%d/%d", a.Number, max(d.MaxAttempts, a.Number))
	}
	p.paintOutcome = ui.Red
	switch {
	case res.LeaseLost:
		p.word, p.detail = LeaseLostNote[:len("lease lost")], LeaseLostNote[len("lease lost"):]
		p.paintOutcome = ui.Yellow
	case res.Err != nil:
		p.word, p.detail = "not recorded", ": "+res.Err.Error()
	case d.Status == store.DeliverySucceeded:
		p.word = "succeeded"
		p.paintOutcome = ui.Green
	case d.Status == store.DeliveryFailed:
		p.word, p.detail = "failed", ": "+ui.Printable(WholeError(d.LastError, a), false)
	default:
		now := time.Now()
		if !res.At.IsZero() {
			now = res.At
		}
		in := d.NextAttemptAt.Sub(now).Round(10 * time.Millisecond)
		p.word, p.detail = "retry in "+ui.FormatDuration(max(in, 0)), ": "+ui.Printable(WholeError(d.LastError, a), false)
		// The delay yellow, the error red.
		p.paintOutcome = func(s string) string {
			word, detail, _ := strings.Cut(s, ": ")
			out := ui.Yellow(word)
			if detail != "" || strings.HasSuffix(s, ": ") {
				out += ": " + ui.Red(detail)
			}
			return out
		}
	}
	if res.Disabled {
		p.disabled = d.SubscriptionID
	}
	if res.Event != nil {
		p.evType, p.evID = ui.Printable(res.Event.Type, false), ui.Printable(res.Event.ID, false)
	}
	return p
}

// DeliveryLine renders a delivery as the log's tail first sees it
// (without the newline): `--> TYPE [EVENT ID] METHOD URL (source, provider)`.
func DeliveryLine(stamp string, d *store.Delivery, ev *store.Event, source string) string {
	method := d.Method
	if method == "" {
		method = "POST"
	}
	what := source
	if ev.Provider != "" {
		what += ", " + ev.Provider
	}
	return fmt.Sprintf("%s  --> %s [%s] %s %s (%s)", stamp, ui.Cyan(ui.Printable(ev.Type, false)), ui.Printable(ev.ID, false),
		method, ui.Printable(subscription.MaskUserinfo(d.URL), false), what)
}

func latency(d time.Duration) string {
	switch {
	case d <= 0:
		return "0 ms"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
	case d < 10*time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	default:
		return d.Round(100 * time.Millisecond).String()
	}
}

// LeaseLostNote says why an attempt was not recorded when the delivery's
// lease was taken from the process that made it: by another worker once
// the lease ran out, or by the store when the delivery was settled
// elsewhere (its event's payload expunged, its subscription deleted).
const LeaseLostNote = "lease lost: the delivery was taken from this process (another worker, or settled elsewhere: an expunge, a deleted subscription)"

// Fit lays a Reporter's lines out for a terminal: each fits its width,
// as deliveries list fits its table. What can be shortened is: ids to
// prefixes unique in the store (commands take one), the URL by its
// middle, the error by its end (an ellipsis for the rest), the event's
// type and id left out last; the status code, the attempt number, the
// latency and the outcome stay whole. The URL and method columns keep
// the widest seen so far, so that the columns after them line up.
// (Unfitted, a retried attempt's line was 170–200 columns: it wrapped
// mid-word on an 80-column terminal.) Safe for concurrent use.
type Fit struct {
	// Width is the terminal's width, asked per line (the window may be
	// resized); 0 leaves the line whole.
	Width func() int
	// EventID and SubscriptionID shorten an id to a prefix unique in the
	// store (nil: the id whole).
	EventID, SubscriptionID func(id string) string

	mu      sync.Mutex
	short   map[string]string // id → prefix, by EventID/SubscriptionID
	urlW    int
	methodW int
}

// urlFloor is the least width a URL is cut to when the line has room for
// a retry's delay beside it ("http://l…" read as nothing).
const urlFloor = 16

func (f *Fit) id(shorten func(string) string, id string) string {
	if shorten == nil || id == "" {
		return id
	}
	f.mu.Lock()
	p, ok := f.short[id]
	f.mu.Unlock()
	if ok {
		return p
	}
	// The prefix stays unique while the run prints (ids are random); a
	// long run forgets them now and then.
	p = shorten(id)
	f.mu.Lock()
	if len(f.short) >= 10_000 || f.short == nil {
		f.short = map[string]string{}
	}
	f.short[id] = p
	f.mu.Unlock()
	return p
}

// ShortEventID is the event id as the fitted lines show it (EventID's
// prefix, remembered): for a line of the caller's own beside them
// (deliveries tail's delivery lines).
func (f *Fit) ShortEventID(id string) string { return f.id(f.EventID, id) }

func (f *Fit) width() int {
	if f.Width == nil {
		return 0
	}
	return f.Width()
}

// EventLine renders `--> TYPE [ID] N deliveries (provider)` fitted.
func (f *Fit) EventLine(stamp string, ev *store.Event, deliveries int) string {
	word := "deliveries"
	if deliveries == 1 {
		word = "delivery"
	}
	id := f.id(f.EventID, ui.Printable(ev.ID, false))
	typ := ui.Printable(ev.Type, false)
	rest := fmt.Sprintf(" [%s] %d %s (%s)", id, deliveries, word, ev.Provider)
	if w := f.width(); w > 0 {
		// The provider goes before the type is cut.
		if len(stamp)+len("  --> ")+ansi.StringWidth(typ+rest) > w {
			rest = fmt.Sprintf(" [%s] %d %s", id, deliveries, word)
		}
		room := w - len(stamp) - len("  --> ") - ansi.StringWidth(rest)
		typ = ui.CutEnd(typ, max(room, 12))
	}
	return stamp + "  --> " + ui.Cyan(typ) + rest
}

// AttemptLine renders one attempt fitted (without the newline).
func (f *Fit) AttemptLine(stamp string, res Result) string {
	p := attemptParts(res)
	url := ui.Printable(p.url, false)
	method := ui.Printable(p.method, false)
	detail := p.detail
	if a := res.Attempt; a.ResponseStatus != 0 {
		// "[500] … failed: HTTP 500 Internal Server Error: boom" said
		// the status twice: its code is the line's.
		said := fmt.Sprintf(": HTTP %d %s", a.ResponseStatus, http.StatusText(a.ResponseStatus))
		if rest, ok := strings.CutPrefix(detail, said); ok && (rest == "" || strings.HasPrefix(rest, ": ") || strings.HasPrefix(rest, " (")) {
			detail = rest
		}
	}
	disabled := ""
	if p.disabled != "" {
		disabled = " (subscription " + f.id(f.SubscriptionID, p.disabled) + " disabled)"
	}
	tail := ""
	if p.evType != "" || p.evID != "" {
		tail = fmt.Sprintf("  %s [%s]", p.evType, f.id(f.EventID, p.evID))
	}
	f.mu.Lock()
	f.methodW = max(f.methodW, len(method))
	method = fmt.Sprintf("%-*s", f.methodW, method)
	f.mu.Unlock()
	// What stays whole: the status code, the latency (padded: "(1.2 ms)"
	// and "(40 ms)" line up), the attempt number and the outcome.
	lat := fmt.Sprintf("(%s)", p.latency)
	mid := fmt.Sprintf(" %-8s attempt %s ", lat, p.attempt)
	head := stamp + "  <-- " + p.code + " " + method + " "
	w := f.width()
	width := ansi.StringWidth
	noURL := false
	if w > 0 {
		// Narrower, in steps: without the word "attempt" and the method
		// (POST, mostly) when the URL has no room for its floor beside a
		// retry's delay; without the URL when it has none for 8 columns;
		// the disabled subscription unnamed (the hint after the run
		// names it) when the line cannot fit otherwise.
		if w-width(head)-width(mid)-max(width(p.word)+width(disabled), width("retry in 12.3s")) < min(width(url), urlFloor) {
			mid = fmt.Sprintf(" %-8s %s ", lat, p.attempt)
			head = stamp + "  <-- " + p.code + " "
		}
		room := func() int { return w - width(head) - width(mid) - width(p.word) - width(disabled) }
		if room() < -1 && disabled != "" {
			disabled = " (disabled)"
		}
		if room() < 8 {
			noURL, url = true, ""
		}
	}
	if w > 0 && !noURL {
		fixed := width(head) + width(mid)
		// The URL's width does not depend on the outcome (its columns
		// line up): room for a retry's delay is kept.
		u := min(width(url), max(urlFloor, w-fixed-width("retry in 12.3s")))
		avail := w - fixed - width(p.word) - width(disabled)
		u = min(u, max(avail, 8))
		url = ui.ElideMiddle(url, u)
		// As wide as the widest URL so far, where the line has room.
		f.mu.Lock()
		f.urlW = max(f.urlW, width(url))
		if pad := min(f.urlW, avail) - width(url); pad > 0 {
			url += strings.Repeat(" ", pad)
		}
		f.mu.Unlock()
	}
	if w > 0 {
		rem := w - width(head) - width(url) - width(mid) - width(p.word) - width(disabled)
		if noURL {
			rem++ // no space after the URL
		}
		// The error first (why the line is read), then the event whole
		// where there is room left (trigger's line above names it).
		d := min(width(detail), max(rem, 0))
		if width(tail) > rem-d {
			tail = ""
		}
		if d < min(width(detail), 6) {
			d = 0 // ": H…" reads as nothing
		}
		detail = ui.CutEnd(detail, d)
	}
	if noURL {
		mid = mid[1:]
	}
	var b strings.Builder
	b.WriteString(stamp)
	b.WriteString("  <-- ")
	b.WriteString(p.paintCode(p.code))
	b.WriteString(head[len(stamp)+len("  <-- ")+len(p.code):])
	b.WriteString(url)
	b.WriteString(mid)
	b.WriteString(p.paintOutcome(p.word + detail))
	if disabled != "" {
		b.WriteString(ui.Red(disabled))
	}
	b.WriteString(tail)
	return b.String()
}
