package httplimit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Handler wraps h with the request checks: the request target must be a
// path, and the request's framing must be unambiguous (the check needs
// the connection from Listener; without it only the target is checked).
// Refusals are 400 with a JSON {"error","reason"} body and close the
// connection.
func (l *Limiter) Handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.RequestURI, "/") {
			l.badTarget.Add(1)
			l.refuse(w, r, http.StatusBadRequest, "the request target must be a path such as /webhooks, not "+strconv.Quote(r.RequestURI))
			return
		}
		if c, ok := r.Context().Value(connKey{}).(*conn); ok {
			if reason := c.sn.verdictFor(r.Method, r.RequestURI); reason != "" {
				l.badFraming.Add(1)
				l.refuse(w, r, http.StatusBadRequest, reason)
				return
			}
		}
		if len(r.TransferEncoding) > 0 {
			// The framing check does not follow chunked bodies: the
			// connection ends with this request.
			w.Header().Set("Connection", "close")
		}
		if r.Body != nil && r.Body != http.NoBody {
			// A body the handler leaves unread is still bounded: Go's
			// server reads it after the handler, within this deadline
			// (ReadBody sets its own, and clears it once it has the body).
			http.NewResponseController(w).SetReadDeadline(time.Now().Add(l.cfg.BodyTimeout))
		}
		h.ServeHTTP(w, r)
	})
}

// refuse writes one of Handler's refusals: in the Config's shape when it
// has one, else Refuse's; the connection closes after it either way.
func (l *Limiter) refuse(w http.ResponseWriter, r *http.Request, status int, reason string) {
	if l.cfg.Refuse == nil {
		Refuse(w, status, reason)
		return
	}
	w.Header().Set("Connection", "close")
	l.cfg.Refuse(w, r, status, reason)
}

// Refuse answers status with {"error": status text, "reason": reason}
// and closes the connection; 429 and 503 carry Retry-After: 1.
func Refuse(w http.ResponseWriter, status int, reason string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Connection", "close")
	if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
		if h.Get("Retry-After") == "" {
			h.Set("Retry-After", "1")
		}
	}
	w.WriteHeader(status)
	io.WriteString(w, `{"error":`+strconv.Quote(strings.ToLower(http.StatusText(status)))+`,"reason":`+strconv.Quote(reason)+"}\n")
}

type connKey struct{}

func connContext(ctx context.Context, nc net.Conn) context.Context {
	if c := unwrap(nc); c != nil {
		return context.WithValue(ctx, connKey{}, c)
	}
	return ctx
}

const firstChunk = 4 << 10

// ReadBody reads r's body: at most MaxBody bytes (more, declared or sent,
// is a *http.MaxBytesError: IsTooLarge), within BodyTimeout, holding body
// budget for the bytes it keeps as they arrive (none left within
// BudgetWait: ErrBusy). On an error the answer is marked Connection:
// close, so the unread rest of the body is never read. release gives the
// budget back; it is never nil and may be called more than once.
func (l *Limiter) ReadBody(w http.ResponseWriter, r *http.Request) (body []byte, release func(), err error) {
	return l.ReadBodyMax(w, r, l.cfg.MaxBody)
}

