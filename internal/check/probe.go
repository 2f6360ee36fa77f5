package check

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/store"
)

// Recorder keeps each probe as a delivery with its attempt, so
// `hookctl deliveries show ID` shows the request and the answer.
type Recorder interface {
	Record(ctx context.Context, ev *store.Event, d *store.Delivery, a *store.Attempt) error
}

// StoreRecorder records probes in a store through its Import method (the
// probe has already been sent: the records are written as they ended).
type StoreRecorder struct{ Store store.Store }

// Record writes the event (once per id), the delivery and its attempt.
func (r StoreRecorder) Record(ctx context.Context, ev *store.Event, d *store.Delivery, a *store.Attempt) error {
	return r.RecordBatch(ctx, []ProbeRecord{{Event: ev, Delivery: d, Attempt: a}})
}

// ProbeRecord is what one probe leaves in the store.
type ProbeRecord struct {
	Event    *store.Event
	Delivery *store.Delivery
	Attempt  *store.Attempt
}

// BatchRecorder is a Recorder that writes many probes at once.
type BatchRecorder interface {
	RecordBatch(ctx context.Context, ps []ProbeRecord) error
}

// RecordBatch writes ps in one transaction where the store can
// (store.BatchImporter), else one record at a time.
func (r StoreRecorder) RecordBatch(ctx context.Context, ps []ProbeRecord) error {
	ctx = context.WithoutCancel(ctx)
	recs := make([]store.Record, 0, 3*len(ps))
	for _, p := range ps {
		recs = append(recs, store.Record{Event: p.Event}, store.Record{Delivery: p.Delivery}, store.Record{Attempt: p.Attempt})
	}
	if bi, ok := r.Store.(store.BatchImporter); ok {
		return bi.ImportBatch(ctx, recs)
	}
	for _, rec := range recs {
		if err := r.Store.Import(ctx, rec); err != nil {
			return err
		}
	}
	return nil
}

// groupRecorder records the probes that end while the store is busy
// writing others together, in the next batches (a group commit), and
// keeps their answers (from spoolMin on) in a spool file until then, not
// in memory. A burst's probes end faster than the store writes them:
// each queued for the store's lock holding its answer (up to 64 KiB),
// and that queue, not the burst, set check's memory (--burst 2000
// answered 64 KiB: 235-285 MB; now ~130-150 MB, ~75 MB answered "ok").
//
// The spool is cut in slots of spoolSlot bytes, one per waiting answer;
// a slot read back for the store is free for the next answer, so the
// file is as large as the most answers that waited at once, not as all
// the answers of the burst (--burst 10000 answered 64 KiB grew it to
// 655 MB: RAM where the temporary directory is a tmpfs). A store slower
// than the answers still has most of a burst's answers waiting at once:
// the file is in dir (check puts it beside a SQLite store).
//
// An answer goes into its slot as it is read (readAnswer), through a
// 4 KiB buffer: read whole into memory first, the answers of a burst
// that arrive together were all in memory together (--burst 10000
// answered 64 KiB at once: 0.5-1.3 GB; now as answered "ok", ~260-310
// MB, the requests in flight).
type groupRecorder struct {
	rec     BatchRecorder
	dir     string // of the spool ("": the temporary directory)
	mu      sync.Mutex
	queue   []*pendingRecord
	writing bool

	spoolMu  sync.Mutex // the spool's, apart: no probe waits for the queue to spool its answer
	spool    *os.File   // nil until a probe waits with a large answer
	spoolErr error      // the spool could not be made or written: answers wait in memory
	free     []int64    // slots read back, to be written again
	slots    int64      // slots the spool has

	// readBack holds the answers of the batch being written, read back
	// from the spool: reused by each batch (one writes at a time), as a
	// fresh 64 KiB each made a burst's answers garbage twice over.
	readBack [][]byte
}

// spoolMin: answers this long or longer wait in the spool file.
const spoolMin = 4 << 10

// spoolSlot is the room of one answer in the spool: an attempt records
// at most delivery.MaxResponseBody of it. An answer shorter than that
// leaves the rest of its slot unwritten (a hole in the file).
const spoolSlot = delivery.MaxResponseBody

// maxRecordBatch bounds the probes read back from the spool at once.
const maxRecordBatch = 16

type pendingRecord struct {
	p    ProbeRecord
	slot int64 // its answer's slot in the spool
	size int   // its answer's length there (0: the answer is in p)
	done chan error
}

func (g *groupRecorder) Record(ctx context.Context, ev *store.Event, d *store.Delivery, a *store.Attempt) error {
	return g.record(ctx, ev, d, a, spooled{})
}

