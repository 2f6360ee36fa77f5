package delivery

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/testutil/freeport"
	"github.com/hookctl/hookctl/internal/testutil/tcpwait"
)

// connCounter counts the connections a test server accepted.
func connCounter(srv *httptest.Server) *atomic.Int32 {
	var n atomic.Int32
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			n.Add(1)
		}
	}
	return &n
}

func sendOnce(t *testing.T, s *Sender, url string, body []byte) (status int, respBody string, err string) {
	t.Helper()
	ev := testEvent(body)
	a, _, prepErr := s.Send(context.Background(), ev, Target{URL: url})
	if prepErr != nil {
		t.Fatal(prepErr)
	}
	return a.ResponseStatus, string(a.ResponseBody), a.Error
}

func testEvent(body []byte) *store.Event {
	return &store.Event{ID: "evt_h1", Type: "card.created", Provider: "standard", Payload: body, Source: store.SourceTriggered}
}

// The exchange runs on kept-alive connections: many sequential attempts,
// one connection; headers and body arrive byte for byte.
func TestH1KeepAliveAndBytes(t *testing.T) {
	body := []byte(`{"type":"card.created","n":"é\u2028"}` + strings.Repeat("x", 3000))
	var got [][]byte
	var mu sync.Mutex
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, b)
		mu.Unlock()
		if r.Header.Get("User-Agent") != "hookctl/test" || r.ContentLength != int64(len(body)) {
			w.WriteHeader(400)
			return
		}
		w.Header().Set("X-Seen", r.Method)
		io.WriteString(w, "ok")
	}))
	conns := connCounter(srv)
	srv.Start()
	defer srv.Close()
	s := &Sender{Client: NewHTTPClient(2*time.Second, 4), UserAgent: "hookctl/test"}
	for i := range 20 {
		if st, rb, e := sendOnce(t, s, srv.URL+"/hooks", body); st != 200 || rb != "ok" || e != "" {
			t.Fatalf("attempt %d: %d %q %q", i, st, rb, e)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("20 sequential attempts used %d connections, want 1", n)
	}
	for _, b := range got {
		if !bytes.Equal(b, body) {
			t.Fatalf("body arrived altered: %q", b[:60])
		}
	}
}

// A server that closes kept-alive connections between requests (or asks
// to with Connection: close) costs a new connection, not a failure.
func TestH1ServerClosesIdleConnections(t *testing.T) {
	var reqs atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if reqs.Add(1)%2 == 0 {
			w.Header().Set("Connection", "close")
		}
		io.WriteString(w, "ok")
	}))
	conns := connCounter(srv)
	var mu sync.Mutex
	open := map[net.Conn]bool{}
	count := srv.Config.ConnState
	srv.Config.ConnState = func(c net.Conn, st http.ConnState) {
		count(c, st)
		mu.Lock()
		defer mu.Unlock()
		switch st {
		case http.StateNew:
			open[c] = true
		case http.StateClosed, http.StateHijacked:
			delete(open, c)
		}
	}
	srv.Start()
	defer srv.Close()
	s := &Sender{Client: NewHTTPClient(2*time.Second, 4), UserAgent: "hookctl/test"}
	for i := range 6 {
		if st, _, e := sendOnce(t, s, srv.URL, []byte(`{}`)); st != 200 || e != "" {
			t.Fatalf("attempt %d: %d %q", i, st, e)
		}
		if i == 2 {
			// Close every idle connection server-side, behind the pool's
			// back; the next attempt starts once the FINs are in the
			// client's sockets.
			mu.Lock()
			for c := range open {
				c.(*net.TCPConn).CloseWrite()
				// (One the server closed meanwhile is still listed: its
				// StateClosed waits for mu. It is closed, as wanted.)
				if err := tcpwait.Acked(c, 10*time.Second); err != nil && !errors.Is(err, net.ErrClosed) {
					t.Error(err)
				}
				c.Close()
			}
			mu.Unlock()
		}
	}
	if reqs.Load() != 6 {
		t.Fatalf("server saw %d requests, want 6 (each attempt exactly once)", reqs.Load())
	}
	if n := conns.Load(); n < 3 || n > 5 {
		t.Errorf("%d connections, want a new one after each close", n)
	}
}

