package httplimit

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookctl/hookctl/internal/h1wire"
)

// FastServer serves HTTP/1.1 for a handler the way Server does, with a
// lean loop per connection for the requests a webhook sender makes — an
// HTTP/1.1 request with a path target, plain header lines and at most one
// Content-Length — and Go's own server (Limiter.Server) for everything
// else: chunked or 100-continue bodies, HTTP/1.0, upgrades, folded or
// malformed lines, oversized heads, HEAD. A connection is handed over at
// a request boundary, the head read so far replayed, and Go's server
// keeps it from then on, so every refusal and framing rule of Server
// applies to it unchanged.
//
// The lean loop exists for speed (listen's hot path): no goroutine, context
// or buffered writer per request beyond what the handler itself uses, the
// whole answer written in one system call. It keeps Server's limits:
// connection caps and idle reaping (it runs on Limiter.Listener), the idle,
// header and write timeouts, the header size cap, and the body deadline
// and budget (Handler and ReadBody work the same on both paths).
type FastServer struct {
	l       *Limiter
	h       http.Handler // l.Handler(handler)
	std     *http.Server
	handoff *chanListener

	// WriteTimeout bounds a request from its head to the end of its
	// answer (like http.Server's); the Limiter's when zero.
	WriteTimeout time.Duration

	mu       sync.Mutex
	conns    map[*fastConn]struct{}
	ln       net.Listener
	shutting atomic.Bool
	served   atomic.Int64 // requests served by the lean loop (tests)
}

// FastServer returns a FastServer for h with the Config's limits. Serve
// it on a plain listener (it adds Limiter.Listener itself).
func (l *Limiter) FastServer(h http.Handler) *FastServer {
	s := &FastServer{l: l, h: l.Handler(h), std: l.Server(h), conns: make(map[*fastConn]struct{})}
	return s
}

// Std is the http.Server that serves handed-over connections (its
// timeouts may be adjusted before Serve).
func (s *FastServer) Std() *http.Server { return s.std }

// Served counts the requests the lean loop answered.
func (s *FastServer) Served() int64 { return s.served.Load() }

