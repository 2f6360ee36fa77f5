package httplimit

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// fastServe runs h on a FastServer on a loopback port.
func fastServe(t *testing.T, lim *Limiter, h http.Handler) (*FastServer, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fs := lim.FastServer(h)
	go fs.Serve(ln)
	t.Cleanup(func() { fs.Close() })
	return fs, ln.Addr().String()
}

// echo answers with what the handler saw of the request.
func echo(lim *Limiter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, release, err := lim.ReadBody(w, r)
		defer release()
		if err != nil {
			Refuse(w, http.StatusBadRequest, err.Error())
			return
		}
		w.Header().Set("X-Seen", fmt.Sprintf("%s|%s|%s|%s|%s|%d|%v", r.Method, r.RequestURI, r.URL.Path, r.Host,
			r.Header.Get("X-Custom"), r.ContentLength, r.RemoteAddr != ""))
		w.Write(body)
	})
}

func roundTrip(t *testing.T, c net.Conn, br *bufio.Reader, req string) *http.Response {
	t.Helper()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading the answer to %q: %v", req, err)
	}
	return resp
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFastServerServesPlainRequests(t *testing.T) {
	lim := New(Config{})
	fs, addr := fastServe(t, lim, echo(lim))
	c := dial(t, addr, "")
	defer c.Close()
	br := bufio.NewReader(c)
	for i := 0; i < 3; i++ {
		body := strings.Repeat("x", i*100)
		resp := roundTrip(t, c, br, fmt.Sprintf("POST /hooks/a?x=%d HTTP/1.1\r\nHost: example.test:3000\r\nx-custom:  v%d \r\nContent-Length: %d\r\n\r\n%s", i, i, len(body), body))
		got := readAll(t, resp)
		want := fmt.Sprintf("POST|/hooks/a?x=%d|/hooks/a|example.test:3000|v%d|%d|true", i, i, len(body))
		if resp.StatusCode != 200 || resp.Header.Get("X-Seen") != want || got != body {
			t.Fatalf("request %d: %d %q %q", i, resp.StatusCode, resp.Header.Get("X-Seen"), got)
		}
		if resp.Header.Get("Date") == "" || resp.ContentLength != int64(len(body)) {
			t.Fatalf("request %d: head %v", i, resp.Header)
		}
		if i > 0 && resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Fatalf("content type not sniffed: %v", resp.Header)
		}
	}
	if fs.Served() != 3 {
		t.Fatalf("lean loop served %d of 3 requests", fs.Served())
	}
}

func TestFastServerHandsUnusualRequestsToGo(t *testing.T) {
	lim := New(Config{})
	for _, tc := range []struct {
		name, req, status, body string
	}{
		{"chunked", "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "200", "hello"},
		{"http/1.0", "POST /c HTTP/1.0\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", "200", "hi"},
		{"folded", "POST /c HTTP/1.1\r\nHost: x\r\nX-Custom: a\r\n b\r\nContent-Length: 2\r\n\r\nhi", "200", "hi"},
		{"expect", "POST /c HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi", "100", ""},
		{"no host", "POST /c HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi", "400", ""},
		{"bad header", "POST /c HTTP/1.1\r\nHost: x\r\nBad Name: v\r\nContent-Length: 2\r\n\r\nhi", "400", ""},
		{"cl and te", "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400", ""},
		{"two lengths", "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nhi", "400", ""},
		{"absolute target", "POST http://evil/c HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", "400", ""},
		{"bare lf", "POST /c HTTP/1.1\nHost: x\nContent-Length: 2\n\nhi", "200", "hi"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs, addr := fastServe(t, lim, echo(lim))
			resp := raw(t, addr, "", tc.req)
			if !strings.HasPrefix(resp, "HTTP/1.1 "+tc.status) && !strings.HasPrefix(resp, "HTTP/1.0 "+tc.status) {
				t.Fatalf("answer %q, want %s", resp, tc.status)
			}
			if tc.body != "" && !strings.HasSuffix(resp, "\r\n\r\n"+tc.body) && !strings.Contains(resp, "\r\n\r\n"+tc.body) {
				t.Fatalf("answer %q, want body %q", resp, tc.body)
			}
			if fs.Served() != 0 {
				t.Fatalf("the lean loop served it (%d)", fs.Served())
			}
		})
	}
}

