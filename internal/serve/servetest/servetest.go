// Package servetest runs a real `hookctl serve` server (SQLite store in a
// temp dir, in-process worker, a real listener on 127.0.0.1) and a real
// receiver for tests of the provider APIs, and compares answers with
// golden JSON shapes.
package servetest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Env is a running server and a receiver.
type Env struct {
	T      testing.TB
	Store  store.Store
	Server *serve.Server
	URL    string
	Recv   *Receiver
}

// Start runs a server over a fresh SQLite store; opt may change its
// options before it starts.
func Start(t testing.TB, opt func(*serve.Options)) *Env {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	return StartWith(t, st, opt)
}

// StartWith runs a server over st (closed at the end of the test).
func StartWith(t testing.TB, st store.Store, opt func(*serve.Options)) *Env {
	t.Helper()
	ctx := context.Background()
	o := serve.Options{Port: 0, Store: st, Version: "test", Timeout: 5 * time.Second,
		Schedule: delivery.Schedule{0, 50 * time.Millisecond, 100 * time.Millisecond}}
	if opt != nil {
		opt(&o)
	}
	s, err := serve.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	e := &Env{T: t, Store: st, Server: s, URL: s.URL(), Recv: NewReceiver(t)}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(sctx)
		st.Close()
	})
	return e
}

// Do sends a request (body may be a string, []byte or a value for JSON;
// a "Host" header names the Host sent) and returns the status and body.
// A request to Mambu's API v2 (/api/communications/) accepts
// MambuV2Accept, as every v2 client must, unless header says otherwise
// ("Accept": "" sends none).
func (e *Env) Do(method, path string, header map[string]string, body any) (int, []byte) {
	e.T.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.T.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.URL+path, r)
	if err != nil {
		e.T.Fatal(err)
	}
	if strings.HasPrefix(path, "/api/communications/") {
		req.Header.Set("Accept", MambuV2Accept)
	}
	for k, v := range header {
		if strings.EqualFold(k, "Host") {
			req.Host = v // Go sends req.Host, not a Host header
			continue
		}
		if v == "" && strings.EqualFold(k, "Accept") {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// MambuV2Accept is the Accept header of Mambu API v2 requests.
const MambuV2Accept = "application/vnd.mambu.v2+json"

// Received is one request the receiver got.
type Received struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// Receiver is a webhook receiver answering Status (200 by default).
type Receiver struct {
	URL    string
	mu     sync.Mutex
	status int
	got    []Received
	ch     chan Received
}

// NewReceiver starts a receiver on 127.0.0.1.
func NewReceiver(t testing.TB) *Receiver {
	r := &Receiver{status: 200, ch: make(chan Received, 1000)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		rec := Received{Method: req.Method, Path: req.URL.Path, Header: req.Header.Clone(), Body: b}
		r.mu.Lock()
		r.got = append(r.got, rec)
		status := r.status
		r.mu.Unlock()
		r.ch <- rec
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

// SetStatus changes the status the receiver answers.
func (r *Receiver) SetStatus(s int) {
	r.mu.Lock()
	r.status = s
	r.mu.Unlock()
}

// Next waits for the next request.
func (r *Receiver) Next(t testing.TB, within time.Duration) Received {
	t.Helper()
	select {
	case rec := <-r.ch:
		return rec
	case <-time.After(within):
		t.Fatalf("no delivery arrived within %s", within)
	}
	return Received{}
}

// Drain takes the requests received and not yet taken by Next, without
// waiting.
func (r *Receiver) Drain() []Received {
	var out []Received
	for {
		select {
		case rec := <-r.ch:
			out = append(out, rec)
		default:
			return out
		}
	}
}

// None asserts that nothing arrives for d.
func (r *Receiver) None(t testing.TB, d time.Duration) {
	t.Helper()
	select {
	case rec := <-r.ch:
		t.Fatalf("unexpected delivery: %s %s %s", rec.Method, rec.Path, rec.Body)
	case <-time.After(d):
	}
}

// Shape replaces every scalar of a JSON document by its type ("<string>",
// "<number>", "<bool>", null) and keeps one element of each array, so a
// golden file pins field names and types, not values.
func Shape(t testing.TB, b []byte) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(shape(v)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func shape(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := map[string]any{}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			m[k] = shape(x[k])
		}
		return m
	case []any:
		if len(x) == 0 {
			return []any{}
		}
		return []any{shape(x[0])}
	case string:
		return "<string>"
	case float64:
		return "<number>"
	case bool:
		return "<bool>"
	}
	return nil
}

// Golden compares the shape of got with testdata/NAME.json (rewritten
// with -update).
func Golden(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".json")
	sh := Shape(t, got)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, sh, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, sh) {
		t.Errorf("shape of %s changed:\n--- want\n%s\n--- got\n%s\n(answer: %s)", name, want, sh, got)
	}
}

// JSON decodes b into a map (fails the test otherwise).
func JSON(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, b)
	}
	return m
}