// A raw server: answers one request per connection with a canned
// response, then closes without saying so; records what it read.
func TestH1StaleConnectionIsRetriedOnce(t *testing.T) {
	var served atomic.Int32
	closed := make(chan struct{}, 3)
	addr := newRawServer(t, func(_ *rawServer, c net.Conn, br *bufio.Reader) {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		io.Copy(io.Discard, req.Body)
		served.Add(1)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		// The client's pooled conn goes stale: the FIN is in its socket
		// once acknowledged.
		c.(*net.TCPConn).CloseWrite()
		if err := tcpwait.Acked(c, 10*time.Second); err != nil {
			t.Error(err)
		}
		c.Close()
		closed <- struct{}{}
	}).ln.Addr().String()
	s := &Sender{Client: NewHTTPClient(2*time.Second, 4), UserAgent: "hookctl/test"}
	url := "http://" + addr
	for i := range 3 {
		if st, rb, e := sendOnce(t, s, url, []byte(`{"a":1}`)); st != 200 || rb != "ok" || e != "" {
			t.Fatalf("attempt %d: %d %q %q", i, st, rb, e)
		}
		// The next attempt starts once the server has closed (it slept
		// 10 ms and the client 30 ms, which a loaded machine reordered:
		// the client then sent on a connection about to close).
		<-closed
	}
	if n := served.Load(); n != 3 {
		t.Errorf("server served %d requests, want 3", n)
	}
}

// Chunked and large bodies: the attempt keeps the first 64 KiB, and the
// connection is reused after a drained body, closed after a huge one.
func TestH1ResponseBodies(t *testing.T) {
	big := strings.Repeat("b", 100<<10)
	huge := strings.Repeat("h", 2<<20)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/chunked":
			w.(http.Flusher).Flush()
			io.WriteString(w, "part1-")
			w.(http.Flusher).Flush()
			io.WriteString(w, "part2")
		case "/big":
			io.WriteString(w, big)
		case "/huge":
			io.WriteString(w, huge)
		case "/empty":
			w.WriteHeader(204)
		}
	}))
	conns := connCounter(srv)
	srv.Start()
	defer srv.Close()
	s := &Sender{Client: NewHTTPClient(5*time.Second, 4), UserAgent: "hookctl/test"}
	if st, rb, e := sendOnce(t, s, srv.URL+"/chunked", nil); st != 200 || rb != "part1-part2" || e != "" {
		t.Fatalf("chunked: %d %q %q", st, rb, e)
	}
	if st, rb, _ := sendOnce(t, s, srv.URL+"/big", nil); st != 200 || len(rb) != MaxResponseBody || rb != big[:MaxResponseBody] {
		t.Fatalf("big: %d, %d bytes kept, want the first %d", st, len(rb), MaxResponseBody)
	}
	if st, rb, _ := sendOnce(t, s, srv.URL+"/empty", nil); st != 204 || rb != "" {
		t.Fatalf("empty: %d %q", st, rb)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("chunked, drained big and empty bodies used %d connections, want 1", n)
	}
	if st, _, _ := sendOnce(t, s, srv.URL+"/huge", nil); st != 200 {
		t.Fatalf("huge: %d", st)
	}
	if st, _, _ := sendOnce(t, s, srv.URL+"/empty", nil); st != 204 {
		t.Fatalf("after huge: %d", st)
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("after a body too large to drain: %d connections, want a fresh one (2)", n)
	}
}