// record is Record of a probe whose answer readAnswer put in the spool
// already (sp.size > 0; a.ResponseBody is only its start then).
func (g *groupRecorder) record(ctx context.Context, ev *store.Event, d *store.Delivery, a *store.Attempt, sp spooled) error {
	pr := &pendingRecord{p: ProbeRecord{Event: ev, Delivery: d, Attempt: a}, done: make(chan error, 1)}
	if sp.size > 0 {
		pr.slot, pr.size = sp.slot, sp.size
		a := *a // the caller's outcome keeps its own copy
		a.ResponseBody = nil
		pr.p.Attempt = &a
	} else if n := len(a.ResponseBody); n >= spoolMin && n <= spoolSlot {
		// The answer waits on disk, not in memory, for its turn (a page
		// cache write and read: cheap beside the store's transaction).
		g.toSpool(pr)
	}
	g.mu.Lock()
	g.queue = append(g.queue, pr)
	if g.writing {
		g.mu.Unlock()
		return <-pr.done
	}
	// This caller writes, until no probe is left waiting.
	g.writing = true
	for len(g.queue) > 0 {
		n := min(len(g.queue), maxRecordBatch)
		batch := slices.Clone(g.queue[:n])
		g.queue = slices.Delete(g.queue, 0, n)
		g.mu.Unlock()
		err := g.write(ctx, batch)
		for _, b := range batch {
			b.done <- err
		}
		g.mu.Lock()
	}
	g.writing = false
	g.mu.Unlock()
	return <-pr.done
}

// toSpool moves pr's answer to a free slot of the spool file (where it
// cannot, the answer stays in memory). Answers are written concurrently,
// each in its own slot: a burst's probes do not wait for each other
// holding their answers.
func (g *groupRecorder) toSpool(pr *pendingRecord) {
	g.spoolMu.Lock()
	f, slot := g.takeSlot()
	g.spoolMu.Unlock()
	if f == nil {
		return
	}
	body := pr.p.Attempt.ResponseBody
	if _, err := f.WriteAt(body, slot*spoolSlot); err != nil {
		g.spoolMu.Lock()
		g.spoolErr = err
		g.free = append(g.free, slot)
		g.spoolMu.Unlock()
		return
	}
	pr.slot, pr.size = slot, len(body)
	a := *pr.p.Attempt // the caller's outcome keeps its own copy
	a.ResponseBody = nil
	pr.p.Attempt = &a
}

// spooled is where readAnswer put an answer: its slot in the spool and
// its length there (0: not in the spool).
type spooled struct {
	slot int64
	size int
	// lost: the answer could be neither written to the spool nor read
	// back from it (the run fails: the store would not have it).
	lost error
}

// readChunk is what an answer on its way to the spool is read through.
const readChunk = spoolMin

var chunkPool = sync.Pool{New: func() any { b := make([]byte, readChunk); return &b }}

// readAnswer reads an answer (r, its first spoolSlot bytes; size its
// Content-Length, -1 unknown) as it arrives: one shorter than spoolMin
// into memory, a longer one straight into a slot of the spool through
// a small buffer (readChunk), keeping in memory only its first
// excerptBytes (kept: what the run shows of it). A burst's answers
// were read whole into memory before they went to the spool, and
// --burst 10000 answered 64 KiB at once had them all in memory at once
// (1.3 GB peak RSS). Where the spool cannot be written, the answer is
// kept whole in memory, as before. err is the read's (a connection
// closed early, a timeout), with what came before it kept.
func (g *groupRecorder) readAnswer(r io.Reader, size int64) (kept []byte, sp spooled, err error) {
	r = io.LimitReader(r, spoolSlot)
	if size >= 0 && size < spoolMin {
		if size == 0 {
			b, err := io.ReadAll(r)
			return b, spooled{}, err
		}
		buf := make([]byte, size)
		n, err := io.ReadFull(r, buf)
		return buf[:n], spooled{}, err
	}
	bp := chunkPool.Get().(*[]byte)
	defer chunkPool.Put(bp)
	buf := *bp
	n, err := fill(r, buf)
	if err != nil { // all of it (or all that came) is in buf: short
		if err == io.EOF {
			err = nil
		}
		return bytes.Clone(buf[:n]), spooled{}, err
	}
	g.spoolMu.Lock()
	f, slot := g.takeSlot()
	g.spoolMu.Unlock()
	if f == nil { // no spool: in memory
		rest, err := io.ReadAll(r)
		return append(bytes.Clone(buf[:n]), rest...), spooled{}, err
	}
	kept = bytes.Clone(buf[:min(n, excerptBytes)])
	off := slot * spoolSlot
	size = 0
	for {
		if n > 0 {
			if _, werr := f.WriteAt(buf[:n], off+size); werr != nil {
				return g.unspool(f, slot, size, buf[:n], r, err, werr)
			}
			size += int64(n)
		}
		if err != nil {
			break
		}
		n, err = fill(r, buf)
	}
	if err == io.EOF {
		err = nil
	}
	return kept, spooled{slot: slot, size: int(size)}, err
}

