package delivery

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// h1Transport sends plain-HTTP (http://) requests over kept-alive
// connections, doing the whole exchange on the calling goroutine: write the
// request, read the response. net/http's Transport runs a read loop and a
// write loop goroutine per connection and hands every request and response
// between three goroutines; on a busy trigger that was a fifth of the CPU
// per delivery. The wire format is still net/http's own
// ((*http.Request).Write, http.ReadResponse); anything that is not plain
// HTTP/1.1 (https) goes to a standard Transport.
type h1Transport struct {
	dialer      net.Dialer
	maxIdle     int           // idle connections kept per host
	idleTimeout time.Duration // an idle connection older than this is closed
	fallback    http.RoundTripper

	mu   sync.Mutex
	idle map[string][]*h1Conn // per host:port, most recently used last

	lastURL atomic.Pointer[parsedURL] // Sender.newRequest's: the last target parsed
}

type h1Conn struct {
	key       string // host:port it was dialled for (the pool key)
	c         net.Conn
	cr        countingReader
	br        *bufio.Reader
	bw        *bufio.Writer
	idleSince time.Time
	sent      bool // the whole request was written (the last exchange)
	peeked    bool // reused after closedByPeer looked and found it open
}

// countingReader counts the bytes read from the connection, so a failure
// can tell whether any of the response arrived; while head is set it
// fails a read past MaxResponseHeaderBytes of the response's head.
type countingReader struct {
	r    io.Reader
	n    int64
	head bool
	// timedOut: a read of this exchange failed at the deadline. The
	// parser may not say so: bufio.Reader.ReadLine hands back a line cut
	// by the deadline without its error, and the cut is then "malformed".
	timedOut bool
}

// MaxResponseHeaderBytes bounds what is read of a response's head (its
// status line and headers, and any 1xx answers before it): a receiver
// sending headers without end costs about that much, then fails the
// attempt.
const MaxResponseHeaderBytes = 1 << 20

// errHeadTooLarge is the failure of a response head past the limit.
var errHeadTooLarge = errors.New("response headers exceed 1 MiB")

// Max1xxAnswers is how many informational answers (103 Early Hints, 102
// Processing) may precede the response, as Go's HTTP client allows (its
// max1xxResponses): a sender built on it, as many providers' are, fails
// the delivery at the sixth, and so does hookctl.
const Max1xxAnswers = 5

// errTooMany1xx is the failure of a sixth informational answer.
var errTooMany1xx = fmt.Errorf("more than %d informational (1xx) answers before the response", Max1xxAnswers)

// AnsweredUnusably reports whether an attempt's error (Attempt.Error)
// says the receiver did answer, but with nothing a sender can take as the
// response: more informational answers than allowed, or headers too
// large. Its report says "no usable answer", not "no answer".
func AnsweredUnusably(msg string) bool {
	return msg == errTooMany1xx.Error() || msg == errHeadTooLarge.Error()
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.head {
		left := MaxResponseHeaderBytes - c.n
		if left <= 0 {
			return 0, errHeadTooLarge
		}
		p = p[:min(int64(len(p)), left)]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		c.timedOut = true
	}
	return n, err
}

func newH1Transport(connect time.Duration, maxIdle int, fallback http.RoundTripper) *h1Transport {
	return &h1Transport{
		dialer:      net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second},
		maxIdle:     maxIdle,
		idleTimeout: 90 * time.Second,
		fallback:    fallback,
		idle:        map[string][]*h1Conn{},
	}
}

// NewH1Transport is the lean transport for other packages that forward
// requests (listen): plain http:// on kept-alive connections (at most
// maxIdle idle ones per host), everything else through fallback.
func NewH1Transport(connect time.Duration, maxIdle int, fallback http.RoundTripper) http.RoundTripper {
	return newH1Transport(connect, maxIdle, fallback)
}

// RoundTrip implements http.RoundTripper; the request's context bounds it.
func (t *h1Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" {
		return t.fallback.RoundTrip(req)
	}
	var deadline time.Time
	if d, ok := req.Context().Deadline(); ok {
		deadline = d
	}
	return t.roundTrip(req, deadline)
}