// Timeouts, refused connections, redirects and the Host header behave as
// with net/http's client.
func TestH1ErrorsRedirectsHost(t *testing.T) {
	t.Parallel()
	var host atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			time.Sleep(500 * time.Millisecond)
		case "/redirect":
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		case "/host":
			host.Store(r.Host)
		case "/elsewhere":
			w.WriteHeader(500)
		}
	}))
	defer srv.Close()
	// Only the slow receiver is sent with the short timeout: the other
	// requests, bounded by it too, timed out on a loaded machine (the
	// package's tests run in parallel): "redirect: 0 "timeout after
	// 150ms"".
	short := &Sender{Client: NewHTTPClient(150*time.Millisecond, 4), UserAgent: "hookctl/test"}
	if st, _, e := sendOnce(t, short, srv.URL+"/slow", nil); st != 0 || e != "timeout after 150ms" {
		t.Errorf("slow receiver: %d %q, want timeout after 150ms", st, e)
	}
	s := &Sender{Client: NewHTTPClient(30*time.Second, 4), UserAgent: "hookctl/test"}
	if st, _, e := sendOnce(t, s, srv.URL+"/redirect", nil); st != 302 || e != "" {
		t.Errorf("redirect: %d %q, want the 302 itself", st, e)
	}
	dead := "http://127.0.0.1:" + freeport.Must(t) // nothing listens there
	if st, _, e := sendOnce(t, s, dead, nil); st != 0 || !strings.Contains(e, "connection refused") {
		t.Errorf("dead receiver: %d %q, want connection refused", st, e)
	}
	ev := testEvent([]byte(`{}`))
	a, _, _ := s.Send(context.Background(), ev, Target{URL: srv.URL + "/host", Headers: map[string]string{"Host": "hooks.example.test"}})
	if a.ResponseStatus != 200 || host.Load() != "hooks.example.test" {
		t.Errorf("Host override: status %d, server saw Host %v", a.ResponseStatus, host.Load())
	}
	// Through http.Client (the RoundTripper path): the client's timeout
	// and redirect policy apply.
	c := NewHTTPClient(150*time.Millisecond, 4)
	if _, err := c.Get(srv.URL + "/slow"); err == nil || describeError(err, c.Timeout) != "timeout after 150ms" {
		t.Errorf("client timeout: %v", err)
	}
	c.CloseIdleConnections()
	c = NewHTTPClient(30*time.Second, 4)
	resp, err := c.Get(srv.URL + "/redirect")
	if err != nil || resp.StatusCode != 302 {
		t.Fatalf("client redirect: %v %v", resp, err)
	}
	resp.Body.Close()
	c.CloseIdleConnections()
}

// Many workers at once share the pool safely (run with -race).
func TestH1Concurrent(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		n.Add(1)
		w.Write(b)
	}))
	defer srv.Close()
	s := &Sender{Client: NewHTTPClient(5*time.Second, 16), UserAgent: "hookctl/test"}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				body := fmt.Sprintf(`{"g":%d,"i":%d}`, g, i)
				a, _, _ := s.Send(context.Background(), testEvent([]byte(body)), Target{URL: srv.URL})
				if a.ResponseStatus != 200 || string(a.ResponseBody) != body {
					errs <- fmt.Sprintf("g%d i%d: %d %q %q", g, i, a.ResponseStatus, a.ResponseBody, a.Error)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if n.Load() != 32*50 {
		t.Errorf("server saw %d requests, want %d", n.Load(), 32*50)
	}
}

// BenchmarkSend compares an attempt over the direct HTTP/1.1 exchange with
// one through net/http's Transport (CPU and allocations per request).
func BenchmarkSend(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	body := bytes.Repeat([]byte("x"), 1024)
	for _, tc := range []struct {
		name string
		s    *Sender
	}{
		{"direct", &Sender{Client: NewHTTPClient(5*time.Second, 8), UserAgent: "hookctl/bench"}},
		{"net-http", &Sender{Client: &http.Client{Timeout: 5 * time.Second, Transport: NewHTTPClient(5*time.Second, 8).Transport.(*h1Transport).fallback}, UserAgent: "hookctl/bench"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ev := testEvent(body)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					a, _, _ := tc.s.Send(context.Background(), ev, Target{URL: srv.URL})
					if a.ResponseStatus != 200 {
						b.Fatal(a.Error)
					}
				}
			})
		})
	}
}

