package delivery

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/store"
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
		r.stampSec, r.stampText = sec, t.Local().Format("2006-01-02 15:04:05")
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
	line := fmt.Sprintf("%s  --> %s [%s] %d %s (%s)\n", r.stamp(), ui.Cyan(ui.Printable(ev.Type, false)), ui.Printable(ev.ID, false), deliveries, word, ev.Provider)
	r.write(line)
}

// Attempt prints `<-- [STATUS] METHOD URL (12 ms) attempt n/N outcome`.
func (r *Reporter) Attempt(res Result) {
	if r == nil || r.W == nil {
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
	a, d := res.Attempt, res.Delivery
	code := "ERR"
	if a.ResponseStatus != 0 {
		code = fmt.Sprint(a.ResponseStatus)
	}
	method := a.RequestMethod
	if method == "" {
		method = "POST"
	}
	var b strings.Builder
	b.WriteString(stamp)
	b.WriteString("  <-- ")
	// The status is coloured by the attempt's outcome: a 2xx answer that
	// left the delivery not succeeded (Bond's 202: failed, or retried) is
	// no green beside a red "failed". A lease lost or a result not
	// recorded says nothing of the outcome: by class.
	failed := !res.LeaseLost && res.Err == nil && d != nil && d.Status != store.DeliverySucceeded
	b.WriteString(ui.PaintAttemptStatus(a.ResponseStatus, failed, "["+code+"]"))
	if res.BudgetRaised {
		fmt.Fprintf(&b, " %s %s (%s) attempt %d ", method, a.RequestURL, latency(a.Duration), a.Number)
	} else {
		fmt.Fprintf(&b, " %s %s (%s) attempt %d/%d ", method, a.RequestURL, latency(a.Duration), a.Number, max(d.MaxAttempts, a.Number))
	}
	switch {
	case res.LeaseLost:
		b.WriteString(ui.Yellow(LeaseLostNote))
	case res.Err != nil:
		b.WriteString(ui.Red("not recorded: " + res.Err.Error()))
	case d.Status == store.DeliverySucceeded:
		b.WriteString(ui.Green("succeeded"))
	case d.Status == store.DeliveryFailed:
		b.WriteString(ui.Red("failed: " + ui.Printable(d.LastError, false)))
	default:
		now := time.Now()
		if !res.At.IsZero() {
			now = res.At
		}
		in := d.NextAttemptAt.Sub(now).Round(10 * time.Millisecond)
		b.WriteString(ui.Yellow("retry in " + ui.FormatDuration(max(in, 0))))
		b.WriteString(": ")
		b.WriteString(ui.Red(ui.Printable(d.LastError, false)))
	}
	if res.Disabled {
		b.WriteString(ui.Red(" (subscription " + d.SubscriptionID + " disabled)"))
	}
	if res.Event != nil {
		fmt.Fprintf(&b, "  %s [%s]", ui.Printable(res.Event.Type, false), ui.Printable(res.Event.ID, false))
	}
	return b.String()
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
		method, ui.Printable(d.URL, false), what)
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