// roundTrip sends req and reads the response head before deadline (zero:
// none) or the request context's end. The caller must read or close the
// body; the connection goes back to the pool at its end.
func (t *h1Transport) roundTrip(req *http.Request, deadline time.Time) (*http.Response, error) {
	if req.URL.Scheme != "http" {
		return t.fallback.RoundTrip(req)
	}
	return t.send(req.Context(), canonicalHost(req), req, deadline,
		func(w *bufio.Writer) error { return req.Write(w) },
		func() bool { // a fresh body for the second try
			if req.Body == nil || req.Body == http.NoBody {
				return true
			}
			if req.GetBody == nil {
				return false
			}
			body, err := req.GetBody()
			if err != nil {
				return false
			}
			r2 := *req
			r2.Body = body
			req = &r2
			return true
		})
}

// send writes a request with write on a pooled connection to host and
// reads the answer to rq (its method and Close) before deadline. A
// kept-alive connection the server had closed while idle is tried once
// more on a fresh one when again says the request can be written again.
func (t *h1Transport) send(ctx context.Context, host string, rq *http.Request, deadline time.Time, write func(*bufio.Writer) error, again func() bool) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		pc, reused, err := t.conn(ctx, host)
		if err != nil {
			return nil, err
		}
		resp, err := t.exchange(ctx, pc, rq, deadline, write)
		if err == nil {
			return resp, nil
		}
		pc.c.Close()
		// A kept-alive connection failed: send once more on a fresh one
		// only when the server cannot have read the request — the write
		// itself failed, or (without a peek to find connections closed
		// while idle) the server answered nothing. A server that read a
		// whole request and then dropped the connection has seen the
		// webhook: that is a failed attempt, recorded, not a silent resend.
		if !reused || attempt > 0 || (pc.sent && pc.peeked) || pc.cr.n > 0 || ctx.Err() != nil || !retryable(err) || !again() {
			return nil, err
		}
	}
}

func (t *h1Transport) exchange(ctx context.Context, pc *h1Conn, req *http.Request, deadline time.Time, write func(*bufio.Writer) error) (*http.Response, error) {
	pc.c.SetDeadline(deadline)
	// Cancelling the request (Ctrl-C, a client timeout) interrupts the
	// blocked read or write at once.
	var stop func() bool
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { pc.c.SetDeadline(time.Unix(1, 0)) })
	}
	pc.cr.n = 0
	// The head is read under MaxResponseHeaderBytes, counted from here
	// (nothing is read before the request is written).
	// It is reset on every way out before the connection can go back to
	// the pool: a deferred reset ran after a body-less answer had pooled
	// it, on a connection another worker may already be using, and
	// lifted the limit from that worker's head (a data race).
	pc.cr.head = true
	err := write(pc.bw)
	if err == nil {
		err = pc.bw.Flush()
	}
	pc.sent = err == nil
	if err != nil && ctx.Err() == nil {
		// The receiver may have answered before reading the whole body
		// (a 413 for a body too large, a 401 on the headers) and closed:
		// its answer says more than "write: broken pipe". Read what it
		// sent, on a connection that is not reused.
		pc.c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		if resp, rerr := http.ReadResponse(pc.br, req); rerr == nil && resp.StatusCode >= 200 {
			pc.cr.head = false
			if stop != nil {
				stop()
			}
			resp.Close = true
			b := &h1Body{rc: resp.Body, t: t, pc: pc, reusable: false}
			if resp.Body == http.NoBody {
				b.finish(false)
				return resp, nil
			}
			resp.Body = b
			return resp, nil
		}
	}
	var resp *http.Response
	// (What the peek above read of an early answer does not count: a
	// write that failed keeps its own error.)
	pc.cr.timedOut = false
	for n1xx := 0; err == nil; {
		resp, err = readResponse(pc.br, req)
		// An informational answer (103 Early Hints) precedes the real one.
		if err == nil && resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols {
			if n1xx++; n1xx > Max1xxAnswers {
				resp, err = nil, errTooMany1xx
				break
			}
			continue
		}
		break
	}
	if err != nil {
		pc.cr.head = false
		if stop != nil {
			stop()
		}
		if ctx.Err() != nil {
			err = ctx.Err()
		} else if pc.cr.n >= MaxResponseHeaderBytes {
			err = errHeadTooLarge // whatever the parser made of the cut
		} else if pc.cr.timedOut {
			// A head still arriving at the deadline (a receiver that
			// trickles it) is a timeout, not the "malformed MIME header
			// line" the parser made of the line the deadline cut.
			err = os.ErrDeadlineExceeded
		}
		return nil, err
	}
	pc.cr.head = false
	b := &h1Body{rc: resp.Body, t: t, pc: pc, reusable: !resp.Close && !req.Close, stop: stop}
	if resp.Body == http.NoBody {
		b.finish(true)
		return resp, nil
	}
	resp.Body = b
	return resp, nil
}