// A receiver that refuses a large body before reading it (listen's 413,
// a 401 on the headers) and closes: the attempt records its answer, not
// "write: broken pipe" (issue 20 item 11).
func TestH1EarlyAnswerBeforeTheBodyIsRead(t *testing.T) {
	addr := newRawServer(t, func(_ *rawServer, c net.Conn, br *bufio.Reader) {
		for { // the request head only
			line, err := br.ReadString('\n')
			if err != nil || line == "\r\n" {
				break
			}
		}
		msg := "request body too large: more than 1024 bytes\n"
		fmt.Fprintf(c, "HTTP/1.1 413 Request Entity Too Large\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(msg), msg)
		c.(*net.TCPConn).CloseWrite()
		io.CopyN(io.Discard, c, 64<<10) // then stop reading: the sender's write fails
		time.Sleep(50 * time.Millisecond)
	}).ln.Addr().String()
	s := &Sender{Client: NewHTTPClient(5*time.Second, 4), UserAgent: "hookctl/test"}
	status, body, errText := sendOnce(t, s, "http://"+addr+"/h", bytes.Repeat([]byte("x"), 16<<20))
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, "too large") {
		t.Errorf("status %d body %q error %q, want the receiver's 413", status, body, errText)
	}
}

// The engine's sends reuse the URL parsed for the previous request to the
// same target; a different target is parsed afresh.
func TestSendReusesOnlyItsOwnURL(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Host+" "+r.URL.RequestURI())
		mu.Unlock()
	}))
	defer srv.Close()
	s := &Sender{Client: NewHTTPClient(5*time.Second, 2), UserAgent: "hookctl/test"}
	ev := testEvent([]byte(`{}`))
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, p := range []string{"/a?x=1", "/a?x=1", "/b", "/a?x=1"} {
		if a, _, err := s.Send(context.Background(), ev, Target{URL: srv.URL + p}); err != nil || a.ResponseStatus != 200 {
			t.Fatalf("%s: %v %+v", p, err, a)
		}
	}
	want := []string{host + " /a?x=1", host + " /a?x=1", host + " /b", host + " /a?x=1"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("server saw %q, want %q", got, want)
	}
}