// unspool is readAnswer's answer in memory after the spool failed
// (werr) with written bytes of it in slot: those read back, then chunk,
// then the rest of r unless the read that gave chunk ended (readErr:
// its error, returned). No answer is spooled from then on.
func (g *groupRecorder) unspool(f *os.File, slot, written int64, chunk []byte, r io.Reader, readErr, werr error) ([]byte, spooled, error) {
	body := make([]byte, written, written+int64(len(chunk)))
	_, rerr := f.ReadAt(body, slot*spoolSlot)
	g.spoolMu.Lock()
	g.spoolErr = werr
	g.free = append(g.free, slot)
	g.spoolMu.Unlock()
	if rerr != nil {
		return nil, spooled{lost: fmt.Errorf("writing an answer to the spool: %w; reading it back: %w", werr, rerr)}, nil
	}
	body = append(body, chunk...)
	if readErr != nil {
		if readErr == io.EOF {
			readErr = nil
		}
		return body, spooled{}, readErr
	}
	rest, err := io.ReadAll(r)
	return append(body, rest...), spooled{}, err
}

// fill reads into buf until it is full (nil) or r fails (io.EOF at its
// end), and returns how much it read.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// takeSlot is the spool file, created on first use, and a slot of it for
// one answer: one read back before, else a new one at its end. The file
// is nil when it cannot be made (or could not be written). g.spoolMu is
// held.
func (g *groupRecorder) takeSlot() (*os.File, int64) {
	if g.spoolErr != nil {
		return nil, 0
	}
	if g.spool == nil {
		f, err := os.CreateTemp(g.dir, "hookctl-check-*.spool")
		if err != nil && g.dir != "" {
			f, err = os.CreateTemp("", "hookctl-check-*.spool")
		}
		if err != nil {
			g.spoolErr = err
			return nil, 0
		}
		// Unlinked at once where the system allows it (not Windows):
		// gone with the process, however it ends; close removes it too.
		os.Remove(f.Name())
		g.spool = f
	}
	if n := len(g.free); n > 0 {
		slot := g.free[n-1]
		g.free = g.free[:n-1]
		return g.spool, slot
	}
	g.slots++
	return g.spool, g.slots - 1
}

// write records batch, its answers read back from the spool; their
// slots are free again once read. The store does not keep the answers'
// bytes past RecordBatch (they are copied into its statements), so the
// buffers they were read into serve the next batch.
func (g *groupRecorder) write(ctx context.Context, batch []*pendingRecord) error {
	ps := make([]ProbeRecord, len(batch))
	var err error
	for i, b := range batch {
		ps[i] = b.p
		if b.size == 0 || err != nil {
			continue
		}
		if len(g.readBack) <= i {
			g.readBack = append(g.readBack, make([]byte, spoolSlot))
		}
		body := g.readBack[i][:b.size]
		if _, rerr := g.spool.ReadAt(body, b.slot*spoolSlot); rerr != nil {
			err = fmt.Errorf("reading back an answer: %w", rerr)
			continue
		}
		a := *b.p.Attempt
		a.ResponseBody = body
		ps[i].Attempt = &a
	}
	g.spoolMu.Lock()
	for _, b := range batch {
		if b.size > 0 {
			g.free = append(g.free, b.slot)
		}
	}
	g.spoolMu.Unlock()
	if err != nil {
		return err
	}
	return g.rec.RecordBatch(ctx, ps)
}

// close removes the spool file.
func (g *groupRecorder) close() {
	g.spoolMu.Lock()
	defer g.spoolMu.Unlock()
	if g.spool != nil {
		g.spool.Close()
		os.Remove(g.spool.Name())
		g.spool = nil
	}
}

