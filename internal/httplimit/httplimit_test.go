package httplimit

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// serve runs an echo-length handler behind lim on a real loopback port.
func serve(t *testing.T, lim *Limiter, h http.Handler) string {
	t.Helper()
	if h == nil {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, release, err := lim.ReadBody(w, r)
			defer release()
			switch {
			case IsTooLarge(err):
				Refuse(w, http.StatusRequestEntityTooLarge, err.Error())
			case IsBusy(err):
				Refuse(w, http.StatusServiceUnavailable, err.Error())
			case err != nil:
				Refuse(w, http.StatusBadRequest, err.Error())
			default:
				fmt.Fprintf(w, "%s %s %d", r.Method, r.URL.Path, len(body))
			}
		})
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(t.Name(), "/fast") {
		fs := lim.FastServer(h)
		go fs.Serve(ln)
		t.Cleanup(func() { fs.Close() })
		return ln.Addr().String()
	}
	srv := lim.Server(h)
	go srv.Serve(lim.Listener(ln))
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// both runs a test against Go's server behind the Limiter and against
// the FastServer (whose lean loop hands unusual requests to Go's server).
func both(t *testing.T, f func(t *testing.T)) {
	t.Run("std", f)
	t.Run("fast", f)
}

// raw sends bytes on a fresh connection from local address from ("" =
// any) and returns the responses read until the server closes or 2s pass.
func raw(t *testing.T, addr, from, req string) string {
	t.Helper()
	c := dial(t, addr, from)
	defer c.Close()
	io.WriteString(c, req)
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	b, _ := io.ReadAll(c)
	return string(b)
}

func dial(t *testing.T, addr, from string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 2 * time.Second}
	if from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func status(resp string) string {
	line, _, _ := strings.Cut(resp, "\r\n")
	return line
}

func TestConnectionCaps(t *testing.T) { both(t, testConnectionCaps) }

