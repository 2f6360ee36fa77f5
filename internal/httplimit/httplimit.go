// Package httplimit keeps an HTTP/1.1 server standing against hostile and
// broken clients: slow ones, too many ones, oversized bodies and requests
// framed to be read two ways. It is shared by `hookctl listen` and
// `hookctl serve`; it knows nothing about webhooks.
//
// A Limiter holds one Config and the counters the limits share:
//
//	lim := httplimit.New(httplimit.Config{MaxBody: 1 << 20})
//	srv := lim.Server(handler)          // timeouts, header cap, lim.Handler(handler)
//	go srv.Serve(lim.Listener(ln))      // connection caps, framing check
//
//	// in the handler, instead of io.ReadAll(r.Body):
//	body, release, err := lim.ReadBody(w, r)
//	defer release()
//	switch {
//	case httplimit.IsTooLarge(err): // 413, nothing more than MaxBody was read
//	case httplimit.IsBusy(err):     // 503 + Retry-After: the body budget is spent
//	case err != nil:                // 400: the client broke off or was too slow
//	}
//
// ReadBodyMax takes a route's own size limit; Refuse writes the JSON
// refusals (and Retry-After on 429/503); Stats reports what was turned
// away; SoftMemoryLimit (process-wide, once, from the serving command)
// makes the runtime collect a flood's garbage before RSS grows.
//
// What each piece does:
//
//   - Listener caps open connections (MaxConns) and connections per client
//     IP (MaxConnsPerIP). When every slot is taken, the connection idle
//     longest between keep-alive requests is closed to make room (its
//     client reconnects; Server tracks idleness). A connection still
//     beyond a cap is answered by a small bounded pool of rejecters — 503 (or 429 for the per-IP cap) with
//     Retry-After and Connection: close — without reaching the handler;
//     when that pool is busy too, the connection is simply closed. It also
//     reads each request's header block as it passes (see Handler).
//   - Server sets ReadHeaderTimeout (slow headers), IdleTimeout,
//     WriteTimeout (a client that never reads its answer), MaxHeaderBytes,
//     and turns Go's built-in "OPTIONS *" handler off so that every request
//     reaches Handler.
//   - Handler refuses, with 400 and Connection: close, a request that
//     carries both Content-Length and Transfer-Encoding, several
//     Transfer-Encoding fields, Transfer-Encoding on HTTP/1.0, or either
//     field folded over two lines (Go's
//     server would quietly pick one framing; a proxy in front may have
//     picked the other: request smuggling), and any request target that
//     is not a path (absolute-form, authority-form, "*"). A chunked request
//     is answered with Connection: close, so the framing check never has
//     to follow chunked bodies.
//     A body the handler leaves unread is bounded by BodyTimeout too.
//   - ReadBody reads a body under a per-body deadline (BodyTimeout) and a
//     budget of body bytes in flight shared by every request of the
//     Limiter (BodyBudget): memory is
//     reserved as bytes arrive, never from Content-Length up front, so
//     3,000 clients announcing 1 MiB each cost nothing until they send it,
//     and a body that cannot get budget within BudgetWait is refused busy.
//     A declared or actual size above MaxBody is refused before more than
//     MaxBody bytes are held.
//
// FastServer (fast.go) serves the same Handler with a lean loop for plain
// HTTP/1.1 requests and hands every other connection, at a request
// boundary, to the Server above: `hookctl listen` uses it on its hot path.
//
// Limits apply per Limiter; use one Limiter per listening server.
package httplimit

import (
	"errors"
	"net/http"
	"strconv"
	"time"
)