// probe is one request to send.
type probe struct {
	ev      *store.Event // Payload: the bytes signed (and sent unless alter changes them)
	method  string       // "" = POST
	secrets []string     // nil = the configured secret
	signAt  time.Time    // zero = now
	alter   func(h http.Header, body []byte) []byte
	// sent overrides the payload recorded (a tampered body).
	sent []byte
	// url is where it is sent ("" = the checked URL); unsigned: sent
	// without a signature or the subscription's headers (the request
	// to the URL a redirect leads to).
	url      string
	unsigned bool
}

// outcome is what came back.
type outcome struct {
	a          *store.Attempt
	deliveryID string
	scheme     string
	// url is where the probe was sent (a redirect's Location is read
	// against it).
	url string
	// gone: the receiver, reached before, refused this connection.
	gone *hang
	// loop is the URL of the receiver's that its redirect leads to when
	// that URL redirects back (runner.redirectLoop), "" when not known.
	loop string
	// loopSelf: that URL redirects to itself, not back.
	loopSelf bool
	// loopID is the recorded request redirectLoop sent to the URL the
	// redirect leads to ("" when none was sent or recorded).
	loopID string
	// loopTo is that URL.
	loopTo string
	// desync: the receiver's HTTP server took the probe for a request
	// that began with bytes of the one before it (desyncAnswer).
	desync bool
}

// ok: the provider would count the answer as delivered (delivery.Success:
// Bond accepts only 200 and 201).
func (o outcome) ok() bool { return o.a.Error == "" && delivery.Success(o.scheme, o.a.ResponseStatus) }

// successElsewhere: a 2xx that this scheme's provider does not count as
// success (Bond's 202 or 204).
func (o outcome) successElsewhere() bool {
	st := o.a.ResponseStatus
	return o.a.Error == "" && st >= 200 && st < 300 && !o.ok()
}

// noResponse: the request got no HTTP answer at all.
func (o outcome) noResponse() bool { return o.a.ResponseStatus == 0 }

// timedOut: no answer, or no whole answer (a status and headers, then a
// body that stalled: "reading response: timeout after 7s"), in time.
func (o outcome) timedOut() bool {
	return strings.HasPrefix(o.a.Error, "timeout") || strings.Contains(o.a.Error, ": timeout after")
}

// notConnected: no connection to the receiver could be made (refused, no
// such host, no route, a TLS handshake that failed), as opposed to a
// receiver that took the request and closed the connection unanswered.
func (o outcome) notConnected() bool {
	e := o.a.Error
	return o.noResponse() && (strings.HasPrefix(e, "dial ") || strings.HasPrefix(e, "proxyconnect ") ||
		strings.HasPrefix(e, "tls: ") || strings.Contains(e, "x509: ") ||
		strings.Contains(e, "server gave HTTP response to HTTPS client"))
}

// outOfResources: the request could not be sent for want of hookctl's
// own resources (open files, local ports), not for anything the
// receiver did.
func (o outcome) outOfResources() bool {
	e := o.a.Error
	return o.noResponse() && (strings.Contains(e, "too many open files") || strings.Contains(e, "cannot assign requested address") ||
		strings.Contains(e, "no buffer space available"))
}

// headTooLarge: the receiver answered with a status line and headers
// longer than a client reads (delivery's limit, 1 MiB).
func (o outcome) headTooLarge() bool {
	return o.noResponse() && strings.Contains(o.a.Error, "response headers exceed")
}

// tooMany1xx: the receiver wrote more informational answers (103 Early
// Hints, 102 Processing) before its response than Go's HTTP client
// reads (delivery.Max1xxAnswers; net/http's own words over HTTPS).
func (o outcome) tooMany1xx() bool {
	return o.noResponse() && (strings.Contains(o.a.Error, "informational (1xx) answers before the response") ||
		strings.Contains(o.a.Error, "too many 1xx informational responses"))
}

// redirect: a 3xx answer (providers do not follow redirects).
func (o outcome) redirect() bool { return o.a.ResponseStatus >= 300 && o.a.ResponseStatus < 400 }

