package httplimit

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Buffer hands the handler the body it read (Buffered without a copy,
// r.Body for a handler that reads its own way), passes a body over max on
// as a read error the handler answers in its own words, and reports a
// spent budget without holding any of the body.
func TestBuffer(t *testing.T) {
	lim := New(Config{MaxBody: 64, BodyBudget: 128, BudgetWait: 100 * time.Millisecond})
	held := make(chan struct{})
	hold := make(chan struct{})
	addr := serve(t, lim, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		release, err := lim.Buffer(w, r, 64)
		defer release()
		switch {
		case IsBusy(err):
			Refuse(w, http.StatusServiceUnavailable, "busy")
			return
		case IsTimeout(err):
			Refuse(w, http.StatusRequestTimeout, "slow")
			return
		case err != nil:
			Refuse(w, http.StatusBadRequest, err.Error())
			return
		}
		b, ok := Buffered(r)
		all, err := io.ReadAll(r.Body)
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			http.Error(w, fmt.Sprintf("own words: over %d", mbe.Limit), http.StatusRequestEntityTooLarge)
			return
		case err != nil:
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if r.URL.Path == "/hold" {
			held <- struct{}{}
			<-hold
		}
		fmt.Fprintf(w, "buffered=%v %q read=%q", ok, b, all)
	}))
	post := func(path, body string) string {
		return raw(t, addr, "", fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", path, len(body), body))
	}
	if got := post("/", "hello"); !strings.Contains(got, `buffered=true "hello" read="hello"`) {
		t.Errorf("a body within the limit: %q", got)
	}
	if got := post("/", strings.Repeat("x", 65)); !strings.HasPrefix(status(got), "HTTP/1.1 413") || !strings.Contains(got, "own words: over 64") {
		t.Errorf("a body over max: %q", got)
	}
	// A client still writing a body over the limit reads the 413, not a
	// connection reset (what is left is read and discarded); one that
	// declares too much and sends nothing gets it within drainWait.
	resp, err := http.Post("http://"+addr+"/", "text/plain", strings.NewReader(strings.Repeat("z", 4*64)))
	if err != nil {
		t.Fatalf("a body of 4×max from an HTTP client: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a body of 4×max from an HTTP client: %d", resp.StatusCode)
	}
	start := time.Now()
	if got := raw(t, addr, "", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\n\r\n"); !strings.HasPrefix(status(got), "HTTP/1.1 413") || time.Since(start) > drainWait+time.Second/2 {
		t.Errorf("a body declared too large and never sent: %q after %s", got, time.Since(start))
	}
	if got := raw(t, addr, "", "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); !strings.Contains(got, `buffered=false "" read=""`) {
		t.Errorf("no body: %q", got)
	}
	// Two held bodies of 64 bytes take the whole budget of 128: a third
	// waits BudgetWait, then is refused busy, holding nothing.
	done := make(chan string, 2)
	for range 2 {
		go func() { done <- post("/hold", strings.Repeat("h", 64)) }()
		<-held
	}
	if got := post("/", strings.Repeat("y", 64)); !strings.HasPrefix(status(got), "HTTP/1.1 503") {
		t.Errorf("a body past the budget: %q", got)
	}
	close(hold)
	for range 2 {
		if got := <-done; !strings.Contains(got, "buffered=true") {
			t.Errorf("a held body: %q", got)
		}
	}
	if st := lim.Stats(); st.Busy != 1 || st.TooLarge != 3 {
		t.Errorf("stats: busy %d, too large %d; want 1 and 3", st.Busy, st.TooLarge)
	}
}