// h1Body gives the connection back once the body is read to its end (or
// drained on Close), or closes it.
type h1Body struct {
	rc       io.ReadCloser
	t        *h1Transport
	pc       *h1Conn
	reusable bool
	stop     func() bool // nil when the request cannot be cancelled
	done     bool
}

func (b *h1Body) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	n, err := b.rc.Read(p)
	if err == io.EOF {
		b.finish(true)
	} else if err != nil {
		b.finish(false)
	}
	return n, err
}

// Close drains up to 256 KiB so the connection can be reused.
func (b *h1Body) Close() error {
	if b.done {
		return nil
	}
	_, err := io.CopyN(io.Discard, b.rc, 256<<10)
	b.finish(err == io.EOF)
	return nil
}

func (b *h1Body) finish(atEOF bool) {
	b.done = true
	reusable := b.reusable && atEOF
	// A cancellation that already fired may still move the deadline:
	// such a connection is not pooled.
	if b.stop != nil && !b.stop() {
		reusable = false
	}
	b.t.release(b.pc, reusable)
}

func (t *h1Transport) conn(ctx context.Context, host string) (*h1Conn, bool, error) {
	now := time.Now()
	t.mu.Lock()
	for l := t.idle[host]; len(l) > 0; l = t.idle[host] {
		pc := l[len(l)-1]
		l[len(l)-1] = nil
		t.idle[host] = l[:len(l)-1]
		if now.Sub(pc.idleSince) >= t.idleTimeout {
			pc.c.Close()
			continue
		}
		t.mu.Unlock()
		dead, looked := closedByPeer(pc.c)
		if !dead {
			pc.peeked = looked
			return pc, true, nil
		}
		pc.c.Close()
		t.mu.Lock()
	}
	t.mu.Unlock()
	c, err := t.dialer.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, false, err
	}
	pc := &h1Conn{key: host, c: c}
	pc.cr.r = c
	pc.br = bufio.NewReaderSize(&pc.cr, 4096)
	pc.bw = bufio.NewWriterSize(c, 4096)
	return pc, false, nil
}

func (t *h1Transport) release(pc *h1Conn, reusable bool) {
	if !reusable || pc.br.Buffered() > 0 { // bytes after the response: out of sync
		pc.c.Close()
		return
	}
	pc.c.SetDeadline(time.Time{})
	pc.idleSince = time.Now()
	t.mu.Lock()
	if l := t.idle[pc.key]; len(l) < t.maxIdle {
		t.idle[pc.key] = append(l, pc)
		t.mu.Unlock()
		return
	}
	t.mu.Unlock()
	pc.c.Close()
}

// CloseIdleConnections closes the pooled connections (http.Client calls it).
func (t *h1Transport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = map[string][]*h1Conn{}
	t.mu.Unlock()
	for _, l := range idle {
		for _, pc := range l {
			pc.c.Close()
		}
	}
	if ci, ok := t.fallback.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// canonicalHost is host:port of the request's URL (port 80 by default).
func canonicalHost(req *http.Request) string {
	host, port := req.URL.Hostname(), req.URL.Port()
	if port == "" {
		port = "80"
	}
	return net.JoinHostPort(host, port)
}

// retryable: errors of a connection the server had closed while idle.
func retryable(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var ne *net.OpError
	return errors.As(err, &ne) && !ne.Timeout()
}