// ReadBodyMax is ReadBody with its own size limit (a route that takes
// smaller or larger bodies than MaxBody; still under the shared budget).
func (l *Limiter) ReadBodyMax(w http.ResponseWriter, r *http.Request, max int64) (body []byte, release func(), err error) {
	var reserved int64
	var once sync.Once
	release = func() { once.Do(func() { l.releaseBudget(reserved) }) }
	fail := func(e error) ([]byte, func(), error) {
		release()
		if w != nil {
			w.Header().Set("Connection", "close")
		}
		return nil, func() {}, e
	}
	if max <= 0 || max >= l.cfg.BodyBudget {
		// (a body of unknown length is read into max+1 bytes of
		// budget: more than the whole budget would wait for it in vain)
		max = min(l.cfg.MaxBody, l.cfg.BodyBudget-1)
	}
	if r.ContentLength > max {
		l.tooLarge.Add(1)
		return fail(&http.MaxBytesError{Limit: max})
	}
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return []byte{}, release, nil
	}
	var rc *http.ResponseController
	if w != nil {
		rc = http.NewResponseController(w)
		rc.SetReadDeadline(time.Now().Add(l.cfg.BodyTimeout))
	}
	limit := max + 1 // unknown length: one byte more than allowed tells
	if r.ContentLength > 0 {
		limit = r.ContentLength
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	var buf []byte
	for {
		if r.ContentLength > 0 && int64(len(buf)) == r.ContentLength {
			break // all of it: the body is at EOF
		}
		if len(buf) == cap(buf) {
			newCap := 2 * int64(cap(buf))
			if newCap < firstChunk {
				newCap = firstChunk
			}
			if newCap > limit {
				newCap = limit
			}
			if !l.acquire(r.Context().Done(), newCap-reserved, &timer) {
				l.busy.Add(1)
				return fail(ErrBusy)
			}
			reserved = newCap
			nb := make([]byte, len(buf), newCap)
			copy(nb, buf)
			buf = nb
		}
		n, rerr := r.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > max {
			l.tooLarge.Add(1)
			return fail(&http.MaxBytesError{Limit: max})
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			if errors.Is(rerr, os.ErrDeadlineExceeded) {
				rerr = errBodyTimeout
			}
			return fail(rerr)
		}
	}
	if rc != nil {
		rc.SetReadDeadline(time.Time{})
	}
	return buf, release, nil
}

// ---- framing ----

// sniffer reads each request head on a connection as Go's server reads
// it, and queues a verdict per head: does it carry conflicting framing
// (Content-Length with Transfer-Encoding, several Transfer-Encoding
// fields, Transfer-Encoding on HTTP/1.0, either folded over two lines)? Go's server accepts some of
// these by choosing one framing; a front proxy may have chosen the other.
// It follows Content-Length bodies to find the next head and stops at the
// first chunked request (Handler closes that connection) or anything it
// cannot follow; then it has no verdict and Handler lets Go's own checks
// stand.
type sniffer struct {
	mu  sync.Mutex
	off bool
	// lost: the check stopped on a connection Go goes on serving (more
	// requests pipelined than it queues verdicts for); every request
	// past the queued verdicts is refused, not let through unchecked.
	lost   bool
	max    int
	line   []byte
	head   int
	inHead bool
	skip   int64
	q      []verdict
	// tooLarge: a head grew past max (the connection is answered 431).
	tooLarge bool

	method, target string
	http10         bool
	nCL, nTE       int
	clVal          string
	clDiff, folded bool
	lastWasFraming bool
}

type verdict struct{ method, target, reason string }

// maxVerdicts bounds the verdicts queued on a connection: requests
// pipelined ahead of their answers.
const maxVerdicts = 64

// newSniffer checks heads of up to maxHeader bytes: a longer one is
// refused (feed reports it) before Go's server reads on, which would
// answer a bare 431 only past maxHeader+4096.
func newSniffer(maxHeader int) *sniffer { return &sniffer{max: maxHeader} }

// feed shows the sniffer bytes read from the connection; it reports
// whether they took a request head past the cap (once: the check stops).
func (s *sniffer) feed(p []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	was := s.tooLarge
	s.scan(p)
	return s.tooLarge && !was
}

func (s *sniffer) scan(p []byte) {
	for len(p) > 0 && !s.off {
		if s.skip > 0 {
			k := s.skip
			if int64(len(p)) < k {
				k = int64(len(p))
			}
			s.skip -= k
			p = p[k:]
			continue
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.add(p)
			return
		}
		s.add(p[:i+1]) // the newline counts towards the head's size
		p = p[i+1:]
		if s.off {
			return
		}
		s.endLine(bytes.TrimSuffix(bytes.TrimSuffix(s.line, []byte{'\n'}), []byte{'\r'}))
		s.line = s.line[:0]
	}
}