func TestFastServerHandOverMidConnection(t *testing.T) {
	lim := New(Config{})
	fs, addr := fastServe(t, lim, echo(lim))
	c := dial(t, addr, "")
	defer c.Close()
	br := bufio.NewReader(c)
	// lean, then a folded header line (handed over with the connection),
	// then plain again (now Go's server's): every answer arrives, in order.
	reqs := []string{
		"POST /1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none",
		"POST /2 HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\nContent-Length: 3\r\n\r\ntwo",
	}
	// Pipelined: the second head is already in the lean loop's buffer
	// when it hands over.
	c.SetDeadline(time.Now().Add(3 * time.Second))
	io.WriteString(c, reqs[0]+reqs[1])
	for i, want := range []string{"one", "two"} {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
		if got := readAll(t, resp); got != want {
			t.Fatalf("answer %d = %q", i, got)
		}
	}
	if resp := roundTrip(t, c, br, "POST /3 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nthree"); readAll(t, resp) != "three" {
		t.Fatal("third answer")
	}
	if fs.Served() != 1 {
		t.Fatalf("lean loop served %d, want 1", fs.Served())
	}
}

func TestFastServerAnswers(t *testing.T) {
	lim := New(Config{})
	big := strings.Repeat("b", 200<<10)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/stream": // longer than the gathered answer, no length: chunked
			io.WriteString(w, big)
		case "/length":
			w.Header().Set("Content-Length", fmt.Sprint(len(big)))
			io.WriteString(w, big)
		case "/nocontent":
			w.WriteHeader(http.StatusNoContent)
			w.Write([]byte("dropped"))
		case "/close":
			w.Header().Set("Connection", "close")
			io.WriteString(w, "bye")
		case "/unread":
			io.WriteString(w, "did not read it")
		case "/injected":
			w.Header().Set("X-Bad", "a\r\nX-Injected: 1")
			w.Header()["Date"] = nil
		}
	})
	fs, addr := fastServe(t, lim, h)
	c := dial(t, addr, "")
	defer c.Close()
	br := bufio.NewReader(c)
	resp := roundTrip(t, c, br, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
	if got := readAll(t, resp); got != big || resp.TransferEncoding == nil {
		t.Fatalf("stream: %d bytes, TE %v", len(got), resp.TransferEncoding)
	}
	resp = roundTrip(t, c, br, "GET /length HTTP/1.1\r\nHost: x\r\n\r\n")
	if got := readAll(t, resp); got != big || resp.ContentLength != int64(len(big)) {
		t.Fatalf("length: %d bytes, CL %d", len(got), resp.ContentLength)
	}
	resp = roundTrip(t, c, br, "GET /nocontent HTTP/1.1\r\nHost: x\r\n\r\n")
	if got := readAll(t, resp); resp.StatusCode != 204 || got != "" {
		t.Fatalf("204: %d %q", resp.StatusCode, got)
	}
	resp = roundTrip(t, c, br, "GET /injected HTTP/1.1\r\nHost: x\r\n\r\n")
	readAll(t, resp)
	if resp.Header.Get("X-Injected") != "" || resp.Header.Get("Date") != "" {
		t.Fatalf("header injection or suppressed Date: %v", resp.Header)
	}
	resp = roundTrip(t, c, br, "GET /close HTTP/1.1\r\nHost: x\r\n\r\n")
	if got := readAll(t, resp); got != "bye" || !resp.Close {
		t.Fatalf("close: %q close=%v", got, resp.Close)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("the connection stayed open after Connection: close (%v)", err)
	}
	// A body the handler did not read ends the connection after the answer.
	c2 := dial(t, addr, "")
	defer c2.Close()
	br2 := bufio.NewReader(c2)
	resp = roundTrip(t, c2, br2, "POST /unread HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789")
	if got := readAll(t, resp); got != "did not read it" || !resp.Close {
		t.Fatalf("unread: %q close=%v", got, resp.Close)
	}
	if fs.Served() != 6 {
		t.Fatalf("lean loop served %d of 6", fs.Served())
	}
}