// Serve accepts connections on ln until Shutdown or Close; it returns
// http.ErrServerClosed then.
func (s *FastServer) Serve(ln net.Listener) error {
	if s.WriteTimeout <= 0 {
		s.WriteTimeout = s.std.WriteTimeout
	}
	if s.WriteTimeout <= 0 {
		s.WriteTimeout = s.l.cfg.WriteTimeout
	}
	s.handoff = newChanListener(ln.Addr())
	go s.std.Serve(s.handoff)
	lln := s.l.Listener(ln)
	s.mu.Lock()
	s.ln = lln
	s.mu.Unlock()
	for {
		c, err := lln.Accept()
		if err != nil {
			if s.shutting.Load() {
				return http.ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			return err
		}
		fc := &fastConn{Conn: c, s: s}
		s.mu.Lock()
		if s.shutting.Load() {
			s.mu.Unlock()
			c.Close()
			return http.ErrServerClosed
		}
		s.conns[fc] = struct{}{}
		s.mu.Unlock()
		go fc.serve()
	}
}

// Shutdown stops accepting, closes idle connections, waits for requests
// in flight (until ctx ends) and shuts Go's server down for the handed-over
// connections.
func (s *FastServer) Shutdown(ctx context.Context) error {
	s.shutting.Store(true)
	s.mu.Lock()
	if s.ln != nil {
		s.ln.Close()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		for {
			s.closeIdle()
			s.mu.Lock()
			n := len(s.conns)
			s.mu.Unlock()
			if n == 0 {
				break
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if serr := s.std.Shutdown(ctx); err == nil {
		err = serr
	}
	return err
}

// Close closes the listener and every connection at once.
func (s *FastServer) Close() error {
	s.shutting.Store(true)
	s.mu.Lock()
	if s.ln != nil {
		s.ln.Close()
	}
	for c := range s.conns {
		c.Conn.Close()
	}
	s.mu.Unlock()
	return s.std.Close()
}

func (s *FastServer) closeIdle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.idle.Load() {
			c.Conn.Close()
		}
	}
}

func (s *FastServer) forget(c *fastConn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// chanListener hands connections to Go's server.
type chanListener struct {
	addr net.Addr
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func newChanListener(a net.Addr) *chanListener {
	return &chanListener{addr: a, ch: make(chan net.Conn), done: make(chan struct{})}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }

func (l *chanListener) give(c net.Conn) bool {
	select {
	case l.ch <- c:
		return true
	case <-l.done:
		return false
	}
}

// replayConn replays the bytes the lean loop had read, then reads on.
type replayConn struct {
	net.Conn
	pre []byte
}

func (c *replayConn) Read(p []byte) (int, error) {
	if len(c.pre) > 0 {
		n := copy(p, c.pre)
		c.pre = c.pre[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// NetConn lets the Limiter find its connection under the replay.
func (c *replayConn) NetConn() net.Conn { return c.Conn }

// ---- one connection ----

type fastConn struct {
	net.Conn
	s    *FastServer
	idle atomic.Bool
}

var readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4<<10) }}

func (c *fastConn) serve() {
	s := c.s
	handed := false
	defer func() {
		// A handler's panic ends its connection, not the process (as in
		// Go's server, which prints it the same way).
		if err := recover(); err != nil && err != http.ErrAbortHandler {
			buf := make([]byte, 64<<10)
			buf = buf[:runtime.Stack(buf, false)]
			fmt.Fprintf(os.Stderr, "http: panic serving %v: %v\n%s", c.Conn.RemoteAddr(), err, buf)
		}
		s.forget(c)
		if !handed {
			c.Conn.Close()
		}
	}()
	uc := unwrap(c.Conn)
	if uc != nil {
		uc.sn.pause() // the lean parser checks framing; no second parse per request
	}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), connKey{}, uc))
	defer cancel()
	ctx = context.WithValue(ctx, http.LocalAddrContextKey, c.Conn.LocalAddr())
	br := readerPool.Get().(*bufio.Reader)
	br.Reset(c.Conn)
	defer func() {
		if !handed {
			br.Reset(nil)
			readerPool.Put(br)
		}
	}()
	remote := c.Conn.RemoteAddr().String()
	cfg := s.l.cfg
	var p headParser
	w := &fastResponse{c: c}
	for first := true; ; first = false {
		// Waiting for a request, the connection is idle: Shutdown closes
		// it; between keep-alive requests the Limiter may close it to make
		// room too. A new connection has ReadHeaderTimeout for its first
		// head, as in Go's server.
		c.idle.Store(true)
		wait := cfg.ReadHeaderTimeout
		if !first {
			s.l.connState(c.Conn, http.StateIdle)
			wait = cfg.IdleTimeout
		}
		if s.shutting.Load() {
			return
		}
		c.Conn.SetReadDeadline(time.Now().Add(wait))
		if _, err := br.Peek(1); err != nil {
			return
		}
		c.idle.Store(false)
		if !first {
			s.l.connState(c.Conn, http.StateActive)
		}
		now := time.Now()
		c.Conn.SetReadDeadline(now.Add(cfg.ReadHeaderTimeout))
		ok, err := p.read(br, cfg.MaxHeaderBytes)
		if err != nil {
			return
		}
		if !ok && p.tooLarge && uc != nil {
			uc.l.refuseHead(uc.Conn)
			return
		}
		if !ok {
			// Go's server takes it from here, head and all.
			pre := make([]byte, 0, len(p.raw)+br.Buffered())
			pre = append(pre, p.raw...)
			b, _ := br.Peek(br.Buffered())
			pre = append(pre, b...)
			c.Conn.SetReadDeadline(time.Time{})
			if uc != nil && uc.resniff(pre) {
				// Go's server gets the framing check from here on; a head
				// already over the cap is answered here.
				uc.l.refuseHead(uc.Conn)
				return
			}
			s.l.connState(c.Conn, http.StateNew)
			if s.handoff.give(&replayConn{Conn: c.Conn, pre: pre}) {
				handed = true
			}
			return
		}
		c.Conn.SetWriteDeadline(now.Add(s.WriteTimeout))
		r, body := p.request(ctx, br, remote)
		w.reset(r)
		s.h.ServeHTTP(w, r)
		if body != nil && body.N > 0 {
			w.closeAfter = true // the handler left part of the body unread
		}
		if r.Close || s.shutting.Load() {
			w.closeAfter = true
		}
		s.served.Add(1)
		if err := w.finish(); err != nil {
			return
		}
		if w.closeAfter {
			return
		}
		c.Conn.SetReadDeadline(time.Time{})
	}
}

// ---- request head ----

// headParser reads one request head; it reuses its buffers between
// requests of a connection.
type headParser struct {
	raw    []byte // the head as read (replayed on hand-over)
	lines  []int  // end offsets of the header lines in raw
	method string
	target string
	url    *url.URL
	cl     int64
	close  bool
	// tooLarge: the head is over the cap (read reports it with ok false).
	tooLarge bool
}

// read reads a head. ok is false when the request is not one the lean
// loop serves (raw then holds what was read of it); err is a read error
// or timeout (the connection ends).
func (p *headParser) read(br *bufio.Reader, maxHeader int) (ok bool, err error) {
	p.raw = p.raw[:0]
	p.lines = p.lines[:0]
	p.cl, p.close, p.tooLarge = -1, false, false
	first := true
	simple := true
	nCL, nHost := 0, 0
	for {
		line, err := br.ReadSlice('\n')
		p.raw = append(p.raw, line...)
		if err == bufio.ErrBufferFull {
			return false, nil // a line longer than the buffer: Go's server decides
		}
		if err != nil {
			return false, err
		}
		if len(p.raw) > maxHeader {
			p.tooLarge = true // answered 431 with the reason (refuseHead)
			return false, nil
		}
		if len(line) < 2 || line[len(line)-2] != '\r' {
			return false, nil // bare LF
		}
		l := line[:len(line)-2]
		if first {
			first = false
			if !p.requestLine(l) {
				simple = false
			}
			p.lines = append(p.lines, len(p.raw))
			continue
		}
		if len(l) == 0 {
			break
		}
		p.lines = append(p.lines, len(p.raw))
		if !simple {
			continue // read on to the end of the head, then hand over
		}
		name, value, valid := h1wire.SplitField(l)
		if !valid {
			simple = false
			continue
		}
		switch {
		case asciiEqualFold(name, "Content-Length"):
			nCL++
			n, ok := parseLength(value)
			if !ok || nCL > 1 {
				simple = false
			}
			p.cl = n
		case asciiEqualFold(name, "Transfer-Encoding"), asciiEqualFold(name, "Expect"), asciiEqualFold(name, "Upgrade"):
			simple = false
		case asciiEqualFold(name, "Host"):
			nHost++
			if nHost > 1 || !validHost(value) {
				simple = false
			}
		case asciiEqualFold(name, "Connection"):
			for _, tok := range bytes.Split(value, []byte{','}) {
				tok = bytes.TrimSpace(tok)
				switch {
				case asciiEqualFold(tok, "close"):
					p.close = true
				case asciiEqualFold(tok, "upgrade"):
					simple = false
				}
			}
		}
	}
	if !simple || nHost != 1 || p.method == "HEAD" || p.method == "CONNECT" {
		return false, nil
	}
	return true, nil
}

// requestLine takes "METHOD /target HTTP/1.1".
func (p *headParser) requestLine(l []byte) bool {
	sp := bytes.IndexByte(l, ' ')
	if sp <= 0 {
		return false
	}
	m := l[:sp]
	for _, b := range m {
		if b < 'A' || b > 'Z' {
			return false
		}
	}
	rest := l[sp+1:]
	sp = bytes.IndexByte(rest, ' ')
	if sp <= 0 || string(rest[sp+1:]) != "HTTP/1.1" {
		return false
	}
	t := rest[:sp]
	if t[0] != '/' {
		return false
	}
	for _, b := range t {
		if b <= ' ' || b >= 0x7f {
			return false
		}
	}
	p.method = internMethod(m)
	p.target = string(t)
	u, err := url.ParseRequestURI(p.target)
	if err != nil {
		return false // Go's server answers 400
	}
	p.url = u
	return true
}

func internMethod(m []byte) string {
	switch string(m) {
	case "POST":
		return "POST"
	case "GET":
		return "GET"
	case "PUT":
		return "PUT"
	case "PATCH":
		return "PATCH"
	case "DELETE":
		return "DELETE"
	case "HEAD":
		return "HEAD"
	case "OPTIONS":
		return "OPTIONS"
	}
	return string(m)
}

func validHost(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	for _, b := range v {
		switch {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		case bytes.IndexByte([]byte("-._~:[]%!$&'()*+,;="), b) >= 0:
		default:
			return false
		}
	}
	return true
}

func parseLength(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, b := range v {
		if b < '0' || b > '9' {
			return 0, false
		}
		n = n*10 + int64(b-'0')
	}
	return n, true
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		x, y := b[i], s[i]
		if x == y {
			continue
		}
		if x|0x20 != y|0x20 || (x|0x20) < 'a' || (x|0x20) > 'z' {
			return false
		}
	}
	return true
}