// Config are the limits. Zero fields take the defaults of WithDefaults.
type Config struct {
	// MaxConns bounds open connections (default 1024).
	MaxConns int
	// MaxConnsPerIP bounds open connections from one client IP (default
	// 256). Behind a tunnel every client has the tunnel's address: keep it
	// well above the sender's concurrency.
	MaxConnsPerIP int
	// ReadHeaderTimeout bounds reading a request's header block (default 5s).
	ReadHeaderTimeout time.Duration
	// BodyTimeout bounds reading a request's body, from the moment the
	// handler starts reading it (default 15s).
	BodyTimeout time.Duration
	// IdleTimeout closes keep-alive connections idle that long (default 60s).
	IdleTimeout time.Duration
	// WriteTimeout bounds writing an answer (0 = default 60s).
	WriteTimeout time.Duration
	// MaxHeaderBytes bounds a request's header block (default 64 KiB).
	MaxHeaderBytes int
	// MaxBody is the largest body ReadBody accepts (default 1 MiB).
	MaxBody int64
	// BodyBudget bounds body bytes held by all requests together (default
	// 16 MiB, and never less than 2×MaxBody).
	BodyBudget int64
	// BudgetWait is how long a body waits for budget before it is refused
	// busy (default 2s).
	BudgetWait time.Duration
	// RetryAfter is what busy answers tell the client (default 1s).
	RetryAfter time.Duration
	// Rejecters bounds goroutines answering over-cap connections (default 64).
	Rejecters int
	// Refuse, when set, writes Handler's refusals (a target that is not a
	// path, ambiguous framing: status 400) in the server's own error shape
	// instead of Refuse's {"error","reason"}; the connection is closed
	// after it either way.
	Refuse func(w http.ResponseWriter, r *http.Request, status int, reason string)
}

// WithDefaults fills the zero fields.
func (c Config) WithDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.MaxConns <= 0 {
		c.MaxConns = 1024
	}
	if c.MaxConnsPerIP <= 0 {
		c.MaxConnsPerIP = 256
	}
	def(&c.ReadHeaderTimeout, 5*time.Second)
	def(&c.BodyTimeout, 15*time.Second)
	def(&c.IdleTimeout, 60*time.Second)
	def(&c.WriteTimeout, 60*time.Second)
	def(&c.BudgetWait, 2*time.Second)
	def(&c.RetryAfter, time.Second)
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = 64 << 10
	}
	if c.MaxBody <= 0 {
		c.MaxBody = 1 << 20
	}
	if c.BodyBudget <= 0 {
		c.BodyBudget = 16 << 20
	}
	if c.BodyBudget < 2*c.MaxBody {
		c.BodyBudget = 2 * c.MaxBody
	}
	if c.Rejecters <= 0 {
		c.Rejecters = 64
	}
	return c
}

// Stats are the counters of a Limiter.
type Stats struct {
	OpenConns       int64 `json:"open_conns"`
	RejectedConns   int64 `json:"rejected_conns"`     // over MaxConns
	RejectedPerIP   int64 `json:"rejected_per_ip"`    // over MaxConnsPerIP
	ReapedIdle      int64 `json:"reaped_idle"`        // idle keep-alive connections closed to make room
	Busy            int64 `json:"busy"`               // bodies refused for budget
	BudgetInUse     int64 `json:"budget_in_use"`      // body bytes reserved now
	BadFraming      int64 `json:"bad_framing"`        // CL/TE conflicts refused
	BadTarget       int64 `json:"bad_target"`         // non-path request targets refused
	TooLarge        int64 `json:"too_large"`          // bodies over MaxBody
	HeaderTooLarge  int64 `json:"header_too_large"`   // heads over MaxHeaderBytes (431)
	PeakBudgetInUse int64 `json:"peak_budget_in_use"` // most body bytes reserved at once
}

// ErrBusy: the body budget stayed spent for BudgetWait.
var ErrBusy = errors.New("too many request bodies in flight")

// IsBusy reports whether err is ErrBusy (answer 503 + Retry-After).
func IsBusy(err error) bool { return errors.Is(err, ErrBusy) }

// IsTooLarge reports whether err says the body is over MaxBody (answer 413).
func IsTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// RetryAfterHeader is the Retry-After value of busy answers (whole seconds, ≥ 1).
func (c Config) RetryAfterHeader() string {
	s := int((c.RetryAfter + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return strconv.Itoa(s)
}
