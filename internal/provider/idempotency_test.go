package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestIdempotencyWrap(t *testing.T) {
	now := time.Unix(1000, 0)
	var clock sync.Mutex
	c := &Idempotency{TTL: time.Hour, Budget: 2000, Now: func() time.Time { clock.Lock(); defer clock.Unlock(); return now }}
	var calls atomic.Int32
	h := c.Wrap("t", "Idempotency-Key", func(*http.Request) string { return "cred" }, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(409)
	}, func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		b, _ := ReadBody(r)
		if string(b) == "fail" {
			w.WriteHeader(500)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(201)
		w.Write([]byte(strings.Repeat("x", int(n)) + string(b)))
	})
	do := func(key, body string) (int, string, string) {
		req := httptest.NewRequest("POST", "/p", strings.NewReader(body))
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		rec := httptest.NewRecorder()
		h(rec, req)
		return rec.Code, rec.Body.String(), rec.Header().Get("Idempotent-Replayed")
	}
	// Parallel requests with one key run the handler once.
	var wg sync.WaitGroup
	bodies := make([]string, 8)
	for i := range bodies {
		wg.Add(1)
		go func() { defer wg.Done(); _, bodies[i], _ = do("a", "b") }()
	}
	wg.Wait()
	if calls.Load() != 1 {
		t.Fatalf("the handler ran %d times for one key", calls.Load())
	}
	for _, b := range bodies {
		if b != bodies[0] {
			t.Fatalf("answers differ: %q", bodies)
		}
	}
	if code, _, replayed := do("a", "b"); code != 201 || replayed != "true" {
		t.Fatalf("replay: %d %q", code, replayed)
	}
	if code, _, _ := do("a", "other"); code != 409 {
		t.Fatalf("other body: %d", code)
	}
	if _, b, _ := do("", "b"); b != "xxb" {
		t.Fatalf("no key runs the handler: %q", b)
	}
	// Failed answers are not kept: a retry runs again.
	if code, _, _ := do("f", "fail"); code != 500 {
		t.Fatal(code)
	}
	if code, _, replayed := do("f", "fail"); code != 500 || replayed != "" || calls.Load() != 4 {
		t.Fatalf("a failure was replayed: %d %q %d", code, replayed, calls.Load())
	}
	// Expired after TTL.
	clock.Lock()
	now = now.Add(2 * time.Hour)
	clock.Unlock()
	if _, _, replayed := do("a", "b"); replayed != "" {
		t.Fatal("replayed after its TTL")
	}
	// Over the byte budget the oldest answers go.
	for _, k := range []string{"k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10", "k11", "k12", "k13", "k14"} {
		do(k, "b")
	}
	c.mu.Lock()
	size, n := c.size, len(c.entries)
	c.mu.Unlock()
	if size > 2000 || n > 4 { // (an answer costs ~600 bytes: idemEntryCost)
		t.Fatalf("kept %d bytes in %d entries over a budget of 2000", size, n)
	}
	if _, _, replayed := do("k14", "b"); replayed != "true" {
		t.Fatal("the newest answer was dropped")
	}
}

// The budget bounds the memory the kept answers take, not only their
// bodies: with Svix's libraries, which key every POST, serve's RSS grew
// by ~1.5 KB a message (bench/soak.sh) and the default 32 MiB budget held
// about 6 times that much.
func TestIdempotencyBudgetBoundsMemory(t *testing.T) {
	const budget = 4 << 20
	c := &Idempotency{Budget: budget}
	h := c.Wrap("svix", "idempotency-key", func(*http.Request) string { return "k" }, nil, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(202)
		fmt.Fprintf(w, `{"eventType":"order.created","payload":{"order":"o-1"},"id":"msg_%020d","timestamp":"2026-12-03T11:00:00Z","channels":null}`, r.ContentLength)
	})
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	const n = 60_000
	for i := range n {
		r := httptest.NewRequest("POST", "/api/v1/app/a/msg", strings.NewReader(`{"eventType":"order.created","payload":{"order":"o-1"}}`))
		r.Header.Set("idempotency-key", fmt.Sprintf("auto_%032d", i))
		h(httptest.NewRecorder(), r)
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	grew := int64(ms.HeapAlloc) - int64(before)
	c.mu.Lock()
	kept := len(c.entries)
	c.mu.Unlock()
	t.Logf("%d answers kept in %.1f MB of heap (budget %d MiB)", kept, float64(grew)/(1<<20), budget>>20)
	if grew > 2*budget {
		t.Fatalf("%d answers kept take %.1f MB of heap, %.1f times the %d MiB budget", kept, float64(grew)/(1<<20), float64(grew)/budget, budget>>20)
	}
}

// A retry that waited on a first request with the same key, which then
// failed, keeps its successful answer where the next retry finds it: the
// create runs once. Before, the waiter stored its answer in the entry the
// failure had dropped from the cache, a third request ran the create again,
// and the cache counted the orphan's bytes.
func TestIdempotencyRetryAfterFailedFirst(t *testing.T) {
	c := &Idempotency{}
	var runs atomic.Int32
	gate := make(chan struct{})
	started := make(chan struct{})
	h := c.Wrap("s", "Idempotency-Key", func(*http.Request) string { return "cred" },
		func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusConflict) },
		func(w http.ResponseWriter, r *http.Request) {
			b, _ := ReadBody(r)
			if string(b) == "bad" {
				close(started)
				<-gate
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			runs.Add(1)
			w.WriteHeader(http.StatusOK)
			w.Write([]byte("created"))
		})
	do := func(body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(body))
		req.Header.Set("Idempotency-Key", "K")
		rec := httptest.NewRecorder()
		h(rec, req)
		return rec
	}
	first := make(chan int)
	go func() { first <- do("bad").Code }()
	<-started
	second := make(chan int)
	go func() { second <- do("good").Code }()
	// Give the retry time to park on the first request's entry lock
	// (were it late, it would find no entry and the test pass anyway).
	time.Sleep(50 * time.Millisecond)
	close(gate)
	if got := <-first; got != http.StatusInternalServerError {
		t.Fatalf("first: %d", got)
	}
	if got := <-second; got != http.StatusOK {
		t.Fatalf("retry: %d", got)
	}
	third := do("good")
	if third.Code != http.StatusOK || third.Header().Get("Idempotent-Replayed") != "true" || runs.Load() != 1 {
		t.Fatalf("third: %d replayed=%q; the create ran %d times, want once and replayed", third.Code, third.Header().Get("Idempotent-Replayed"), runs.Load())
	}
	if len(c.entries) != 1 || c.size != idemEntryCost("s\x00cred\x00K", c.entries["s\x00cred\x00K"]) {
		t.Fatalf("cache: %d entries, %d bytes counted", len(c.entries), c.size)
	}
}