// request builds the *http.Request of a head read by read.
func (p *headParser) request(ctx context.Context, br *bufio.Reader, remote string) (*http.Request, *h1wire.Body) {
	// One string for the whole head: header values are slices of it.
	head := string(p.raw)
	h := make(http.Header, len(p.lines))
	vals := make([]string, 0, len(p.lines))
	start := p.lines[0]
	for _, end := range p.lines[1:] {
		l := head[start : end-2]
		start = end
		i := indexByte(l, ':')
		name, value := l[:i], trimBlank(l[i+1:])
		key := h1wire.KeyString(name)
		vals = append(vals, value)
		v := vals[len(vals)-1 : len(vals) : len(vals)]
		if prev, ok := h[key]; ok {
			h[key] = append(prev, value)
		} else {
			h[key] = v
		}
	}
	r := &http.Request{
		Method: p.method, URL: p.url, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, RemoteAddr: remote, RequestURI: p.target, Close: p.close,
	}
	if v := h["Host"]; len(v) == 1 {
		r.Host = v[0]
	}
	delete(h, "Host") // as Go's server does: the host is r.Host
	var body *h1wire.Body
	if p.cl > 0 {
		body = &h1wire.Body{R: br, N: p.cl}
		r.Body, r.ContentLength = body, p.cl
	} else {
		r.Body = http.NoBody
		r.ContentLength = 0
	}
	return r.WithContext(ctx), body
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func trimBlank(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// ---- answer ----

// fastResponse is the lean loop's http.ResponseWriter: the answer is
// gathered and written with one system call; past maxGathered it streams
// (with its Content-Length when the handler set one, chunked otherwise).
type fastResponse struct {
	c           *fastConn
	req         *http.Request
	header      http.Header
	status      int
	buf         []byte // head space + body
	streaming   bool
	chunked     bool
	declared    int64 // Content-Length the handler set, -1 none
	written     int64
	closeAfter  bool
	err         error
	wroteHeader bool
	keys        []string
	out         []byte // the answer's bytes, reused
}

const maxGathered = 64 << 10

func (w *fastResponse) reset(r *http.Request) {
	w.req = r
	w.header = make(http.Header, 6)
	w.status = 0
	w.buf = w.buf[:0]
	if cap(w.buf) > 2*maxGathered {
		w.buf = nil
	}
	w.streaming, w.chunked, w.closeAfter, w.wroteHeader = false, false, false, false
	w.declared, w.written, w.err = -1, 0, nil
}

func (w *fastResponse) Header() http.Header { return w.header }

func (w *fastResponse) WriteHeader(code int) {
	if w.wroteHeader || code < 200 {
		return // informational answers are not relayed
	}
	w.wroteHeader = true
	w.status = code
}

func (w *fastResponse) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	if w.err != nil {
		return 0, w.err
	}
	if !w.streaming && len(w.buf)+len(b) <= maxGathered {
		w.buf = append(w.buf, b...)
		w.written += int64(len(b))
		return len(b), nil
	}
	if !w.streaming {
		if err := w.startStream(); err != nil {
			return 0, err
		}
	}
	if w.declared >= 0 && w.written+int64(len(b)) > w.declared {
		return 0, http.ErrContentLength
	}
	var err error
	if w.chunked {
		hdr := strconv.AppendInt(w.buf[:0], int64(len(b)), 16)
		hdr = append(hdr, '\r', '\n')
		hdr = append(hdr, b...)
		hdr = append(hdr, '\r', '\n')
		w.buf = hdr[:0]
		_, err = w.c.Conn.Write(hdr)
	} else {
		_, err = w.c.Conn.Write(b)
	}
	if err != nil {
		w.err = err
		return 0, err
	}
	w.written += int64(len(b))
	return len(b), nil
}

// startStream writes the head and what was gathered.
func (w *fastResponse) startStream() error {
	w.streaming = true
	if v := w.header.Get("Content-Length"); v != "" {
		if n, ok := parseLength([]byte(v)); ok {
			w.declared = n
		}
	}
	if w.declared < 0 {
		w.chunked = true
	}
	body := w.buf
	out := w.appendHead(make([]byte, 0, 512+len(body)), -1)
	if w.chunked && len(body) > 0 {
		out = strconv.AppendInt(out, int64(len(body)), 16)
		out = append(out, '\r', '\n')
		out = append(out, body...)
		out = append(out, '\r', '\n')
	} else {
		out = append(out, body...)
	}
	w.buf = w.buf[:0]
	if _, err := w.c.Conn.Write(out); err != nil {
		w.err = err
		return err
	}
	return nil
}

func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// appendHead writes the status line and headers; length ≥ 0 is the body's
// Content-Length (in place of the handler's).
func (w *fastResponse) appendHead(out []byte, length int64) []byte {
	h := w.header
	if v := h["Connection"]; len(v) > 0 {
		for _, c := range v {
			if asciiEqualFold([]byte(c), "close") {
				w.closeAfter = true
			}
		}
	}
	out = append(out, "HTTP/1.1 "...)
	out = strconv.AppendInt(out, int64(w.status), 10)
	out = append(out, ' ')
	out = append(out, http.StatusText(w.status)...)
	out = append(out, "\r\n"...)
	keys := w.keys[:0]
	for k := range h {
		switch k {
		case "Connection", "Transfer-Encoding", "Date":
			continue
		case "Content-Length":
			if length >= 0 || w.chunked || !bodyAllowed(w.status) {
				continue
			}
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	w.keys = keys[:0]
	for _, k := range keys {
		for _, v := range h[k] {
			out = append(out, k...)
			out = append(out, ": "...)
			out = appendSafe(out, v)
			out = append(out, "\r\n"...)
		}
	}
	if d, ok := h["Date"]; !ok {
		out = append(out, "Date: "...)
		out = appendDate(out)
		out = append(out, "\r\n"...)
	} else if len(d) > 0 { // a nil value suppresses it, as in Go's server
		out = append(out, "Date: "...)
		out = appendSafe(out, d[0])
		out = append(out, "\r\n"...)
	}
	if length >= 0 && bodyAllowed(w.status) {
		out = append(out, "Content-Length: "...)
		out = strconv.AppendInt(out, length, 10)
		out = append(out, "\r\n"...)
	}
	if w.chunked {
		out = append(out, "Transfer-Encoding: chunked\r\n"...)
	}
	if w.closeAfter {
		out = append(out, "Connection: close\r\n"...)
	}
	return append(out, "\r\n"...)
}

// appendSafe drops CR and LF from a header value (as Go's server does).
func appendSafe(out []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '\r' || c == '\n' {
			out = append(out, ' ')
		} else {
			out = append(out, c)
		}
	}
	return out
}

var dateCache struct {
	sync.Mutex
	sec int64
	b   []byte
}

func appendDate(out []byte) []byte {
	now := time.Now()
	dateCache.Lock()
	if s := now.Unix(); s != dateCache.sec || dateCache.b == nil {
		dateCache.sec = s
		dateCache.b = now.UTC().AppendFormat(dateCache.b[:0], http.TimeFormat)
	}
	out = append(out, dateCache.b...)
	dateCache.Unlock()
	return out
}

// finish writes what is left of the answer.
func (w *fastResponse) finish() error {
	if w.err != nil {
		return w.err
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.streaming {
		if w.chunked {
			if _, err := w.c.Conn.Write([]byte("0\r\n\r\n")); err != nil {
				return err
			}
		} else if w.written != w.declared {
			w.closeAfter = true // the client cannot find the next answer
			return errShortAnswer
		}
		return nil
	}
	body := w.buf
	if _, has := w.header["Content-Type"]; !has && len(body) > 0 && bodyAllowed(w.status) && w.header.Get("Content-Encoding") == "" {
		w.header.Set("Content-Type", http.DetectContentType(body))
	}
	length := int64(len(body))
	if !bodyAllowed(w.status) {
		length = -1
		body = nil
	}
	out := w.appendHead(w.out[:0], length)
	out = append(out, body...)
	if cap(out) <= 2*maxGathered {
		w.out = out
	}
	_, err := w.c.Conn.Write(out)
	return err
}

var errShortAnswer = errors.New("the answer was shorter than its Content-Length")

// SetReadDeadline lets http.ResponseController (ReadBody) bound the body.
func (w *fastResponse) SetReadDeadline(t time.Time) error { return w.c.Conn.SetReadDeadline(t) }

// SetWriteDeadline lets http.ResponseController move the write deadline.
func (w *fastResponse) SetWriteDeadline(t time.Time) error { return w.c.Conn.SetWriteDeadline(t) }

// PeerClosed reports whether the client has closed (or reset) its
// connection, so an answer written now would not reach it: Go's server
// says so by cancelling the request's context, which the lean loop does
// not watch. False when it cannot tell.
func (w *fastResponse) PeerClosed() bool {
	nc := w.c.Conn
	if uc := unwrap(nc); uc != nil {
		nc = uc.Conn
	}
	return peerClosed(nc)
}

// FlushError writes what was gathered so far (the answer streams from then on).
func (w *fastResponse) FlushError() error {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.err != nil {
		return w.err
	}
	if !w.streaming {
		return w.startStream()
	}
	return nil
}

// Flush is FlushError without the error.
func (w *fastResponse) Flush() { w.FlushError() }