// A receiver that reads a whole request on a kept-alive connection and
// then closes it without answering (it crashed mid-handler, or dropped
// the connection) has seen the webhook: the attempt fails and is
// recorded as such, never resent behind the record's back.
func TestH1RequestReadThenConnectionDroppedIsNotResent(t *testing.T) {
	var seen atomic.Int32
	addr := newRawServer(t, func(_ *rawServer, c net.Conn, br *bufio.Reader) {
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			io.Copy(io.Discard, req.Body)
			if seen.Add(1) == 2 {
				return // the second request: read it all, then drop the connection
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	}).ln.Addr().String()
	s := &Sender{Client: NewHTTPClient(2*time.Second, 4), UserAgent: "hookctl/test"}
	url := "http://" + addr
	if st, _, e := sendOnce(t, s, url, []byte(`{"a":1}`)); st != 200 || e != "" {
		t.Fatalf("first attempt: %d %q", st, e)
	}
	st, _, e := sendOnce(t, s, url, []byte(`{"a":2}`))
	if st != 0 || e == "" {
		t.Fatalf("second attempt: status %d, error %q; want a failed attempt", st, e)
	}
	time.Sleep(50 * time.Millisecond)
	if n := seen.Load(); n != 2 {
		t.Fatalf("the receiver saw %d requests for 2 attempts", n)
	}
}

// A server that writes something unasked on an idle kept-alive connection
// (some send "408 Request Timeout" before closing one) must not have it
// read as the answer to the next request: the connection is not reused.
func TestH1UnaskedBytesOnIdleConnectionNotTakenForAnAnswer(t *testing.T) {
	var served atomic.Int32
	idle := make(chan struct{})    // the client holds the connection idle in its pool
	written := make(chan struct{}) // the unasked 408 is in the client's socket
	release := make(chan struct{}) // the test is over
	addr := newRawServer(t, func(_ *rawServer, c net.Conn, br *bufio.Reader) {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		io.Copy(io.Discard, req.Body)
		served.Add(1)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		select {
		case <-idle:
		case <-release:
			return
		}
		io.WriteString(c, "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n")
		if err := tcpwait.Acked(c, 10*time.Second); err != nil {
			t.Error(err)
		}
		close(written)
		<-release // and keep the connection open: only the bytes tell
	}).ln.Addr().String()
	t.Cleanup(func() { close(release) }) // runs before the server's cleanup waits for its handlers
	s := &Sender{Client: NewHTTPClient(2*time.Second, 4), UserAgent: "hookctl/test"}
	url := "http://" + addr
	for i := range 2 {
		if st, rb, e := sendOnce(t, s, url, []byte(`{"a":1}`)); st != 200 || rb != "ok" || e != "" {
			t.Fatalf("attempt %d: %d %q %q", i, st, rb, e)
		}
		if i == 0 {
			idle <- struct{}{}
			<-written
		}
	}
	if n := served.Load(); n != 2 {
		t.Fatalf("server served %d requests, want 2", n)
	}
}

// endlessHeaders serves one connection at a time: it reads a request head
// and answers a status line (or 100 Continue lines) followed by header
// lines that never end; written counts the bytes it got out.
func endlessHeaders(t *testing.T, informational bool) (url string, written *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	written = &atomic.Int64{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					l, err := br.ReadString('\n')
					if err != nil || l == "\r\n" {
						break
					}
				}
				chunk := []byte(strings.Repeat("X-Pad: "+strings.Repeat("x", 100)+"\r\n", 100))
				if informational {
					// An informational answer whose headers never end
					// (1xx answers without end: TestH1InformationalAnswersCapped).
					io.WriteString(c, "HTTP/1.1 103 Early Hints\r\n")
				} else {
					io.WriteString(c, "HTTP/1.1 200 OK\r\n")
				}
				for {
					n, err := c.Write(chunk)
					written.Add(int64(n))
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return "http://" + ln.Addr().String() + "/hooks", written
}

// TestH1EndlessResponseHeadersCutOff: a receiver that sends response
// headers without end (or a 1xx answer's headers without end) costs at most about
// 1 MiB of reading, then the attempt fails saying why.
func TestH1EndlessResponseHeadersCutOff(t *testing.T) {
	for _, informational := range []bool{false, true} {
		url, written := endlessHeaders(t, informational)
		// The receiver writes headers for ever: only the cut-off ends the
		// attempt before the client's timeout, whose error would not name
		// it. (A bound on the elapsed time, 2 s, was overrun on a loaded
		// machine: "took 3.54s", the cut-off working.)
		s := &Sender{Client: NewHTTPClient(time.Minute, 1)}
		st, _, e := sendOnce(t, s, url, []byte(`{}`))
		if st != 0 || !strings.Contains(e, "response headers exceed 1 MiB") {
			t.Errorf("informational %v: status %d, error %q; want the 1 MiB cut-off", informational, st, e)
		}
		time.Sleep(50 * time.Millisecond)
		if n := written.Load(); n > 32<<20 { // socket buffers hold a few MiB more
			t.Errorf("informational %v: the receiver wrote %d MiB of headers", informational, n>>20)
		}
	}
}

// TestH1InformationalAnswersCapped: 1xx answers without end fail the
// attempt at the sixth, as Go's HTTP client does (max1xxResponses), not
// after a MiB of them; five are read past, to the response.
func TestH1InformationalAnswersCapped(t *testing.T) {
	for _, n := range []int{5, 6, 100000} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					defer c.Close()
					br := bufio.NewReader(c)
					for {
						l, err := br.ReadString('\n')
						if err != nil || l == "\r\n" {
							break
						}
					}
					w := bufio.NewWriter(c)
					for range n {
						w.WriteString("HTTP/1.1 100 Continue\r\nX-Pad: x\r\n\r\n")
					}
					w.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
					w.Flush()
				}()
			}
		}()
		s := &Sender{Client: NewHTTPClient(time.Minute, 1)}
		st, _, e := sendOnce(t, s, "http://"+ln.Addr().String()+"/hooks", []byte(`{}`))
		ln.Close()
		if n <= Max1xxAnswers {
			if st != 200 || e != "" {
				t.Errorf("%d informational answers: status %d, error %q; want 200", n, st, e)
			}
			continue
		}
		if st != 0 || !strings.Contains(e, "more than 5 informational (1xx) answers before the response") {
			t.Errorf("%d informational answers: status %d, error %q; want the 1xx cap", n, st, e)
		}
	}
}