// location is a redirect's Location header.
func (o outcome) location() string {
	for k, vs := range o.a.ResponseHeaders {
		if strings.EqualFold(k, "Location") && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// noAnswerHint is what to do about a probe that got no HTTP answer, or
// not all of one, a redirect, a rate limit's 429, or a 2xx its provider
// does not count as success; "" for any other answer.
func (o outcome) noAnswerHint() string {
	switch {
	case o.successElsewhere():
		if o.scheme == "bond" {
			return fmt.Sprintf("Bond counts only 200 and 201 as delivered and retries a %d: answer 200", o.a.ResponseStatus)
		}
		return fmt.Sprintf("scheme %s does not count a %d as delivered: answer 200", o.scheme, o.a.ResponseStatus)
	case o.timedOut():
		return "no answer before the timeout: is the handler stuck? answer 2xx at once and process the event asynchronously"
	case o.gone != nil:
		return o.gone.goneHint()
	case o.a.Error != "" && !o.noResponse():
		// A status, then the connection closed before the body's end
		// (or reset): the provider does not count it as delivered.
		return fmt.Sprintf("the answer (%d) was cut short: a provider counts an answer it cannot read whole as a failed delivery and retries it; does the handler crash after it starts answering, or send a wrong Content-Length? (see its log)",
			o.a.ResponseStatus)
	case o.tooMany1xx():
		return fmt.Sprintf("the receiver wrote more than %d informational answers (1xx: 103 Early Hints, 102 Processing) before its response: Go's HTTP client, which many providers send with, refuses the answer and retries the delivery; send at most one 103 (a webhook sender uses none) and then the response",
			delivery.Max1xxAnswers)
	case o.headTooLarge():
		// It answered, with a head no client reads: it did not close
		// the connection ("does it crash?" sent its developer after a
		// crash that never happened).
		return "the receiver's answer has more than 1 MiB of status line and headers (with any informational 1xx answers before it): a provider refuses such an answer and retries the delivery; look for a header the app sets again and again (in a loop, or appended on each request: a cookie, a trace or debug header), or 1xx answers (103 Early Hints) written in a loop"
	case o.noResponse() && strings.Contains(o.a.Error, "malformed "):
		// It answered, but not in HTTP/1.1 Go (or a provider) can read.
		return "the receiver's answer is not valid HTTP/1.1 (see the evidence): a provider cannot read it and retries the delivery; look at what the server writes: its status line, a header with a control character or a bare newline"
	case o.noResponse():
		return "the receiver closed the connection without an HTTP answer: does it crash on this request? (see its log)"
	case o.a.ResponseStatus == http.StatusTooManyRequests:
		return "429 Too Many Requests: a rate limit answered (the app's or a proxy's), not the webhook handler, so this says nothing of how the handler treats the probe; exempt the webhook route from the limit (a provider retries a 429, in bursts)"
	case o.redirect():
		l := o.location()
		if l == "" {
			return "providers do not follow redirects: answer the request at this URL (the redirect names no Location)"
		}
		to := resolveLocation(o.url, l)
		if o.loop != "" && to == o.loop {
			// "give them the URL the receiver redirects to" named a URL
			// that redirects back: following the hint got the same
			// failure, the other way round.
			back := "that URL back"
			if o.loopSelf {
				back = "that URL to itself"
			}
			return "the receiver redirects the URL to " + to + " and " + back + " (a loop: a client that followed it would never get an answer), and providers do not follow redirects anyway: answer the request at one of the two URLs; look for the rules that redirect them (trailing-slash rules that disagree, an HTTPS or login redirect, a proxy)"
		}
		if to == o.url {
			// A redirect to the URL itself: "give them the URL it
			// redirects to" named the URL they were given.
			return "the receiver redirects the URL to itself (a client that followed it would loop), and providers do not follow redirects anyway: answer the request at this URL; look for what redirects it (a trailing-slash, HTTPS or login rule, a proxy)"
		}
		return "providers do not follow redirects: give them the URL the receiver redirects to (" + to + ")"
	}
	return ""
}

// redirectLoop is the URL the first probe's redirect leads to when that
// URL, on the same origin, redirects back to the probe's URL (or to
// itself: self): a loop. It asks with one request of the probe's method,
// without a body or a signature (nothing a handler would take for an
// event), and only on the origin the check was given. That request is
// recorded as the probes are (a delivery of kind probe of the run, its
// id in r.loopID: a check whose redirect leads there shows it), so the
// answer behind the loop's verdict can be seen. loop is "" when the
// answer was no redirect, or another one.
func (r *runner) redirectLoop(ctx context.Context, o outcome, method string) (loop string, self bool) {
	l := o.location()
	if !o.redirect() || l == "" {
		return "", false
	}
	to := resolveLocation(o.url, l)
	if to == o.url || !sameOrigin(o.url, to) {
		return "", false
	}
	ctx, cancel := context.WithTimeout(ctx, min(r.cfg.Timeout, 5*time.Second))
	defer cancel()
	// An event of its own, with no body: the request carried none, and
	// deliveries show must not show the first probe's payload as sent.
	ev := &store.Event{ID: "redirect_" + uuid.NewString(), Type: redirectEventType, Provider: r.cfg.Event.Provider,
		Payload: []byte{}, Source: store.SourceCheck, CreatedAt: r.now()}
	a, _, prepErr := r.sender.Send(ctx, ev, delivery.Target{URL: to, Method: method, Alter: func(h http.Header, _ []byte) []byte {
		// User-Agent alone: no Content-Type for a request without a body.
		for k := range h {
			if k != "User-Agent" {
				delete(h, k)
			}
		}
		return nil
	}})
	if prepErr != nil {
		return "", false
	}
	if r.cfg.Recorder != nil {
		r.loopID = r.record(ctx, probe{ev: ev, method: method, url: to, unsigned: true}, outcome{a: a, url: to}, spooled{})
		r.loopTo = to
	}
	if a.Error != "" || a.ResponseStatus < 300 || a.ResponseStatus >= 400 {
		return "", false
	}
	lo := outcome{a: a, url: to}
	if lo.location() == "" {
		return "", false
	}
	if back := resolveLocation(to, lo.location()); back == o.url || back == to {
		return to, back == to && back != o.url
	}
	return "", false
}

// redirectID is the recorded request to the URL o's redirect leads to,
// when redirectLoop asked it ("" otherwise).
func (o outcome) redirectID() string {
	if o.loopID == "" || !o.redirect() || o.location() == "" || resolveLocation(o.url, o.location()) != o.loopTo {
		return ""
	}
	return o.loopID
}

// redirectEventType is the type recorded for the request redirectLoop
// sends (no event: a bodiless request to the URL a redirect leads to).
const redirectEventType = "hookctl.check.redirect_target"

// sameOrigin: a and b have the same scheme, host and port.
func sameOrigin(a, b string) bool {
	ua, err := url.Parse(a)
	if err != nil {
		return false
	}
	ub, err := url.Parse(b)
	if err != nil {
		return false
	}
	return strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(ua.Host, ub.Host)
}

// resolveLocation is a redirect's Location read against the URL of the
// request (a relative "/webhooks/" is on the same host), as a URL to pass
// to a provider or to hookctl check; the Location as it is when either
// does not parse.
func resolveLocation(base, loc string) string {
	b, err := url.Parse(base)
	if err != nil {
		return loc
	}
	l, err := url.Parse(loc)
	if err != nil {
		return loc
	}
	return b.ResolveReference(l).String()
}

// failedHint is hint after "the receiver failed (500): see its log" when
// the answer was a 5xx: the receiver's log says more than any rule.
func (o outcome) failedHint(hint string) string {
	if st := o.a.ResponseStatus; st >= 500 {
		return fmt.Sprintf("the receiver failed (%d): see its log; %s", st, hint)
	}
	return hint
}

// evidence is "401 in 3ms: {"error":…}" or the error.
func (o outcome) evidence() string {
	if o.noResponse() {
		if delivery.AnsweredUnusably(o.a.Error) {
			// It answered: "no answer" contradicted the reason.
			return fmt.Sprintf("no usable answer after %s: %s", ms(o.a.Duration), o.a.Error)
		}
		return fmt.Sprintf("no answer after %s: %s", ms(o.a.Duration), o.a.Error)
	}
	s := fmt.Sprintf("%d in %s", o.a.ResponseStatus, ms(o.a.Duration))
	if o.a.Error != "" {
		s += " (" + o.a.Error + ")" // e.g. its body never arrived whole
	}
	if l := o.location(); o.redirect() && l != "" {
		s += " to " + l
	}
	if b := firstBytes(o.a.ResponseBody); b != "" {
		s += ": " + b
	}
	return s
}

// excerptBytes is how much of an answer an outcome kept in memory for
// long (excerpt) holds: more than firstBytes shows, so its evidence and
// the report's body read the same as from the whole answer.
const excerptBytes = 256

// excerpt is o with its attempt's answer cut to its first excerptBytes,
// in a copy that does not hold the rest (the recorded attempt keeps it
// whole): what a burst keeps of its worst probe.
func (o outcome) excerpt() outcome {
	if o.a == nil || len(o.a.ResponseBody) <= excerptBytes {
		return o
	}
	a := *o.a
	a.ResponseBody = bytes.Clone(a.ResponseBody[:excerptBytes])
	o.a = &a
	return o
}

// desyncWords are what Python's http.server (BaseHTTPRequestHandler)
// answers when the request line it reads is not one: with
// protocol_version "HTTP/1.1", a handler that answers without reading
// the body leaves it on the keep-alive connection, and the next request
// is read from it ("Unsupported method ('{"type":…}POST')"). Compiled on
// first use.
var desyncWords = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`Unsupported method \('|Bad request syntax \('|Bad request version \('|Bad HTTP/0\.9 request type \('`)
})