// A body that does not arrive within BodyTimeout is the caller's to
// answer (IsTimeout), and one cut short too (a read error).
func TestBufferSlowBody(t *testing.T) {
	lim := New(Config{BodyTimeout: 200 * time.Millisecond})
	addr := serve(t, lim, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		release, err := lim.Buffer(w, r, 1024)
		defer release()
		switch {
		case IsTimeout(err):
			Refuse(w, http.StatusRequestTimeout, "slow")
		case err != nil:
			Refuse(w, http.StatusBadRequest, err.Error())
		default:
			t.Errorf("the handler ran with a body that never arrived whole")
		}
	}))
	start := time.Now()
	got := raw(t, addr, "", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab")
	if !strings.HasPrefix(status(got), "HTTP/1.1 408") || time.Since(start) > 1500*time.Millisecond {
		t.Errorf("a body slower than BodyTimeout: %q after %s", got, time.Since(start))
	}
}

// Methods whose handlers read no body: a body on GET is read and dropped
// holding no budget (two held GETs with bodies, as event streams held,
// leave the whole budget to a POST), and one over max on GET or DELETE is
// the caller's 413 (a DELETE's handler acted on the request and answered
// 204). A body declared over max with Expect: 100-continue is refused
// without asking for it, and a chunked body larger than the whole budget
// is too large, not a wait for budget that can never be free.
func TestBufferMethodsAndLimits(t *testing.T) {
	lim := New(Config{MaxBody: 64, BodyBudget: 128, BudgetWait: 100 * time.Millisecond})
	held := make(chan struct{})
	hold := make(chan struct{})
	var ran atomic.Int64
	addr := serve(t, lim, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		max := int64(64)
		if r.URL.Path == "/whole" {
			max = 128
		}
		release, err := lim.Buffer(w, r, max)
		defer release()
		switch {
		case IsBusy(err):
			Refuse(w, http.StatusServiceUnavailable, "busy")
			return
		case IsTooLarge(err):
			Refuse(w, http.StatusRequestEntityTooLarge, "caller: too large")
			return
		case err != nil:
			Refuse(w, http.StatusBadRequest, err.Error())
			return
		}
		ran.Add(1)
		all, err := io.ReadAll(r.Body)
		if IsTooLarge(err) {
			Refuse(w, http.StatusRequestEntityTooLarge, "handler: too large")
			return
		}
		if r.URL.Path == "/hold" {
			held <- struct{}{}
			<-hold
		}
		fmt.Fprintf(w, "%s read=%d", r.Method, len(all))
	}))
	send := func(method, path, body string) string {
		return raw(t, addr, "", fmt.Sprintf("%s %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", method, path, len(body), body))
	}
	done := make(chan string, 2)
	for range 2 {
		go func() { done <- send("GET", "/hold", strings.Repeat("g", 64)) }()
		<-held
	}
	if got := send("POST", "/", strings.Repeat("p", 64)); !strings.Contains(got, "POST read=64") {
		t.Errorf("a POST while two GETs with bodies are held: %q", got)
	}
	close(hold)
	for range 2 {
		if got := <-done; !strings.Contains(got, "GET read=0") {
			t.Errorf("a GET with a body: %q", got)
		}
	}
	before := ran.Load()
	for _, m := range []string{"DELETE", "GET"} {
		if got := send(m, "/", strings.Repeat("d", 65)); !strings.HasPrefix(status(got), "HTTP/1.1 413") || !strings.Contains(got, "caller: too large") {
			t.Errorf("%s with a body over max: %q", m, got)
		}
	}
	if ran.Load() != before {
		t.Error("a handler ran with a body over max on DELETE or GET")
	}
	c := dial(t, addr, "")
	defer c.Close()
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\nExpect: 100-continue\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	// (the answer's head is enough: the client sends no body after it)
	if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a body declared too large, expecting 100-continue: %v %v (before, 100 Continue and then the whole body was read)", resp, err)
	}
	chunked := fmt.Sprintf("POST /whole HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", 200, strings.Repeat("c", 200))
	if got := raw(t, addr, "", chunked); !strings.HasPrefix(status(got), "HTTP/1.1 413") {
		t.Errorf("a chunked body larger than the budget: %q", got)
	}
}