func testConnectionCaps(t *testing.T) {
	lim := New(Config{MaxConns: 3, MaxConnsPerIP: 2})
	addr := serve(t, lim, nil)
	// Two idle connections from 127.0.0.2 hold that address's share.
	a, b := dial(t, addr, "127.0.0.2"), dial(t, addr, "127.0.0.2")
	defer a.Close()
	defer b.Close()
	waitFor(t, func() bool { return lim.Stats().OpenConns == 2 })
	resp := raw(t, addr, "127.0.0.2", "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if status(resp) != "HTTP/1.1 429 Too Many Requests" || !strings.Contains(resp, "Retry-After: 1") {
		t.Fatalf("third connection from one address: %q", resp)
	}
	// Another address still gets the last slot…
	c := dial(t, addr, "127.0.0.3")
	defer c.Close()
	waitFor(t, func() bool { return lim.Stats().OpenConns == 3 })
	// …and beyond MaxConns everyone is told to come back.
	resp = raw(t, addr, "127.0.0.4", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
	if status(resp) != "HTTP/1.1 503 Service Unavailable" || !strings.Contains(resp, "Retry-After: 1") || !strings.Contains(resp, "too many connections") {
		t.Fatalf("connection over MaxConns: %q", resp)
	}
	// Closing gives the slots back.
	a.Close()
	b.Close()
	waitFor(t, func() bool { return lim.Stats().OpenConns == 1 })
	if resp := raw(t, addr, "127.0.0.2", "GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); status(resp) != "HTTP/1.1 200 OK" {
		t.Fatalf("after the slots came back: %q", resp)
	}
	st := lim.Stats()
	if st.RejectedConns != 1 || st.RejectedPerIP != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFraming(t *testing.T) { both(t, testFraming) }

func testFraming(t *testing.T) {
	var reached atomic.Int64
	var paths sync.Map
	lim := New(Config{})
	var h http.Handler
	h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		paths.Store(r.URL.Path, true)
		body, release, err := lim.ReadBody(w, r)
		defer release()
		if err != nil {
			Refuse(w, 400, err.Error())
			return
		}
		fmt.Fprintf(w, "%d", len(body))
	})
	addr := serve(t, lim, h)
	smuggled := "0\r\n\r\nPOST /admin HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
	for _, tc := range []struct {
		name, req, want string
	}{
		{"CL and TE", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: " + fmt.Sprint(len(smuggled)) + "\r\nTransfer-Encoding: chunked\r\n\r\n" + smuggled, "400"},
		{"TE and CL", "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n" + smuggled, "400"},
		{"TE on HTTP/1.0", "POST /a HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nhello", "400"},
		{"two TE fields", "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" + smuggled, "501"},
		{"TE list", "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" + smuggled, "501"},
		{"two CLs", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", "400"},
		{"bad CL", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello", "400"},
		{"absolute form", "POST http://evil.example/admin HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", "400"},
		{"authority form", "CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n", "400"},
		{"asterisk", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", "400"},
		{"garbage", "\x00\x01\x02 hello\r\n\r\n", "400"},
		{"no host", "POST /a HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "400"},
		{"two hosts", "POST /a HTTP/1.1\r\nHost: x\r\nHost: y\r\nContent-Length: 0\r\n\r\n", "400"},
		{"bad header", "POST /a HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", "400"},
		{"obs-fold CL", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n 5\r\n\r\nhello", "400"},
	} {
		resp := raw(t, addr, "", tc.req)
		if st := status(resp); !strings.HasPrefix(st, "HTTP/1.") || st[9:12] != tc.want {
			t.Errorf("%s: got %q, want %s", tc.name, resp, tc.want)
		}
		if n := strings.Count(resp, "HTTP/1."); n != 1 {
			t.Errorf("%s: %d answers on one connection: %q", tc.name, n, resp)
		}
	}
	if _, ok := paths.Load("/admin"); ok {
		t.Error("a smuggled request reached the handler")
	}

	// Keep-alive: a good request, then a conflicting one, on one connection.
	resp := raw(t, addr, "", "POST /one HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"+
		"POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"+smuggled)
	if n := strings.Count(resp, "HTTP/1.1 "); n != 2 || !strings.HasPrefix(resp, "HTTP/1.1 200") || !strings.Contains(resp, "HTTP/1.1 400") {
		t.Fatalf("pipelined: %q", resp)
	}
	// An empty line after a POST (Go's server skips it) does not turn
	// the check off for the rest of the connection.
	resp = raw(t, addr, "", "POST /one HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello\r\n"+
		"POST /blank HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"+smuggled)
	if n := strings.Count(resp, "HTTP/1.1 "); n != 2 || !strings.HasPrefix(resp, "HTTP/1.1 200") || !strings.Contains(resp, "HTTP/1.1 400") {
		t.Fatalf("after an empty line: %q", resp)
	}
	// More requests pipelined than verdicts are queued: those past the
	// queue are refused, not let through unchecked.
	pipelined := strings.Repeat("GET /p HTTP/1.1\r\nHost: x\r\n\r\n", maxVerdicts+6) +
		"POST /late HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n" + smuggled
	resp = raw(t, addr, "", pipelined)
	if n := strings.Count(resp, "HTTP/1.1 200"); n > maxVerdicts+6 || !strings.Contains(resp, "HTTP/1.1 400") {
		t.Fatalf("%d pipelined: %d answered 200, then %q", maxVerdicts+7, n, resp[max(0, len(resp)-300):])
	}
	for _, p := range []string{"/blank", "/late", "/admin"} {
		if _, ok := paths.Load(p); ok {
			t.Errorf("%s reached the handler", p)
		}
	}
	// A body that looks like a request head is just a body.
	inner := "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n"
	resp = raw(t, addr, "", fmt.Sprintf("POST /one HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%sGET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", len(inner), inner))
	if strings.Count(resp, "HTTP/1.1 200") != 2 {
		t.Fatalf("a head inside a body: %q", resp)
	}
	// Chunked alone is fine, and ends the connection.
	resp = raw(t, addr, "", "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n")
	if !strings.HasPrefix(resp, "HTTP/1.1 200") || !strings.Contains(resp, "Connection: close") || strings.Count(resp, "HTTP/1.1 ") != 1 {
		t.Fatalf("chunked: %q", resp)
	}
	if _, ok := paths.Load("/after"); ok {
		t.Error("a request after a chunked one was served")
	}
}

func TestReadBodyLimits(t *testing.T) { both(t, testReadBodyLimits) }

func testReadBodyLimits(t *testing.T) {
	lim := New(Config{MaxBody: 1000, BodyBudget: 4000, BudgetWait: 300 * time.Millisecond, BodyTimeout: 400 * time.Millisecond})
	addr := serve(t, lim, nil)
	// Declared too large: refused without reading.
	resp := raw(t, addr, "", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n")
	if status(resp) != "HTTP/1.1 413 Request Entity Too Large" || !strings.Contains(resp, "Connection: close") {
		t.Fatalf("declared too large: %q", resp)
	}
	// Chunked, too large once read.
	chunk := strings.Repeat("x", 600)
	resp = raw(t, addr, "", "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n"+chunk+"\r\n258\r\n"+chunk+"\r\n0\r\n\r\n")
	if status(resp) != "HTTP/1.1 413 Request Entity Too Large" {
		t.Fatalf("chunked too large: %q", resp)
	}
	// Exactly the limit is fine.
	resp = raw(t, addr, "", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n"+strings.Repeat("y", 1000))
	if !strings.HasSuffix(resp, "POST /a 1000") {
		t.Fatalf("at the limit: %q", resp)
	}

	// Slow body: cut at BodyTimeout.
	c := dial(t, addr, "")
	io.WriteString(c, "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
	start := time.Now()
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	b, _ := io.ReadAll(c)
	c.Close()
	if el := time.Since(start); !strings.HasPrefix(string(b), "HTTP/1.1 400") || el > 2*time.Second {
		t.Fatalf("slow body: %q after %s", b, el)
	}

	// Budget: four slow bodies of 1000 declared bytes each sending 900
	// hold 4×1000; a fifth waits BudgetWait and is refused busy.
	var held []net.Conn
	for i := 0; i < 4; i++ {
		c := dial(t, addr, "")
		held = append(held, c)
		io.WriteString(c, "POST /held HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"+strings.Repeat("z", 900))
	}
	waitFor(t, func() bool { return lim.Stats().BudgetInUse == 4000 })
	resp = raw(t, addr, "", "POST /late HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789")
	if status(resp) != "HTTP/1.1 503 Service Unavailable" || !strings.Contains(resp, "Retry-After") {
		t.Fatalf("over budget: %q", resp)
	}
	for _, c := range held {
		c.Close()
	}
	waitFor(t, func() bool { return lim.Stats().BudgetInUse == 0 })
	resp = raw(t, addr, "", "POST /late HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n0123456789")
	if !strings.HasSuffix(resp, "POST /late 10") {
		t.Fatalf("after the budget came back: %q", resp)
	}
	if st := lim.Stats(); st.Busy != 1 || st.PeakBudgetInUse != 4000 {
		t.Fatalf("stats = %+v", st)
	}
}

// A body is reserved as it arrives, not from Content-Length: many
// clients announcing big bodies and sending nothing hold no budget.
func TestBudgetIsNotPreallocated(t *testing.T) { both(t, testBudgetIsNotPreallocated) }

func testBudgetIsNotPreallocated(t *testing.T) {
	lim := New(Config{MaxBody: 1 << 20, BodyBudget: 2 << 20, BodyTimeout: 5 * time.Second})
	addr := serve(t, lim, nil)
	var conns []net.Conn
	for i := 0; i < 50; i++ {
		c := dial(t, addr, "")
		conns = append(conns, c)
		io.WriteString(c, "POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\nab")
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	time.Sleep(200 * time.Millisecond)
	if used := lim.Stats().BudgetInUse; used > 50*firstChunk {
		t.Fatalf("%d bytes reserved for 50 bodies of 2 bytes so far", used)
	}
	// A legitimate client is served meanwhile.
	resp := raw(t, addr, "", "POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
	if !strings.HasSuffix(resp, "POST /ok 2") {
		t.Fatalf("legitimate request: %q", resp)
	}
}

func TestSlowHeaders(t *testing.T) { both(t, testSlowHeaders) }

func testSlowHeaders(t *testing.T) {
	lim := New(Config{ReadHeaderTimeout: 300 * time.Millisecond})
	addr := serve(t, lim, nil)
	c := dial(t, addr, "")
	defer c.Close()
	start := time.Now()
	go func() {
		for _, b := range []byte("POST / HTTP/1.1\r\nHost: x\r\nX-Slow: ") {
			if _, err := c.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	_, err := br.ReadString('\n')
	for err == nil {
		_, err = br.ReadString('\n')
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("a slow header was still open after %s", el)
	}
	waitFor(t, func() bool { return lim.Stats().OpenConns == 0 })
}

func TestSniffer(t *testing.T) {
	// Fed one byte at a time, the verdicts are the same.
	in := "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc" +
		"POST /b HTTP/1.1\nhost: x\ncontent-length: 0\n\n" +
		"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\ncontent-length: 2\r\n\r\n"
	s := newSniffer(1 << 10)
	for i := 0; i < len(in); i++ {
		s.feed([]byte{in[i]})
	}
	if r := s.verdictFor("POST", "/a"); r != "" {
		t.Errorf("/a: %q", r)
	}
	if r := s.verdictFor("POST", "/b"); r != "" {
		t.Errorf("/b: %q", r)
	}
	if r := s.verdictFor("POST", "/c"); !strings.Contains(r, "both Content-Length and Transfer-Encoding") {
		t.Errorf("/c: %q", r)
	}
	// A header block longer than the cap stops the sniffer (Go refuses it).
	s = newSniffer(10)
	s.feed(bytes.Repeat([]byte("x"), 20000))
	if !s.off {
		t.Error("sniffer still on after an oversized head")
	}
}

// FuzzSniffer: however the bytes are split into reads, the sniffer
// reaches the same verdicts, and it never panics.
func FuzzSniffer(f *testing.F) {
	f.Add([]byte("POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcPOST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n"), uint8(3))
	f.Add([]byte("POST /a HTTP/1.0\nTransfer-Encoding: chunked\n\n"), uint8(1))
	f.Add([]byte("GET / HTTP/1.1\r\nContent-Length:\r\n 0\r\n\r\n"), uint8(7))
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		whole, split := newSniffer(1<<10), newSniffer(1<<10)
		whole.feed(in)
		n := int(step%16) + 1
		for i := 0; i < len(in); i += n {
			split.feed(in[i:min(i+n, len(in))])
		}
		if len(whole.q) != len(split.q) || whole.off != split.off {
			t.Fatalf("whole %+v off=%v; split by %d %+v off=%v", whole.q, whole.off, n, split.q, split.off)
		}
		for i := range whole.q {
			if whole.q[i] != split.q[i] {
				t.Fatalf("verdict %d: %+v vs %+v", i, whole.q[i], split.q[i])
			}
		}
	})
}

// When every slot is taken, an idle keep-alive connection makes room; a
// connection in the middle of a request does not.
// idleConns is how many connections the limiter holds as idle (closable
// to make room).
func idleConns(l *Limiter) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.idle)
}

func TestIdleConnectionMakesRoom(t *testing.T) { both(t, testIdleConnectionMakesRoom) }

func testIdleConnectionMakesRoom(t *testing.T) {
	lim := New(Config{MaxConns: 2})
	addr := serve(t, lim, nil)
	idle := dial(t, addr, "")
	defer idle.Close()
	io.WriteString(idle, "GET /first HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(idle)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	// The server marks the connection idle after it has written the
	// answer: wait for that, or the new connection below may find no
	// idle one to close (a 503 under load).
	waitFor(t, func() bool { return idleConns(lim) == 1 })
	busy := dial(t, addr, "")
	defer busy.Close()
	io.WriteString(busy, "POST /busy HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
	waitFor(t, func() bool { return lim.Stats().OpenConns == 2 })
	if resp := raw(t, addr, "", "GET /new HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); !strings.HasSuffix(resp, "GET /new 0") {
		t.Fatalf("new connection: %q", resp)
	}
	if _, err := br.ReadByte(); err == nil {
		t.Fatal("the idle connection is still open")
	}
	io.WriteString(busy, "defghij")
	busy.SetReadDeadline(time.Now().Add(2 * time.Second))
	if resp, err := http.ReadResponse(bufio.NewReader(busy), nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("the busy connection: %v %v", resp, err)
	}
	if st := lim.Stats(); st.ReapedIdle != 1 || st.RejectedConns != 0 {
		t.Fatalf("stats = %+v", st)
	}
}

// When a client's slots are all taken, its own idle keep-alive connection
// makes room: on loopback every local client is one address, and a pool
// of idle connections left by one of them locked out every other with 429.
func TestIdleConnectionOfTheClientMakesRoom(t *testing.T) {
	both(t, testIdleConnectionOfTheClientMakesRoom)
}

func testIdleConnectionOfTheClientMakesRoom(t *testing.T) {
	lim := New(Config{MaxConnsPerIP: 2})
	addr := serve(t, lim, nil)
	var idle []*bufio.Reader
	var conns []net.Conn
	for i := 0; i < 2; i++ {
		c := dial(t, addr, "127.0.0.2")
		defer c.Close()
		conns = append(conns, c)
		io.WriteString(c, "GET /first HTTP/1.1\r\nHost: x\r\n\r\n")
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		idle = append(idle, br)
	}
	// Another client's idle connection is not the one closed.
	other := dial(t, addr, "127.0.0.3")
	defer other.Close()
	io.WriteString(other, "GET /other HTTP/1.1\r\nHost: x\r\n\r\n")
	obr := bufio.NewReader(other)
	if resp, err := http.ReadResponse(obr, nil); err != nil {
		t.Fatal(err)
	} else {
		io.Copy(io.Discard, resp.Body)
	}
	waitFor(t, func() bool { return lim.Stats().OpenConns == 3 && idleConns(lim) == 3 })
	if resp := raw(t, addr, "127.0.0.2", "GET /new HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); !strings.HasSuffix(resp, "GET /new 0") {
		t.Fatalf("a third connection from the address: %q", resp)
	}
	closed := 0
	for i, br := range idle {
		conns[i].SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, err := br.ReadByte(); err != nil && !os.IsTimeout(err) {
			closed++
		}
	}
	if closed != 1 {
		t.Fatalf("%d of the address's 2 idle connections closed, want 1", closed)
	}
	if st := lim.Stats(); st.ReapedIdle != 1 || st.RejectedPerIP != 0 {
		t.Fatalf("stats = %+v", st)
	}
	other.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if _, err := obr.ReadByte(); err == nil || !os.IsTimeout(err) {
		t.Fatalf("the other client's idle connection: %v, want it open", err)
	}
}

// A body the handler never reads is still bounded by BodyTimeout.
func TestUnreadBodyIsBounded(t *testing.T) { both(t, testUnreadBodyIsBounded) }

func testUnreadBodyIsBounded(t *testing.T) {
	lim := New(Config{BodyTimeout: 300 * time.Millisecond})
	addr := serve(t, lim, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ignored the body") }))
	c := dial(t, addr, "")
	defer c.Close()
	io.WriteString(c, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
	start := time.Now()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, _ := io.ReadAll(c)
	if el := time.Since(start); el > 2*time.Second || !strings.Contains(string(b), "ignored the body") {
		t.Fatalf("%q after %s", b, el)
	}
	waitFor(t, func() bool { return lim.Stats().OpenConns == 0 })
}

func TestReadBodyMax(t *testing.T) { both(t, testReadBodyMax) }

func testReadBodyMax(t *testing.T) {
	lim := New(Config{MaxBody: 1000})
	addr := serve(t, lim, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, release, err := lim.ReadBodyMax(w, r, 10)
		defer release()
		if IsTooLarge(err) {
			Refuse(w, 413, err.Error())
			return
		}
		fmt.Fprintf(w, "%d", len(body))
	}))
	if resp := raw(t, addr, "", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n0123456789a"); status(resp) != "HTTP/1.1 413 Request Entity Too Large" {
		t.Fatalf("%q", resp)
	}
	if resp := raw(t, addr, "", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n0123456789"); !strings.HasSuffix(resp, "\r\n\r\n10") {
		t.Fatalf("%q", resp)
	}
}

func TestGCPercent(t *testing.T) {
	orig := debug.SetGCPercent(100)
	defer debug.SetGCPercent(orig)
	t.Setenv("GOGC", "")
	os.Unsetenv("GOGC")
	if got := GCPercent(250); got != 250 || debug.SetGCPercent(250) != 250 {
		t.Fatalf("GCPercent(250) = %d, or the runtime was not told", got)
	}
	t.Setenv("GOGC", "80")
	debug.SetGCPercent(80)
	if got := GCPercent(300); got != 80 || debug.SetGCPercent(80) != 80 {
		t.Fatalf("with GOGC=80 set, GCPercent(300) = %d and must leave the setting alone", got)
	}
}

// A request whose line and headers are over MaxHeaderBytes is answered
// 431 with the reason, as every other refusal is, and counted. Go's server
// answered a bare "431 Request Header Fields Too Large" (text/plain, no
// reason), counted nowhere, and only past MaxHeaderBytes+4096. Sent by
// Go's client: one long header line, many short ones (the lean loop's own
// check), and a chunked request (handed over to Go's server first).
func TestHeadTooLargeSaysWhy(t *testing.T) { both(t, testHeadTooLargeSaysWhy) }

func testHeadTooLargeSaysWhy(t *testing.T) {
	lim := New(Config{})
	addr := serve(t, lim, nil)
	cases := map[string]func(h http.Header){
		"one line":   func(h http.Header) { h.Set("X-Big", strings.Repeat("a", 70<<10)) },
		"many lines": func(h http.Header) { fill(h, 30, 2500) },
		"just over":  func(h http.Header) { fill(h, 33, 2000) }, // 66 KB: Go's server took it
	}
	want := 0
	for name, set := range cases {
		for _, chunked := range []bool{false, true} {
			var body io.Reader = strings.NewReader("x")
			if chunked {
				body = io.MultiReader(strings.NewReader("x")) // no length: sent chunked
			}
			req, _ := http.NewRequest("POST", "http://"+addr+"/hook", body)
			set(req.Header)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Errorf("%s (chunked %v): %v", name, chunked, err)
				continue
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			want++
			if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge || resp.Header.Get("Content-Type") != "application/json" ||
				!strings.Contains(string(got), `"reason":"the request line and headers are larger than 64 KiB, the most this server reads: send smaller headers"`) {
				t.Errorf("%s (chunked %v): %d %q %s, want 431 with the reason", name, chunked, resp.StatusCode, resp.Header.Get("Content-Type"), got)
			}
		}
	}
	if n := lim.Stats().HeaderTooLarge; n != int64(want) {
		t.Errorf("HeaderTooLarge = %d, want %d", n, want)
	}
	// Under the cap: served.
	req, _ := http.NewRequest("POST", "http://"+addr+"/hook", strings.NewReader("x"))
	fill(req.Header, 30, 2000)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("60 KB of headers: %d, want 200", resp.StatusCode)
	}
}

func fill(h http.Header, n, size int) {
	for i := range n {
		h.Set(fmt.Sprintf("X-H%d", i), strings.Repeat("b", size))
	}
}