// desyncAnswer: an answer (its body, the whole one read) is the server's
// refusal of a request line made of the bytes of another request.
func desyncAnswer(body []byte) bool {
	if len(body) == 0 || len(body) > 4<<10 {
		return false
	}
	return desyncWords().Match(body)
}

// desyncHint is the hint of a check whose probe was answered that way:
// the handler never saw it, so the verdict's own hint would send the
// developer after the wrong code.
const desyncHint = "the receiver's HTTP server did not read this request as sent: it took bytes left on the connection for its start (its answer quotes them as an unsupported method or a bad request line), so the handler never saw it; a handler that answers without reading the request body, on a keep-alive (HTTP/1.1) connection, leaves the body there for the next request to start with: read the whole body (Content-Length bytes) before answering, even a request you refuse; a provider reusing its connections gets the same"

func (o outcome) result(id string, v Verdict, detail, hint string) Result {
	return Result{ID: id, Verdict: v, Status: o.a.ResponseStatus, Latency: o.a.Duration, Detail: detail,
		Hint: hint, Body: firstBytes(o.a.ResponseBody), DeliveryID: o.deliveryID, RedirectDeliveryID: o.redirectID()}
}

func ms(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < 10*time.Second:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

// firstBytes is the start of a body, on one line, for evidence.
func firstBytes(b []byte) string {
	const n = 80
	s := string(b)
	if len(s) > n {
		s = s[:n]
		for !utf8.ValidString(s) && len(s) > 0 {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	s = strings.Join(strings.Fields(s), " ")
	return strings.ToValidUTF8(s, "\uFFFD") // as -o json shows other bytes that are not UTF-8
}

// send signs (through delivery.Sender, as trigger does), alters, sends
// and records one probe.
func (r *runner) send(ctx context.Context, p probe) outcome {
	s := *r.sender
	var sentAt time.Time
	if !p.signAt.IsZero() {
		// Signed as of another time (a stale or future timestamp), sent
		// now: the attempt and its delivery are recorded as sent now, not
		// ten minutes off in deliveries list.
		if now := s.Now; now != nil {
			sentAt = now()
		} else {
			sentAt = time.Now()
		}
		at := p.signAt
		s.Now = func() time.Time { return at }
	}
	secrets := p.secrets
	if secrets == nil {
		secrets = []string{r.cfg.Secret}
	}
	t := delivery.Target{URL: r.cfg.URL, Method: p.method, Scheme: r.cfg.Scheme, Secrets: secrets,
		Headers: r.cfg.Headers, Alter: p.alter}
	// An answer goes from the connection to the spool as it arrives
	// (groupRecorder.readAnswer), not through memory.
	var sp spooled
	g, spool := r.cfg.Recorder.(*groupRecorder)
	if spool {
		s.ReadBody = func(body io.Reader, size int64) ([]byte, error) {
			kept, got, err := g.readAnswer(body, size)
			sp = got
			return kept, err
		}
	}
	a, _, prepErr := s.Send(ctx, p.ev, t)
	if !sentAt.IsZero() {
		a.StartedAt = sentAt
	}
	if prepErr != nil && a.Error == "" {
		a.Error = prepErr.Error()
	}
	if a.ResponseStatus != 0 {
		r.reached.Store(true)
	}
	o := outcome{a: a, scheme: r.cfg.Scheme, url: r.cfg.URL, loop: r.loop, loopSelf: r.loopSelf, loopID: r.loopID, loopTo: r.loopTo}
	// The store keeps the answer (its first 64 KiB); the run, the start
	// that evidence shows: the whole one is not held past its recording
	// (nor while it waits for the store: groupRecorder), nor read into
	// memory when it goes to the spool.
	full := o
	o = o.excerpt()
	if sp.lost != nil {
		r.recordErr.CompareAndSwap(nil, &sp.lost)
	} else if r.cfg.Recorder != nil {
		o.deliveryID = r.record(ctx, p, full, sp)
	}
	if o.desync = desyncAnswer(a.ResponseBody); o.desync && o.deliveryID != "" {
		r.desynced.Store(o.deliveryID, true)
	}
	switch {
	case o.outOfResources():
		// Not the receiver's doing: the run ends with an error.
		r.resources.CompareAndSwap(nil, &o.a.Error)
	case o.timedOut():
		// (with a status too: headers, then a body that stalled)
		r.hung.CompareAndSwap(nil, &hang{stage: r.stage, o: o})
	case o.notConnected() && r.reached.Load():
		// Reached before, refused now: the receiver went away.
		h := &hang{stage: r.stage, o: o, gone: true}
		if d := r.dropped.Load(); d != nil {
			h.dropped = *d
		}
		o.gone = h
		r.hung.CompareAndSwap(nil, h)
	case o.noResponse() && !strings.Contains(o.a.Error, "malformed ") && !o.headTooLarge():
		stage := r.stage
		r.dropped.CompareAndSwap(nil, &stage)
		// It took the connection: reached, though it gave no answer. A
		// receiver that dies on the very first probe is then gone for
		// the probes after it, not unreachable for each in turn.
		r.reached.Store(true)
	}
	return o
}

// record keeps a probe as a delivery with its attempt; its id ("" when
// recording failed: the run reports it).
func (r *runner) record(ctx context.Context, p probe, o outcome, sp spooled) string {
	a := o.a
	ev := *p.ev
	ev.Source = store.SourceCheck
	if p.sent != nil {
		ev.Payload = p.sent
	}
	if ev.CreatedAt.IsZero() {
		ev.CreatedAt = a.StartedAt
	}
	to, scheme, headers, secret := r.cfg.URL, r.cfg.Scheme, r.cfg.Headers, r.cfg.Secret
	if p.url != "" {
		to = p.url
	}
	if p.unsigned {
		scheme, headers, secret = "", nil, ""
	}
	d := &store.Delivery{
		ID: uuid.NewString(), EventID: ev.ID, URL: to, Method: p.method, Scheme: scheme,
		Headers: headers, AttemptCount: 1, MaxAttempts: 1, Schedule: "0s", NextAttemptAt: a.StartedAt,
		LastError: a.Error, LastStatus: a.ResponseStatus, RunID: r.runID, Kind: store.KindProbe,
		CreatedAt: a.StartedAt, UpdatedAt: a.StartedAt.Add(a.Duration),
	}
	// Final as recorded: no worker ever sends it; replay resends it
	// signed with the secret the run used, like an ad-hoc trigger.
	d.Secret = secret
	if o.ok() {
		d.Status = store.DeliverySucceeded
	} else {
		d.Status = store.DeliveryFailed
		if d.LastError == "" {
			// As a delivery's attempt says it (delivery.Decide): the
			// status's text and the receiver's reason, not a bare "HTTP 500".
			d.LastError = delivery.StatusError(scheme, a)
		}
	}
	a.DeliveryID, a.Number = d.ID, 1
	var err error
	if g, ok := r.cfg.Recorder.(*groupRecorder); ok {
		err = g.record(ctx, &ev, d, a, sp)
	} else {
		err = r.cfg.Recorder.Record(ctx, &ev, d, a)
	}
	if err != nil {
		r.recordErr.CompareAndSwap(nil, &err)
		return ""
	}
	return d.ID
}

// build renders a fresh catalog event (new ids, now) for a probe.
func (r *runner) build(et *catalog.EventType) (*store.Event, string, error) {
	return r.buildAt(et, r.freshTime())
}

// freshTime is now as catalog.DistinctTime makes it: later than every
// fresh probe's before it, so distinct events are distinct in their own
// times too. A receiver told to recognise a Bond event by its name and
// occurred_at (Bond sends no id) took two of a burst built in the same
// microsecond for one event sent twice, and failed survives-burst with
// its 500 for a "duplicate".
func (r *runner) freshTime() time.Time { return catalog.DistinctTime(r.now()) }

// buildAt renders a fresh catalog event whose times (occurred_at,
// created, …) are at, for a probe sent now.
func (r *runner) buildAt(et *catalog.EventType, at time.Time) (*store.Event, string, error) {
	ev, m, _, err := r.buildWith(et, catalog.BuildOptions{Now: at})
	return ev, m, err
}

// buildWith renders a catalog event with o (o.Now: its times) for a
// probe sent now, and returns the built event too.
func (r *runner) buildWith(et *catalog.EventType, o catalog.BuildOptions) (*store.Event, string, *catalog.Event, error) {
	built, err := r.cfg.Catalog.Build(et, o)
	if err != nil {
		return nil, "", nil, err
	}
	ev := &store.Event{ID: built.ID, Type: built.Type, Provider: built.Provider, ContentType: built.ContentType,
		Payload: built.Body, Source: store.SourceCheck, CreatedAt: r.now()}
	m := built.Method
	if m == "POST" {
		m = ""
	}
	if r.cfg.Method != "" {
		m = r.cfg.Method
	}
	return ev, m, built, nil
}
