package httplimit

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Limiter enforces one Config. It is safe for concurrent use.
type Limiter struct {
	cfg Config

	mu    sync.Mutex
	open  int
	perIP map[string]int
	idle  map[*conn]time.Time // keep-alive connections waiting for a request

	rejecters chan struct{}

	budgetMu      sync.Mutex
	budgetUsed    int64
	budgetWaiters int
	budgetFree    chan struct{} // closed (and replaced) when budget is released to waiters

	rejectedConns, rejectedPerIP, reaped, busy, badFraming, badTarget, tooLarge, headTooLarge, peakBudget atomic.Int64
}

// New builds a Limiter (zero Config fields take their defaults).
func New(cfg Config) *Limiter {
	cfg = cfg.WithDefaults()
	return &Limiter{
		cfg:        cfg,
		perIP:      make(map[string]int),
		idle:       make(map[*conn]time.Time),
		rejecters:  make(chan struct{}, cfg.Rejecters),
		budgetFree: make(chan struct{}),
	}
}

// Config returns the limits in force (defaults filled).
func (l *Limiter) Config() Config { return l.cfg }

// Stats returns the counters so far.
func (l *Limiter) Stats() Stats {
	l.mu.Lock()
	open := l.open
	l.mu.Unlock()
	l.budgetMu.Lock()
	used := l.budgetUsed
	l.budgetMu.Unlock()
	return Stats{
		OpenConns: int64(open), RejectedConns: l.rejectedConns.Load(), RejectedPerIP: l.rejectedPerIP.Load(), ReapedIdle: l.reaped.Load(),
		Busy: l.busy.Load(), BudgetInUse: used, BadFraming: l.badFraming.Load(), BadTarget: l.badTarget.Load(),
		TooLarge: l.tooLarge.Load(), HeaderTooLarge: l.headTooLarge.Load(), PeakBudgetInUse: l.peakBudget.Load(),
	}
}

// Server returns an http.Server for h with the Config's timeouts and
// header cap, serving through Handler. Serve it on l.Listener(ln).
func (l *Limiter) Server(h http.Handler) *http.Server {
	return &http.Server{
		Handler:                      l.Handler(h),
		ReadHeaderTimeout:            l.cfg.ReadHeaderTimeout,
		IdleTimeout:                  l.cfg.IdleTimeout,
		WriteTimeout:                 l.cfg.WriteTimeout,
		MaxHeaderBytes:               l.cfg.MaxHeaderBytes,
		DisableGeneralOptionsHandler: true,
		ConnContext:                  connContext,
		ConnState:                    l.connState,
	}
}

// connState tracks idle keep-alive connections, the ones Accept may
// close to make room when every slot is taken.
func (l *Limiter) connState(nc net.Conn, st http.ConnState) {
	c := unwrap(nc)
	if c == nil {
		return
	}
	l.mu.Lock()
	if st == http.StateIdle {
		l.idle[c] = time.Now()
	} else {
		delete(l.idle, c)
	}
	l.mu.Unlock()
}

// reapIdle closes the connection idle the longest, if any, of the
// client at ip ("" any client).
func (l *Limiter) reapIdle(ip string) bool {
	l.mu.Lock()
	var oldest *conn
	var since time.Time
	for c, t := range l.idle {
		if ip != "" && c.ip != ip {
			continue
		}
		if oldest == nil || t.Before(since) {
			oldest, since = c, t
		}
	}
	if oldest != nil {
		delete(l.idle, oldest)
	}
	l.mu.Unlock()
	if oldest == nil {
		return false
	}
	l.reaped.Add(1)
	oldest.Close()
	return true
}

func unwrap(nc net.Conn) *conn {
	for {
		if c, ok := nc.(*conn); ok {
			return c
		}
		u, ok := nc.(interface{ NetConn() net.Conn }) // *tls.Conn
		if !ok {
			return nil
		}
		nc = u.NetConn()
	}
}

// Listener wraps ln with the connection caps and the framing check.
func (l *Limiter) Listener(ln net.Listener) net.Listener { return &listener{Listener: ln, l: l} }

type listener struct {
	net.Listener
	l *Limiter
}

func (ln *listener) Accept() (net.Conn, error) {
	for {
		c, err := ln.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := clientIP(c.RemoteAddr())
		a := ln.l.admit(ip)
		// An idle keep-alive connection makes room: any client's when
		// every slot is taken, the client's own when its slots are (on
		// loopback every local client — SDKs, browser, health probes —
		// is one address, and a pool of idle connections left by one
		// of them locked all the others out with 429).
		if a == overAll && ln.l.reapIdle("") || a == overIP && ln.l.reapIdle(ip) {
			a = ln.l.admit(ip)
		}
		switch a {
		case admitted:
			return &conn{Conn: c, l: ln.l, ip: ip, sn: newSniffer(ln.l.cfg.MaxHeaderBytes)}, nil
		case overIP:
			ln.l.rejectedPerIP.Add(1)
			ln.l.reject(c, http.StatusTooManyRequests, "too many connections from your address")
		default:
			ln.l.rejectedConns.Add(1)
			ln.l.reject(c, http.StatusServiceUnavailable, "too many connections")
		}
	}
}

