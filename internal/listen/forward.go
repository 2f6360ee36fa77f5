package listen

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// rawForward sends forwards to a plain http:// target over kept-alive
// connections, writing the request's bytes itself: listen already holds
// the method, the request-target, the headers and the body, so building an
// *http.Request for net/http to serialise again (URL parse, context,
// writer) was pure overhead on the hot path. The answer is read with
// net/http's own http.ReadResponse. One target per listener, so one pool.
type rawForward struct {
	addr    string // host:port dialled
	host    string // Host header
	connect time.Duration

	mu   sync.Mutex
	idle []*fwdConn
}

type fwdConn struct {
	c    net.Conn
	br   *bufio.Reader
	read int64 // bytes read since the request was written
	wbuf []byte
}

func (fc *fwdConn) Read(p []byte) (int, error) {
	n, err := fc.c.Read(p)
	fc.read += int64(n)
	return n, err
}

const maxIdleForward = 256

func newRawForward(addr, host string) *rawForward {
	return &rawForward{addr: addr, host: host, connect: 5 * time.Second}
}

func (f *rawForward) get() (*fwdConn, bool, error) {
	f.mu.Lock()
	if n := len(f.idle); n > 0 {
		fc := f.idle[n-1]
		f.idle[n-1] = nil
		f.idle = f.idle[:n-1]
		f.mu.Unlock()
		return fc, true, nil
	}
	f.mu.Unlock()
	c, err := net.DialTimeout("tcp", f.addr, f.connect)
	if err != nil {
		return nil, false, err
	}
	fc := &fwdConn{c: c}
	fc.br = bufio.NewReaderSize(fc, 4096)
	return fc, false, nil
}

func (f *rawForward) put(fc *fwdConn, reusable bool) {
	if reusable && fc.br.Buffered() == 0 {
		fc.c.SetDeadline(time.Time{})
		f.mu.Lock()
		if len(f.idle) < maxIdleForward {
			f.idle = append(f.idle, fc)
			f.mu.Unlock()
			return
		}
		f.mu.Unlock()
	}
	fc.c.Close()
}

// roundTrip sends one request (uri is the request-target, h the headers
// to send besides Host and Content-Length) and reads the answer's head
// before deadline; the body must be read to its end or closed.
func (f *rawForward) roundTrip(method, uri string, h http.Header, body []byte, deadline time.Time) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		fc, reused, err := f.get()
		if err != nil {
			return nil, err
		}
		resp, err := f.exchange(fc, method, uri, h, body, deadline)
		if err == nil {
			return resp, nil
		}
		fc.c.Close()
		// A kept-alive connection the app closed before reading the
		// request: once more on a fresh one — never when any of an answer
		// arrived (the app may have acted on it).
		if !reused || attempt > 0 || fc.read > 0 || isTimeout(err) {
			return nil, err
		}
	}
}

func (f *rawForward) exchange(fc *fwdConn, method, uri string, h http.Header, body []byte, deadline time.Time) (*http.Response, error) {
	fc.c.SetDeadline(deadline)
	fc.read = 0
	b := fc.wbuf[:0]
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, uri...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = appendClean(b, f.host)
	b = append(b, "\r\n"...)
	b = appendHeaders(b, h)
	if len(body) > 0 || (method != http.MethodGet && method != http.MethodHead) {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	var err error
	if len(body) <= 16<<10 {
		b = append(b, body...)
		_, err = fc.c.Write(b)
	} else {
		bufs := net.Buffers{b, body}
		_, err = bufs.WriteTo(fc.c)
	}
	if cap(b) <= 64<<10 {
		fc.wbuf = b[:0]
	}
	req := &http.Request{Method: method}
	if err != nil {
		// The app may have answered before reading the whole body (413,
		// 401 on the headers) and closed: its answer says more than
		// "broken pipe".
		fc.c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		if resp, rerr := http.ReadResponse(fc.br, req); rerr == nil && resp.StatusCode >= 200 {
			resp.Close = true
			resp.Body = &fwdBody{rc: resp.Body, f: f, fc: fc}
			return resp, nil
		}
		return nil, err
	}
	var resp *http.Response
	for {
		resp, err = http.ReadResponse(fc.br, req)
		if err == nil && resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols {
			continue // 103 Early Hints before the answer
		}
		break
	}
	if err != nil {
		return nil, err
	}
	fb := &fwdBody{rc: resp.Body, f: f, fc: fc, reusable: !resp.Close}
	if resp.Body == http.NoBody {
		fb.finish(true)
		return resp, nil
	}
	resp.Body = fb
	return resp, nil
}

// appendHeaders writes h sorted by name (as net/http does), without the
// fields the request line and framing own.
func appendHeaders(b []byte, h http.Header) []byte {
	var arr [24]string
	keys := arr[:0]
	for k := range h {
		switch k {
		case "Host", "Content-Length", "Transfer-Encoding", "Trailer":
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			b = append(b, k...)
			b = append(b, ": "...)
			b = appendClean(b, v)
			b = append(b, "\r\n"...)
		}
	}
	return b
}

// appendClean appends v with CR and LF turned to spaces (as net/http
// does), so no value can start another header line.
func appendClean(b []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '\r' || c == '\n' {
			b = append(b, ' ')
		} else {
			b = append(b, c)
		}
	}
	return b
}

// fwdBody gives the connection back once the answer is read to its end.
type fwdBody struct {
	rc       io.ReadCloser
	f        *rawForward
	fc       *fwdConn
	reusable bool
	done     bool
}

func (b *fwdBody) Read(p []byte) (int, error) {
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

// Close drains a little so the connection can be reused.
func (b *fwdBody) Close() error {
	if b.done {
		return nil
	}
	_, err := io.CopyN(io.Discard, b.rc, 64<<10)
	b.finish(errors.Is(err, io.EOF))
	return nil
}

func (b *fwdBody) finish(atEOF bool) {
	if b.done {
		return
	}
	b.done = true
	b.f.put(b.fc, b.reusable && atEOF)
}
