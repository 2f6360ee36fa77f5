package httplimit

import (
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// Buffer reads r's body under the Limiter's budget (ReadBodyMax with
// max) before a handler that reads bodies its own way (io.ReadAll,
// ParseForm, a JSON decoder) runs, so that handler stays inside the
// limits: `hookctl serve` and the inspector put every request through it.
//
// On success r.Body yields the bytes read (Buffered returns them without
// a copy). A body over max is not answered here: r.Body's Read returns
// *http.MaxBytesError, so the handler refuses it in its own API's words,
// as it did with http.MaxBytesReader (what is left of it, up to 4×max, is
// read and discarded so the client gets to read that answer). The caller
// answers the two other failures, in its API's shape: ErrBusy (IsBusy:
// the budget is spent and nothing of the body is held; 503 with
// Retry-After, RetryAfterHeader) and a body that did not arrive whole
// (IsTimeout: not within BodyTimeout, 408; else cut short or malformed,
// 400).
//
// Requests whose handlers never read a body (GET, HEAD, OPTIONS,
// DELETE) get the too-large error from Buffer too, for the caller to
// answer 413: the handler would act on the request as if the body were
// not there. A body on GET, HEAD or OPTIONS means nothing: it is read and
// dropped under the same limits, holding no budget (an event stream, a
// GET that lasts as long as its tab, kept its body's share for as long).
//
// A body declared over max on a request that expects "100 Continue" is
// not drained: the client has not sent it, and Go's server closes the
// connection instead of asking for it.
//
// release gives the budget back; call it once the handler has returned.
// A request without a body costs nothing.
func (l *Limiter) Buffer(w http.ResponseWriter, r *http.Request, max int64) (release func(), err error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return func() {}, nil
	}
	if ignoresBody(r.Method) {
		return func() {}, l.discard(w, r, max)
	}
	body, release, err := l.ReadBodyMax(w, r, max)
	switch {
	case err == nil:
		r.Body = &bufferedBody{b: body}
	case IsTooLarge(err):
		l.drainRefused(w, r, max)
		r.Body = errBody{err}
		if r.Method != http.MethodDelete {
			return release, nil // the handler answers it
		}
	}
	return release, err
}

// ignoresBody: the methods whose body has no meaning.
func ignoresBody(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// drainRefused drains what is left of a body over max (Drain), unless
// the client waits for "100 Continue" before sending it: then it has sent
// nothing, and reading would ask it for the body.
func (l *Limiter) drainRefused(w http.ResponseWriter, r *http.Request, max int64) {
	if !strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		l.Drain(w, r, 4*max)
	}
}

// discard reads r's body and drops it, up to max bytes within
// BodyTimeout, holding none of it; r.Body is empty after.
func (l *Limiter) discard(w http.ResponseWriter, r *http.Request, max int64) error {
	defer func() { r.Body = http.NoBody }()
	fail := func(err error) error {
		w.Header().Set("Connection", "close")
		return err
	}
	if r.ContentLength > max {
		l.tooLarge.Add(1)
		l.drainRefused(w, r, max)
		return fail(&http.MaxBytesError{Limit: max})
	}
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(l.cfg.BodyTimeout))
	n, err := io.CopyN(io.Discard, r.Body, max+1)
	switch {
	case n > max:
		l.tooLarge.Add(1)
		return fail(&http.MaxBytesError{Limit: max})
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fail(errBodyTimeout)
	case err != nil && err != io.EOF:
		return fail(err)
	}
	rc.SetReadDeadline(time.Time{})
	return nil
}

// IsTimeout reports whether a body read failed because the body did not
// arrive within BodyTimeout.
func IsTimeout(err error) bool { return errors.Is(err, errBodyTimeout) }

// Drain discards what is left of a body refused as too large, up to
// limit bytes and for at most drainWait, holding none of it: a client
// still writing its body then reads the 413 instead of a connection reset
// (closing a socket with unread bytes sends one, and the client's write
// fails before it reads the answer). Larger bodies, and clients that do
// not send what they declared, are cut off.
func (l *Limiter) Drain(w http.ResponseWriter, r *http.Request, limit int64) {
	if r.ContentLength > limit {
		return
	}
	if w != nil {
		http.NewResponseController(w).SetReadDeadline(time.Now().Add(min(drainWait, l.cfg.BodyTimeout)))
	}
	io.CopyN(io.Discard, r.Body, limit)
}

// drainWait bounds Drain: a body a few MiB long arrives well within it on
// any link a local tool serves.
const drainWait = time.Second

// Buffered returns the body Buffer read for r, if it did.
func Buffered(r *http.Request) ([]byte, bool) {
	if b, ok := r.Body.(*bufferedBody); ok && b.off == 0 {
		return b.b, true
	}
	return nil, false
}

type bufferedBody struct {
	b   []byte
	off int
}

func (b *bufferedBody) Read(p []byte) (int, error) {
	if b.off >= len(b.b) {
		return 0, io.EOF
	}
	n := copy(p, b.b[b.off:])
	b.off += n
	return n, nil
}

func (b *bufferedBody) Close() error { return nil }

// errBody is a body that could not be read: its Read says why.
type errBody struct{ err error }

func (e errBody) Read([]byte) (int, error) { return 0, e.err }
func (e errBody) Close() error             { return nil }
