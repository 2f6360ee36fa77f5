package listen

import (
	"bufio"
	"io"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/hookctl/hookctl/internal/jsonenc"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/ui"
)

// Line kinds of the live log.
const (
	KindEvent    = "event"    // received and verified
	KindRejected = "rejected" // bad signature, never forwarded
	KindForward  = "forward"  // the app's answer (or 502)
	KindFiltered = "filtered" // verified, not in --events: not forwarded
)

// LogLine is one line of the live log; -o json prints it as is. EventID
// is "" (event_id left out) for a request refused before its id was known:
// a bad path, a body over --max-body or one that could not be read.
type LogLine struct {
	Time       time.Time `json:"time"`
	Kind       string    `json:"kind"`
	EventID    string    `json:"event_id,omitempty"`
	EventType  string    `json:"event_type,omitempty"`
	Provider   string    `json:"provider,omitempty"`
	Scheme     string    `json:"scheme,omitempty"`
	Verified   bool      `json:"verified,omitempty"`
	Duplicate  bool      `json:"duplicate,omitempty"`
	Retry      bool      `json:"retry,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	Method     string    `json:"method,omitempty"`
	URL        string    `json:"url,omitempty"`
	Status     int       `json:"status,omitempty"`
	DurationMS float64   `json:"duration_ms,omitempty"`
	Error      string    `json:"error,omitempty"`
	// DeliveryID is the forward's record (hookctl deliveries show ID), as
	// worker's and serve's attempt lines name theirs; "" when it was not
	// recorded.
	DeliveryID string `json:"delivery_id,omitempty"`
	// RecordedAs is the rej_ id a rejected request is kept under
	// (hookctl events show rej_…); "" when it was not kept.
	RecordedAs string `json:"recorded_as,omitempty"`
	// Sender is the provider a rejected request's User-Agent names
	// (stripe, github).
	Sender string `json:"sender,omitempty"`
}

// Logger writes the live log from one goroutine, batching writes under
// load and flushing as soon as it is idle, so the request path never
// waits on the terminal.
type Logger struct {
	json bool
	// Lines queue under qmu; the writer goroutine is woken once per batch
	// (a request only signals when the queue was empty), so under load
	// many lines share one wake-up and one write.
	qmu    sync.Mutex
	q      []LogLine
	spare  []LogLine // the writer's other buffer
	closed bool
	space  *sync.Cond // on qmu: Log waits while maxQueued lines are queued
	// queued counts the lines Log took, written those the loop wrote out
	// (both under qmu); Flush waits on wrote for written to catch up.
	queued, written int64
	wrote           *sync.Cond
	stopped         bool // the loop returned (under qmu)
	wake            chan struct{}
	done            chan struct{}
	w               *bufio.Writer
	once            sync.Once
	local           *time.Location
	// OnWriteError, when set before the first line, hears the first
	// error writing the log (stdout closed: `| head -1`); the lines after
	// it are dropped.
	OnWriteError func(error)
	failed       bool
	// Fit, when set before the first line, lays the text lines out for
	// a terminal (nil: AppendText's lines, byte for byte).
	Fit *Fit

	// Coalescing (a terminal under a burst): at most coalesceLines lines
	// per second, then one summary line of what was left out.
	coalesce bool
	window   time.Duration
	shown    int
	skipped  map[string]int // event type → events left out
	statuses map[int]int    // forward status → forwards left out
	nskipped int
	hidden   map[string]bool // events left out whose forward is to come
}

// logPace is the least time between two writes of the live log.
const logPace = 2 * time.Millisecond

// coalesceLines is how many lines a second a terminal shows under a burst.
const coalesceLines = 8

// NewLogger starts a logger writing terminal lines, or JSON lines when
// asJSON, to w.
func NewLogger(w io.Writer, asJSON bool) *Logger {
	return newLogger(w, asJSON, false, 0)
}

// NewTerminalLogger is NewLogger for a person's terminal: under a burst
// it shows a few lines a second, then "… 1,234 more card.created, all
// 200", so the terminal never becomes the bottleneck.
func NewTerminalLogger(w io.Writer) *Logger { return newLogger(w, false, true, time.Second) }

func newLogger(w io.Writer, asJSON, coalesce bool, window time.Duration) *Logger {
	l := &Logger{json: asJSON, wake: make(chan struct{}, 1), done: make(chan struct{}), w: bufio.NewWriterSize(w, 32<<10), local: time.Local,
		coalesce: coalesce && !asJSON, window: window}
	l.space = sync.NewCond(&l.qmu)
	l.wrote = sync.NewCond(&l.qmu)
	go l.loop()
	return l
}

// maxQueued lines may wait for the writer; beyond that Log waits (a
// stalled stdout slows requests down rather than growing memory).
const maxQueued = 4096

// Log queues a line (after Close it is dropped).
func (l *Logger) Log(line LogLine) {
	l.qmu.Lock()
	for len(l.q) >= maxQueued && !l.closed {
		l.space.Wait()
	}
	if l.closed {
		l.qmu.Unlock()
		return
	}
	l.q = append(l.q, line)
	l.queued++
	first := len(l.q) == 1
	l.qmu.Unlock()
	if first {
		l.signal()
	}
}

func (l *Logger) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Flush returns once every line queued before it was written out (or
// the logger stopped): what prints next on the same terminal comes after
// them. hookctl demo interleaves the listener's log with its own lines.
func (l *Logger) Flush() {
	l.qmu.Lock()
	defer l.qmu.Unlock()
	for want := l.queued; l.written < want && !l.stopped; {
		l.wrote.Wait()
	}
}

// Close writes every queued line and stops the logger.
func (l *Logger) Close() {
	l.once.Do(func() {
		l.qmu.Lock()
		l.closed = true
		l.space.Broadcast()
		l.qmu.Unlock()
		l.signal()
	})
	<-l.done
}

func (l *Logger) loop() {
	defer close(l.done)
	defer func() {
		l.qmu.Lock()
		l.stopped = true
		l.wrote.Broadcast()
		l.qmu.Unlock()
	}()
	buf := make([]byte, 0, 512)
	var tick <-chan time.Time
	if l.coalesce {
		t := time.NewTicker(l.window)
		defer t.Stop()
		tick = t.C
	}
	var last time.Time // the last write
	for {
		select {
		case <-l.wake:
		case <-tick:
			buf = l.summary(buf[:0])
			l.w.Write(buf)
			l.flush()
			l.shown = 0
			continue
		}
		// Under load, lines gather for up to logPace after the last write:
		// one write and one wake-up per logPace instead of one per line or
		// two (each a system call on the file or pipe behind stdout, and
		// data a journal fsync may wait behind). A line after a quiet spell
		// is written at once.
		if d := logPace - time.Since(last); d > 0 {
			time.Sleep(d)
		}
		l.qmu.Lock()
		batch, closed := l.q, l.closed
		l.q = l.spare[:0]
		l.space.Broadcast()
		l.qmu.Unlock()
		n := int64(len(batch))
		for _, line := range batch {
			if l.coalesce && l.hide(line) {
				l.skip(line)
			} else {
				l.shown++
				buf = l.Append(buf[:0], line)
				l.w.Write(buf)
			}
		}
		clear(batch) // no strings kept alive by the spare buffer
		l.spare = batch[:0]
		if closed {
			buf = l.summary(buf[:0])
			l.w.Write(buf)
			l.flush()
			return
		}
		l.flush()
		last = time.Now()
		l.qmu.Lock()
		l.written += n
		l.wrote.Broadcast()
		l.qmu.Unlock()
	}
}

// flush writes what is buffered and reports the first write error.
func (l *Logger) flush() {
	if err := l.w.Flush(); err != nil && !l.failed {
		l.failed = true
		if l.OnWriteError != nil {
			l.OnWriteError(err)
		}
	}
}

// hide decides whether a line is left out: an event line once the window
// showed its share, and the forward line of an event left out.
func (l *Logger) hide(line LogLine) bool {
	if l.hidden == nil {
		l.hidden = map[string]bool{}
	}
	switch line.Kind {
	case KindEvent:
		if l.shown < coalesceLines {
			return false
		}
		if len(l.hidden) > 100000 {
			clear(l.hidden)
		}
		l.hidden[line.EventID] = true
		return true
	case KindForward:
		if l.hidden[line.EventID] {
			delete(l.hidden, line.EventID)
			return true
		}
	}
	return false
}

func (l *Logger) skip(line LogLine) {
	if l.skipped == nil {
		l.skipped, l.statuses = map[string]int{}, map[int]int{}
	}
	switch line.Kind {
	case KindEvent:
		typ := line.EventType
		if typ == "" {
			typ = "events"
		}
		l.skipped[typ]++
		l.nskipped++
	case KindForward:
		l.statuses[line.Status]++
	}
}

// summary appends "… 1,234 more card.created, all 200" for what the
// window left out (nothing when nothing was), fitted to a terminal's
// width with Fit (fitSummary).
func (l *Logger) summary(b []byte) []byte {
	if l.nskipped == 0 && len(l.statuses) == 0 {
		return b
	}
	head := string(appendCount([]byte("… "), l.nskipped)) + " more"
	types := make([]string, 0, len(l.skipped))
	for t := range l.skipped {
		types = append(types, t)
	}
	slices.Sort(types)
	names := make([]string, len(types))
	for i, t := range types {
		var n []byte
		if len(types) > 1 {
			n = append(appendCount(n, l.skipped[t]), ' ')
		}
		names[i] = string(n) + ui.Printable(t, false)
	}
	codes := make([]int, 0, len(l.statuses))
	for c := range l.statuses {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	var tail []byte
	switch {
	case len(codes) == 1:
		tail = append(tail, ", all "...)
		tail = strconv.AppendInt(tail, int64(codes[0]), 10)
	case len(codes) > 1:
		for i, c := range codes {
			if i == 0 {
				tail = append(tail, "; "...)
			} else {
				tail = append(tail, ", "...)
			}
			tail = appendCount(tail, l.statuses[c])
			tail = append(tail, " × "...)
			tail = strconv.AppendInt(tail, int64(c), 10)
		}
	}
	w := 0
	if l.Fit != nil {
		w = l.Fit.width()
	}
	b = append(b, fitSummary(head, names, string(tail), w)...)
	b = append(b, '\n')
	clear(l.skipped)
	clear(l.statuses)
	l.nskipped = 0
	return b
}

// fitSummary joins a summary's parts: head ("… 1,234 more"), the types
// left out (their names, with their counts when several), at most three
// listed, then " …", and tail (", all 200"). Within w columns (0: whole)
// as listen's other lines on a terminal are (Fit): fewer types are
// listed, down to one, whose name is then cut by its end (to 16 columns
// at least); the count of what was left out and the statuses stay whole
// as long as they fit, then the line is cut by its end.
func fitSummary(head string, names []string, tail string, w int) string {
	line := func(k, cut int) string {
		s := head
		for i, n := range names[:k] {
			if i > 0 {
				s += ","
			}
			if cut > 0 {
				n = ui.CutEnd(n, cut)
			}
			s += " " + n
		}
		if k < len(names) {
			s += " …"
		}
		return s + tail
	}
	k := min(3, len(names))
	s := line(k, 0)
	if w <= 0 {
		return s
	}
	for ; k > 1 && ansi.StringWidth(s) > w; k-- {
		s = line(k-1, 0)
	}
	if o := ansi.StringWidth(s) - w; o > 0 && k == 1 {
		s = line(1, max(16, ansi.StringWidth(names[0])-o))
	}
	if ansi.StringWidth(s) > w {
		// Narrower than the count and the statuses: the line as it
		// reads, cut once (not a cut name followed by a cut list).
		s = ui.CutEnd(line(k, 0), w)
	}
	return s
}

// appendCount writes n with thousands separators (1,234).
func appendCount(b []byte, n int) []byte {
	s := strconv.Itoa(n)
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, byte(c))
	}
	return b
}

// Append formats line (with its newline) onto b.
func (l *Logger) Append(b []byte, line LogLine) []byte {
	if l.json {
		return AppendJSON(b, line)
	}
	if l.Fit != nil {
		return l.Fit.AppendText(b, line, l.local)
	}
	return AppendText(b, line, l.local)
}

// Fit lays the live log's text lines out for a terminal, each within its
// width, as trigger's attempt lines are (delivery.Fit): unfitted, an
// event line with a UUID or a forward to a path of some length was
// 92–104 columns and wrapped on an 80-column terminal. The event id is
// cut to EventID's prefix (one that events show takes); then, where the
// line is still too wide, a rejection's rej_ record takes the sender's
// id's place in the brackets, the scheme is left out, the URL cut by its
// middle, an error, a reason or the type by its end, and on a narrow
// terminal the date goes; the status, the latency and the outcome stay
// whole. Used by the Logger's one writer goroutine only.
type Fit struct {
	// Width is the terminal's width, asked per line (the window may be
	// resized); 0 leaves the line whole.
	Width func() int
	// EventID shortens an event id to a prefix that names the event in
	// the store (nil: the id whole). It is asked before the event may be
	// recorded.
	EventID func(id string) string

	short map[string]string // id → EventID's prefix
}

func (f *Fit) width() int {
	if f.Width == nil {
		return 0
	}
	return f.Width()
}

func (f *Fit) eventID(id string) string {
	if f.EventID == nil || id == "" {
		return id
	}
	if p, ok := f.short[id]; ok {
		return p
	}
	if f.short == nil || len(f.short) >= 10_000 {
		f.short = map[string]string{}
	}
	p := f.EventID(id)
	f.short[id] = p
	return p
}

// AppendText is the package's AppendText fitted.
func (f *Fit) AppendText(b []byte, line LogLine, loc *time.Location) []byte {
	w := f.width()
	t := line.Time.In(loc)
	stamp := t.Format("2006-01-02 15:04:05")
	if w <= 0 {
		return append(b, f.layout(line, stamp, 0, 0)...)
	}
	// Cut nothing below 16 columns (shorter, a URL or a reason reads as
	// nothing); on a terminal too narrow for that
	// (60 columns), without the date (a live log's lines are today's),
	// then to a lower floor.
	var s string
	for _, try := range []struct {
		stamp string
		floor int
	}{{stamp, 16}, {t.Format("15:04:05"), 16}, {t.Format("15:04:05"), 8}} {
		if s = f.layout(line, try.stamp, try.floor, w); ansi.StringWidth(s[:len(s)-1]) <= w { // less the newline
			break
		}
	}
	return append(b, s...)
}

// layout renders line (with its newline) within w columns (0: whole),
// cutting nothing below floor columns.
func (f *Fit) layout(line LogLine, stamp string, floor, w int) string {
	width := ansi.StringWidth
	if line.Kind == KindForward {
		code := "[" + strconv.Itoa(line.Status) + "]"
		method := " " + ui.Printable(line.Method, false) + " "
		head := len(stamp) + len("  <-- ") + len(code) + width(method)
		url := ui.Printable(line.URL, false)
		lat := " (" + string(appendMS(nil, line.DurationMS)) + " ms)"
		msg := ui.Printable(line.Error, false)
		if w > 0 {
			// The error first (why the line is read; the URL is the
			// same --forward target on every line), then the URL.
			sep := 0
			if msg != "" {
				sep = 1
			}
			url = ui.ElideMiddle(url, max(floor, w-head-width(lat)-sep-width(msg)))
			if msg != "" {
				msg = ui.CutEnd(msg, max(floor, w-head-width(url)-width(lat)-sep))
			}
		}
		s := stamp + "  <-- " + ui.PaintStatus(line.Status, code) + method + url + lat
		if msg != "" {
			s += " " + ui.Red(msg)
		}
		return s + "\n"
	}
	rejected := line.Kind == KindRejected
	typ := ui.Printable(line.EventType, false)
	if typ == "" {
		typ = "(unknown type)"
	}
	id := "-" // refused before its id was known
	if line.EventID != "" {
		id = ui.Printable(line.EventID, false)
		// A rejected request's id is its sender's, not recorded (its
		// record is RecordedAs): no prefix of it names anything.
		if !rejected {
			id = f.eventID(id)
		}
	}
	word, scheme, note, reason, recorded, rej := "verified", "", "", "", "", ""
	if rejected {
		word = "rejected"
		if line.RecordedAs != "" {
			rej = f.eventID(line.RecordedAs)
			recorded = " (recorded as " + rej + ")"
		}
	} else if line.Duplicate {
		note = " duplicate"
	} else if line.Retry {
		note = " retry"
	}
	if line.Scheme != "" {
		scheme = " (" + line.Scheme + ")"
	}
	if rejected || line.Kind == KindFiltered {
		reason = ui.Printable(line.Reason, false)
	}
	prefix := ": "
	if line.Kind == KindFiltered {
		prefix = " filtered: "
	}
	if w > 0 {
		over := func() int {
			n := len(stamp) + len("  --> ") + width(typ) + len(" [] ") + width(id) + width(word) + width(scheme) + width(note) + width(recorded)
			if reason != "" {
				n += len(prefix) + width(reason)
			}
			return n - w
		}
		// A rejection's record goes into the brackets, in place of the
		// sender's id (no record has it: events show takes the rej_
		// one); then the scheme goes (events show says it); then the
		// reason and the type are cut by their end.
		if over() > 0 && recorded != "" {
			id, recorded = rej, ""
		}
		if over() > 0 {
			scheme = ""
		}
		if o := over(); o > 0 && reason != "" {
			reason = ui.CutEnd(reason, max(floor, width(reason)-o))
		}
		if o := over(); o > 0 {
			typ = ui.CutEnd(typ, max(floor, width(typ)-o))
		}
		if o := over(); o > 0 && rejected && line.RecordedAs == "" && id != "-" {
			id = ui.CutEnd(id, max(floor, width(id)-o))
		}
	}
	s := stamp + "  --> " + ui.Cyan(typ) + " [" + id + "] "
	if rejected {
		msg := word + scheme
		if reason != "" {
			msg += prefix + reason
		}
		return s + ui.Red(msg) + recorded + "\n"
	}
	s += ui.Green(word) + scheme
	if note != "" {
		s += " " + ui.Yellow(note[1:])
	}
	if reason != "" {
		s += " " + ui.Yellow(prefix[1:]+reason)
	}
	return s + "\n"
}

// AppendText formats line for a terminal:
//
//	2026-11-23 10:04:12  --> card.created [evt_1] verified (bond)
//	2026-11-23 10:04:12  <-- [200] POST http://localhost:3000/webhooks (12 ms)
func AppendText(b []byte, line LogLine, loc *time.Location) []byte {
	b = line.Time.In(loc).AppendFormat(b, "2006-01-02 15:04:05")
	b = append(b, "  "...)
	switch line.Kind {
	case KindForward:
		b = append(b, "<-- "...)
		code := strconv.Itoa(line.Status)
		b = append(b, ui.PaintStatus(line.Status, "["+code+"]")...)
		b = append(b, ' ')
		b = append(b, ui.Printable(line.Method, false)...)
		b = append(b, ' ')
		b = append(b, ui.Printable(line.URL, false)...)
		b = append(b, " ("...)
		b = appendMS(b, line.DurationMS)
		b = append(b, " ms)"...)
		if line.Error != "" {
			b = append(b, ' ')
			b = append(b, ui.Red(ui.Printable(line.Error, false))...)
		}
	default:
		// The type, the id and a rejection's reason come from the
		// request, signed or not: escaped, so a sender cannot write
		// escape sequences to the terminal or a line of its own.
		b = append(b, "--> "...)
		typ := ui.Printable(line.EventType, false)
		if typ == "" {
			typ = "(unknown type)"
		}
		b = append(b, ui.Cyan(typ)...)
		b = append(b, " ["...)
		if line.EventID == "" {
			// Refused before its id was known (413, a bad path): -o json
			// leaves event_id out; the terminal keeps its column.
			b = append(b, '-')
		} else {
			b = append(b, ui.Printable(line.EventID, false)...)
		}
		b = append(b, "] "...)
		if line.Kind == KindRejected {
			msg := "rejected"
			if line.Scheme != "" {
				msg += " (" + line.Scheme + ")"
			}
			if line.Reason != "" {
				msg += ": " + ui.Printable(line.Reason, false)
			}
			b = append(b, ui.Red(msg)...)
			if line.RecordedAs != "" {
				b = append(b, " (recorded as "...)
				b = append(b, line.RecordedAs...)
				b = append(b, ')')
			}
		} else {
			b = append(b, ui.Green("verified")...)
			if line.Scheme != "" {
				b = append(b, " ("...)
				b = append(b, line.Scheme...)
				b = append(b, ')')
			}
			if line.Duplicate {
				b = append(b, ' ')
				b = append(b, ui.Yellow("duplicate")...)
			} else if line.Retry {
				b = append(b, ' ')
				b = append(b, ui.Yellow("retry")...)
			}
			if line.Kind == KindFiltered {
				b = append(b, ' ')
				b = append(b, ui.Yellow("filtered: "+ui.Printable(line.Reason, false))...)
			}
		}
	}
	return append(b, '\n')
}

func appendMS(b []byte, ms float64) []byte {
	if ms < 10 {
		return strconv.AppendFloat(b, ms, 'f', 1, 64)
	}
	return strconv.AppendInt(b, int64(ms+0.5), 10)
}

// AppendJSON appends line as one JSON object and a newline; the same
// document encoding/json makes of LogLine (field order and omitempty),
// without reflection, since it runs once or twice per request.
func AppendJSON(b []byte, l LogLine) []byte {
	b = append(b, `{"time":"`...)
	b = l.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","kind":`...)
	b = jsonenc.AppendString(b, l.Kind)
	str := func(name, v string) {
		if v != "" {
			b = append(b, ',', '"')
			b = append(b, name...)
			b = append(b, '"', ':')
			b = jsonenc.AppendString(b, v)
		}
	}
	flag := func(name string, v bool) {
		if v {
			b = append(b, ',', '"')
			b = append(b, name...)
			b = append(b, `":true`...)
		}
	}
	// Exact bytes (store.EncodeText), as every -o json writes an event's
	// id and type: events show takes the id back.
	str("event_id", store.EncodeText(l.EventID))
	str("event_type", store.EncodeText(l.EventType))
	str("provider", l.Provider)
	str("scheme", l.Scheme)
	flag("verified", l.Verified)
	flag("duplicate", l.Duplicate)
	flag("retry", l.Retry)
	str("reason", l.Reason)
	str("method", l.Method)
	str("url", l.URL)
	if l.Status != 0 {
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(l.Status), 10)
	}
	if l.DurationMS != 0 {
		b = append(b, `,"duration_ms":`...)
		b = strconv.AppendFloat(b, l.DurationMS, 'f', -1, 64)
	}
	str("error", l.Error)
	str("delivery_id", l.DeliveryID)
	str("recorded_as", l.RecordedAs)
	str("sender", l.Sender)
	return append(b, '}', '\n')
}