func (s *sniffer) add(b []byte) {
	s.head += len(b)
	if s.head > s.max {
		s.tooLarge = true
		s.stop()
		return
	}
	s.line = append(s.line, b...)
}

func (s *sniffer) stop() { s.off, s.line = true, nil }

// pause turns the check off: the lean loop parses every head itself and
// hands any ambiguous one over (with resniff) before Go's server reads it.
func (s *sniffer) pause() {
	s.mu.Lock()
	s.stop()
	s.mu.Unlock()
}

func (s *sniffer) endLine(line []byte) {
	if !s.inHead {
		if len(line) == 0 {
			// An empty line between requests: Go's server skips it
			// after a POST (RFC 9112 §2.2); elsewhere it refuses the
			// request line and closes. Turning the check off here let
			// the next request through unchecked.
			return
		}
		method, rest, ok1 := bytes.Cut(line, []byte{' '})
		target, proto, ok2 := bytes.Cut(rest, []byte{' '})
		if !ok1 || !ok2 {
			s.stop() // Go refuses it and closes
			return
		}
		s.inHead = true
		s.method, s.target, s.http10 = string(method), string(target), string(proto) == "HTTP/1.0"
		s.nCL, s.nTE, s.clVal, s.clDiff, s.folded, s.lastWasFraming = 0, 0, "", false, false, false
		return
	}
	if len(line) == 0 {
		v := verdict{method: s.method, target: s.target}
		switch {
		case s.nTE > 1:
			v.reason = "several Transfer-Encoding fields: the body's framing is ambiguous"
		case s.nTE > 0 && s.nCL > 0:
			v.reason = "both Content-Length and Transfer-Encoding: the body's framing is ambiguous"
		case s.nTE > 0 && s.http10:
			v.reason = "Transfer-Encoding on an HTTP/1.0 request: the body's framing is ambiguous"
		case s.folded:
			v.reason = "a Content-Length or Transfer-Encoding field folded over two lines: the body's framing is ambiguous"
		}
		if len(s.q) >= maxVerdicts {
			s.lost = true
			s.stop()
			return
		}
		s.q = append(s.q, v)
		s.inHead, s.head = false, 0
		if s.nTE > 0 || v.reason != "" {
			s.stop() // that connection closes after this request
			return
		}
		if s.nCL > 0 {
			n, err := strconv.ParseInt(s.clVal, 10, 64)
			if err != nil || n < 0 || s.clDiff {
				s.stop()
				return
			}
			s.skip = n
		}
		return
	}
	if line[0] == ' ' || line[0] == '\t' { // obs-fold: continues the previous field
		if s.lastWasFraming {
			s.folded = true
		}
		return
	}
	name, val, ok := bytes.Cut(line, []byte{':'})
	s.lastWasFraming = false
	if !ok {
		return
	}
	switch {
	case strings.EqualFold(string(name), "Content-Length"):
		v := strings.TrimSpace(string(val))
		if s.nCL > 0 && v != s.clVal {
			s.clDiff = true
		}
		s.nCL++
		s.clVal, s.lastWasFraming = v, true
	case strings.EqualFold(string(name), "Transfer-Encoding"):
		s.nTE++
		s.lastWasFraming = true
	}
}

// verdictFor returns the refusal reason of the request with this method
// and target ("" when none or unknown).
func (s *sniffer) verdictFor(method, target string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.q) > 0 {
		v := s.q[0]
		s.q = s.q[1:]
		if v.method == method && v.target == target {
			return v.reason
		}
	}
	if s.lost {
		return fmt.Sprintf("more than %d requests were sent ahead of their answers: send fewer at a time", maxVerdicts)
	}
	return ""
}