func clientIP(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

type admission int

const (
	admitted admission = iota
	overIP
	overAll
)

func (l *Limiter) admit(ip string) admission {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open >= l.cfg.MaxConns {
		return overAll
	}
	if l.perIP[ip] >= l.cfg.MaxConnsPerIP {
		return overIP
	}
	l.open++
	l.perIP[ip]++
	return admitted
}

func (l *Limiter) leave(ip string) {
	l.mu.Lock()
	l.open--
	if n := l.perIP[ip] - 1; n > 0 {
		l.perIP[ip] = n
	} else {
		delete(l.perIP, ip)
	}
	l.mu.Unlock()
}

// reject answers an over-cap connection off the accept loop, or just
// closes it when every rejecter is busy.
func (l *Limiter) reject(c net.Conn, status int, reason string) {
	select {
	case l.rejecters <- struct{}{}:
	default:
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		c.Close()
		return
	}
	go func() {
		defer func() { <-l.rejecters }()
		defer c.Close()
		deadline := time.Now().Add(time.Second)
		c.SetDeadline(deadline)
		// Read the request head first: a client whose request was never
		// read may see a reset instead of the answer.
		buf := make([]byte, 4096)
		var seen []byte
		for len(seen) < 16<<10 {
			n, err := c.Read(buf)
			seen = append(seen, buf[:n]...)
			if bytes.Contains(seen, []byte("\r\n\r\n")) || bytes.Contains(seen, []byte("\n\n")) || err != nil {
				break
			}
		}
		body := `{"error":` + strconv.Quote(http.StatusText(status)) + `,"reason":` + strconv.Quote(reason+"; retry later") + "}\n"
		io.WriteString(c, "HTTP/1.1 "+strconv.Itoa(status)+" "+http.StatusText(status)+"\r\n"+
			"Content-Type: application/json\r\nRetry-After: "+l.cfg.RetryAfterHeader()+"\r\n"+
			"Connection: close\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
		// Drain what the client still sends (its body) until it closes or
		// the second is up, so the answer is not lost to a reset.
		for total := 0; total < 4<<20; {
			n, err := c.Read(buf)
			total += n
			if err != nil {
				break
			}
		}
	}()
}

// conn is an admitted connection: it gives its slot back on Close and
// shows the bytes it reads to the framing sniffer.
type conn struct {
	net.Conn
	l    *Limiter
	ip   string
	once sync.Once
	sn   *sniffer
}

func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && c.sn.feed(p[:n]) {
		// A head over MaxHeaderBytes: answered here, with the reason,
		// and the read fails as a closed connection does, so Go's server
		// hangs up without an answer of its own.
		c.l.refuseHead(c.Conn)
		return 0, &net.OpError{Op: "read", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: errHeadTooLarge}
	}
	return n, err
}

// resniff starts the framing check over at a request boundary, from the
// bytes already read past it (the lean loop hands the connection over);
// it reports whether they are a head over MaxHeaderBytes already.
func (c *conn) resniff(pre []byte) bool {
	sn := newSniffer(c.l.cfg.MaxHeaderBytes)
	tooLarge := sn.feed(pre)
	c.sn = sn
	return tooLarge
}

var errHeadTooLarge = errors.New("request head too large")

// refuseHead answers a request whose line and headers are over
// MaxHeaderBytes with 431 and the reason, as every other refusal says
// why (Go's server answered a bare "431 Request Header Fields Too
// Large"), then lets the client finish sending for up to a second so the
// answer is not lost to a reset. The connection is not used after it.
func (l *Limiter) refuseHead(c net.Conn) {
	l.headTooLarge.Add(1)
	reason := "the request line and headers are larger than " + sizeText(l.cfg.MaxHeaderBytes) + ", the most this server reads: send smaller headers"
	body := `{"error":"request header fields too large","reason":` + strconv.Quote(reason) + "}\n"
	c.SetDeadline(time.Now().Add(time.Second))
	io.WriteString(c, "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: application/json\r\n"+
		"Connection: close\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	buf := make([]byte, 4096)
	for total := 0; total < 4<<20; {
		n, err := c.Read(buf)
		total += n
		if err != nil {
			break
		}
	}
}

// sizeText is n bytes as people write it: 64 KiB, 1 MiB, 1000 bytes.
func sizeText(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.Itoa(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.Itoa(n>>10) + " KiB"
	}
	return strconv.Itoa(n) + " bytes"
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.leave(c.ip) })
	return err
}

// ---- body budget ----

// acquire reserves n bytes of body budget, waiting up to BudgetWait.
func (l *Limiter) acquire(done <-chan struct{}, n int64, timer **time.Timer) bool {
	for {
		l.budgetMu.Lock()
		if l.budgetUsed+n <= l.cfg.BodyBudget {
			l.budgetUsed += n
			used := l.budgetUsed
			l.budgetMu.Unlock()
			for {
				p := l.peakBudget.Load()
				if used <= p || l.peakBudget.CompareAndSwap(p, used) {
					break
				}
			}
			return true
		}
		ch := l.budgetFree
		l.budgetWaiters++
		l.budgetMu.Unlock()
		if *timer == nil {
			*timer = time.NewTimer(l.cfg.BudgetWait)
		}
		ok := true
		select {
		case <-ch:
		case <-(*timer).C:
			ok = false
		case <-done:
			ok = false
		}
		l.budgetMu.Lock()
		l.budgetWaiters--
		l.budgetMu.Unlock()
		if !ok {
			return false
		}
	}
}

func (l *Limiter) releaseBudget(n int64) {
	if n <= 0 {
		return
	}
	l.budgetMu.Lock()
	l.budgetUsed -= n
	if l.budgetWaiters > 0 {
		close(l.budgetFree)
		l.budgetFree = make(chan struct{})
	}
	l.budgetMu.Unlock()
}

// errBodyTimeout: the body did not arrive within BodyTimeout.
var errBodyTimeout = errors.New("the body did not arrive in time")