func TestFastServerShutdownWaitsForRequests(t *testing.T) {
	lim := New(Config{})
	entered := make(chan struct{})
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(entered)
			<-release
		}
		io.WriteString(w, "done")
	})
	fs, addr := fastServe(t, lim, h)
	idle := dial(t, addr, "")
	defer idle.Close()
	ibr := bufio.NewReader(idle)
	readAll(t, roundTrip(t, idle, ibr, "GET /quick HTTP/1.1\r\nHost: x\r\n\r\n"))

	busy := dial(t, addr, "")
	defer busy.Close()
	got := make(chan string, 1)
	go func() {
		busy.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(busy, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(busy), nil)
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		got <- string(b)
	}()
	<-entered
	shut := make(chan error, 1)
	go func() { shut <- fs.Shutdown(context.Background()) }()
	// The idle connection is closed at once…
	idle.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := ibr.ReadByte(); err != io.EOF {
		t.Fatalf("idle connection: %v", err)
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned with a request in flight: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	// …the request in flight is answered, then Shutdown returns.
	close(release)
	if s := <-got; s != "done" {
		t.Fatalf("in-flight request: %q", s)
	}
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Fatal("still accepting after Shutdown")
	}
}

// FuzzFastHead: whatever the lean loop accepts, Go's own parser reads the
// same way — method, target, host, headers and body length — so handing
// the unusual to Go's server is the only difference between the paths.
func FuzzFastHead(f *testing.F) {
	for _, s := range []string{
		"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
		"GET / HTTP/1.1\r\nHost: x\r\nx-a:  b \r\nX-A: c\r\nConnection: keep-alive, close\r\n\r\n",
		"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
		"POST /a HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n",
		"POST /a?b=%zz HTTP/1.1\r\nHost: [::1]:80\r\nContent-Length: 0\r\n\r\n",
		"PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 01\r\n\r\nz",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var p headParser
		ok, err := p.read(bufio.NewReaderSize(strings.NewReader(string(in)), 4096), 64<<10)
		if err != nil || !ok {
			return
		}
		r, _ := p.request(context.Background(), bufio.NewReader(strings.NewReader("")), "1.2.3.4:5")
		want, werr := http.ReadRequest(bufio.NewReader(strings.NewReader(string(in))))
		if werr != nil {
			t.Fatalf("lean loop accepted what Go refuses (%v): %q", werr, in)
		}
		if r.Method != want.Method || r.RequestURI != want.RequestURI || r.Host != want.Host || r.ContentLength != want.ContentLength || r.Close != want.Close {
			t.Fatalf("lean %s %s host %q len %d close %v; Go %s %s host %q len %d close %v: %q",
				r.Method, r.RequestURI, r.Host, r.ContentLength, r.Close, want.Method, want.RequestURI, want.Host, want.ContentLength, want.Close, in)
		}
		if fmt.Sprint(r.Header) != fmt.Sprint(want.Header) {
			t.Fatalf("headers differ:\nlean %v\nGo   %v\n%q", r.Header, want.Header, in)
		}
		if r.URL.String() != want.URL.String() {
			t.Fatalf("URL lean %q Go %q", r.URL, want.URL)
		}
	})
}

// A handler's panic ends that connection only; the server serves on.
func TestFastServerSurvivesHandlerPanic(t *testing.T) {
	lim := New(Config{})
	_, addr := fastServe(t, lim, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("handler bug")
		}
		io.WriteString(w, "fine")
	}))
	if resp := raw(t, addr, "", "GET /panic HTTP/1.1\r\nHost: x\r\n\r\n"); resp != "" {
		t.Fatalf("a panicking handler's connection got %q", resp)
	}
	if resp := raw(t, addr, "", "GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); !strings.HasSuffix(resp, "fine") {
		t.Fatalf("after the panic: %q", resp)
	}
}
