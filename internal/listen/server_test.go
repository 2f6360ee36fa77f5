package listen

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/httplimit"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/testutil/freeport"
)

// hexScheme is a tiny HMAC scheme for tests that must not depend on the
// real registry: X-Test-Signature = hex(HMAC-SHA256(secret, body)).
type hexScheme struct{}

func (hexScheme) Name() string { return "testhex" }
func (hexScheme) Sign(in signature.SignInput) (http.Header, error) {
	m := hmac.New(sha256.New, []byte(in.Secrets[0]))
	m.Write(in.Body)
	return http.Header{"X-Test-Signature": {hex.EncodeToString(m.Sum(nil))}, "Webhook-Id": {in.ID}}, nil
}
func (hexScheme) Verify(in signature.VerifyInput) error {
	got := in.Header.Get("X-Test-Signature")
	if got == "" {
		return &signature.VerifyError{Reason: signature.ReasonMissingHeader, Scheme: "testhex", Msg: `missing header "X-Test-Signature"`}
	}
	for _, s := range in.Secrets {
		m := hmac.New(sha256.New, []byte(s))
		m.Write(in.Body)
		if hmac.Equal([]byte(hex.EncodeToString(m.Sum(nil))), []byte(got)) {
			return nil
		}
	}
	return &signature.VerifyError{Reason: signature.ReasonNoMatch, Scheme: "testhex", Msg: "no signature matches"}
}

func sign(t *testing.T, req *http.Request, secret, id string, body []byte) {
	t.Helper()
	h, err := hexScheme{}.Sign(signature.SignInput{Secrets: []string{secret}, ID: id, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
}

type seenReq struct {
	method, uri string
	header      http.Header
	body        []byte
}

// app records what it receives and answers with status/headers/body.
func app(t *testing.T, status int) (*httptest.Server, func() []seenReq) {
	var mu sync.Mutex
	var got []seenReq
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seenReq{r.Method, r.RequestURI, r.Header.Clone(), b})
		mu.Unlock()
		w.Header().Set("X-App", "yes")
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(status)
		io.WriteString(w, "app says hi")
	}))
	t.Cleanup(srv.Close)
	return srv, func() []seenReq { mu.Lock(); defer mu.Unlock(); return append([]seenReq(nil), got...) }
}

func newTestServer(t *testing.T, target string, mod func(*Config)) (*Server, *bytes.Buffer, *Logger) {
	t.Helper()
	var out bytes.Buffer
	log := NewLogger(&out, true)
	cfg := Config{SchemeImpl: hexScheme{}, Secrets: []string{"s3cret"}, Log: log, Timeout: 2 * time.Second,
		Now: func() time.Time { return time.Date(2026, 11, 23, 10, 4, 12, 0, time.UTC) }}
	if target != "" {
		u, err := NormalizeTarget(target)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Target = u
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, &out, log
}

func logLines(t *testing.T, log *Logger, out *bytes.Buffer) []LogLine {
	t.Helper()
	log.Close()
	var lines []LogLine
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if l == "" {
			continue
		}
		var ll LogLine
		if err := json.Unmarshal([]byte(l), &ll); err != nil {
			t.Fatalf("not a JSON line: %q: %v", l, err)
		}
		lines = append(lines, ll)
	}
	return lines
}

func TestForwardByteForByte(t *testing.T) {
	a, got := app(t, 201)
	s, out, log := newTestServer(t, a.URL+"/webhooks?from=target", func(c *Config) {
		c.Headers = http.Header{"Authorization": {"Bearer dev"}}
	})
	front := httptest.NewServer(s)
	defer front.Close()

	body := []byte(`{"event":"card.created",  "amount": 12.50 ,"x":"é"}`)
	req, _ := http.NewRequest("POST", front.URL+"/stripe?a=1&b=two", bytes.NewReader(body))
	sign(t, req, "s3cret", "evt_1", body)
	req.Header.Set("Connection", "keep-alive, X-Drop-Me")
	req.Header.Set("X-Drop-Me", "hop")
	req.Header.Set("Keep-Alive", "timeout=5")
	req.Header.Set("X-Custom", "kept")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 || string(rb) != "app says hi" || resp.Header.Get("X-App") != "yes" {
		t.Fatalf("sender got %d %q %v, want the app's answer", resp.StatusCode, rb, resp.Header)
	}
	reqs := got()
	if len(reqs) != 1 {
		t.Fatalf("app got %d requests", len(reqs))
	}
	r := reqs[0]
	if !bytes.Equal(r.body, body) {
		t.Errorf("body changed: %q", r.body)
	}
	if r.uri != "/webhooks/stripe?from=target&a=1&b=two" {
		t.Errorf("uri = %q", r.uri)
	}
	for _, h := range []string{"X-Drop-Me", "Keep-Alive"} {
		if r.header.Get(h) != "" {
			t.Errorf("hop-by-hop header %s forwarded", h)
		}
	}
	if r.header.Get("X-Custom") != "kept" || r.header.Get("X-Test-Signature") == "" || r.header.Get("Authorization") != "Bearer dev" {
		t.Errorf("headers not forwarded: %v", r.header)
	}
	if r.header.Get("X-Forwarded-For") != "127.0.0.1" || r.header.Get("X-Forwarded-Proto") != "http" || r.header.Get("X-Forwarded-Host") == "" {
		t.Errorf("X-Forwarded-* missing: %v", r.header)
	}
	if ua := r.header.Get("User-Agent"); ua != "Go-http-client/1.1" {
		t.Errorf("User-Agent = %q, want the sender's", ua)
	}
	lines := logLines(t, log, out)
	if len(lines) != 2 || lines[0].Kind != KindEvent || lines[0].EventID != "evt_1" || lines[0].EventType != "card.created" ||
		lines[1].Kind != KindForward || lines[1].Status != 201 || lines[1].URL != a.URL+"/webhooks/stripe?from=target&a=1&b=two" {
		t.Fatalf("log = %+v", lines)
	}
	if st := s.Stats(); st.Received != 1 || st.Verified != 1 || st.ForwardedOK != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestBadSignatureNeverForwarded(t *testing.T) {
	a, got := app(t, 200)
	s, out, log := newTestServer(t, a.URL, nil)
	body := []byte(`{"type":"payment.succeeded","id":"evt_2"}`)
	for _, tc := range []struct{ name, reason string }{{"tampered", "no signature matches"}, {"missing", `missing header "X-Test-Signature"`}} {
		req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		if tc.name == "tampered" {
			sign(t, req, "s3cret", "evt_2", []byte(`{"type":"payment.succeeded","id":"evt_3"}`))
		}
		rw := httptest.NewRecorder()
		s.ServeHTTP(rw, req)
		if rw.Code != 401 {
			t.Fatalf("%s: status %d", tc.name, rw.Code)
		}
		var e map[string]string
		if err := json.Unmarshal(rw.Body.Bytes(), &e); err != nil || e["error"] != "invalid signature" || e["reason"] != tc.reason {
			t.Fatalf("%s: body %s", tc.name, rw.Body)
		}
	}
	if n := len(got()); n != 0 {
		t.Fatalf("app got %d requests", n)
	}
	lines := logLines(t, log, out)
	if len(lines) != 2 || lines[0].Kind != KindRejected || lines[0].Reason != "no signature matches" || lines[0].EventID != "evt_2" {
		t.Fatalf("log = %+v", lines)
	}
	if st := s.Stats(); st.Rejected != 2 || st.Verified != 0 {
		t.Errorf("stats = %+v", st)
	}
}

func TestAppDownIs502ThenUp(t *testing.T) {
	addr := "127.0.0.1:" + freeport.Must(t)
	s, out, log := newTestServer(t, addr, nil)
	body := []byte(`{"id":"evt_down","type":"x.y"}`)
	send := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		sign(t, req, "s3cret", "", body)
		rw := httptest.NewRecorder()
		s.ServeHTTP(rw, req)
		return rw
	}
	rw := send()
	if rw.Code != 502 || !strings.Contains(rw.Body.String(), "connection refused") {
		t.Fatalf("got %d %s", rw.Code, rw.Body)
	}
	ln2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port reused meanwhile: %v", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })}
	go srv.Serve(ln2)
	defer srv.Close()
	if rw := send(); rw.Code != 204 {
		t.Fatalf("after the app is up: %d %s", rw.Code, rw.Body)
	}
	lines := logLines(t, log, out)
	if len(lines) != 4 || lines[1].Status != 502 || lines[1].Error == "" || !lines[2].Retry || lines[3].Status != 204 {
		t.Fatalf("log = %+v", lines)
	}
}

func TestDuplicateFlaggedAndForwarded(t *testing.T) {
	a, got := app(t, 200)
	s, out, log := newTestServer(t, a.URL, nil)
	body := []byte(`{"id":"evt_dup","type":"a.b"}`)
	for i := 0; i < 2; i++ {
		req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		sign(t, req, "s3cret", "", body)
		rw := httptest.NewRecorder()
		s.ServeHTTP(rw, req)
		if rw.Code != 200 {
			t.Fatal(rw.Code)
		}
	}
	if len(got()) != 2 {
		t.Fatal("duplicate not forwarded")
	}
	lines := logLines(t, log, out)
	if lines[0].Duplicate || !lines[2].Duplicate {
		t.Fatalf("log = %+v", lines)
	}
}

func TestTooLargeAndHealthz(t *testing.T) {
	a, got := app(t, 200)
	s, _, log := newTestServer(t, a.URL, func(c *Config) { c.MaxBody = 16 })
	defer log.Close()
	front := httptest.NewServer(s)
	defer front.Close()
	for _, chunked := range []bool{false, true} {
		var rd io.Reader = strings.NewReader(strings.Repeat("x", 17))
		if chunked {
			rd = io.MultiReader(rd) // unknown length: sent chunked
		}
		resp, err := http.Post(front.URL, "application/json", rd)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 413 || !strings.Contains(string(b), "16 bytes") {
			t.Fatalf("chunked=%v: %d %s", chunked, resp.StatusCode, b)
		}
	}
	if len(got()) != 0 {
		t.Fatal("oversized body forwarded")
	}
	resp, err := http.Get(front.URL + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	hb, _ := io.ReadAll(resp.Body)
	if string(hb) != `{"status":"ok","received":2,"pending_records":0}`+"\n" {
		t.Fatalf("healthz body %q", hb)
	}
}

func TestNoForwardAnswers200(t *testing.T) {
	s, out, log := newTestServer(t, "", nil)
	body := []byte(`{"event":"card.created"}`)
	req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
	sign(t, req, "s3cret", "", body)
	rw := httptest.NewRecorder()
	s.ServeHTTP(rw, req)
	if rw.Code != 200 || !strings.Contains(rw.Body.String(), `"received":true`) {
		t.Fatalf("%d %s", rw.Code, rw.Body)
	}
	lines := logLines(t, log, out)
	if len(lines) != 1 || !strings.HasPrefix(lines[0].EventID, "rcv_") {
		t.Fatalf("log = %+v", lines)
	}
}

func TestTimeoutIs502(t *testing.T) {
	block := make(chan struct{})
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer a.Close()
	defer close(block)
	s, _, log := newTestServer(t, a.URL, func(c *Config) { c.Timeout = 100 * time.Millisecond })
	defer log.Close()
	body := []byte(`{}`)
	req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
	sign(t, req, "s3cret", "", body)
	rw := httptest.NewRecorder()
	s.ServeHTTP(rw, req)
	if rw.Code != 502 || !strings.Contains(rw.Body.String(), "did not answer within 100ms") {
		t.Fatalf("%d %s", rw.Code, rw.Body)
	}
}

func TestNormalizeTarget(t *testing.T) {
	for in, want := range map[string]string{
		"3000":                         "http://localhost:3000",
		"3000/webhooks?x=1":            "http://localhost:3000/webhooks?x=1",
		":3000":                        "http://localhost:3000",
		"localhost:3000/webhooks":      "http://localhost:3000/webhooks",
		"127.0.0.1:8080/hooks?x=1":     "http://127.0.0.1:8080/hooks?x=1",
		"https://example.test/w":       "https://example.test/w",
		"http://localhost:3000/a/b/?q": "http://localhost:3000/a/b/?q",
		"HTTP://localhost:3000/App":    "http://localhost:3000/App",
	} {
		u, err := NormalizeTarget(in)
		if err != nil || u.String() != want {
			t.Errorf("NormalizeTarget(%q) = %v, %v; want %s", in, u, err, want)
		}
	}
	for _, bad := range []string{"", "0", "70000", "ftp://x", "localhost:99999",
		// a flag taken as the value: listen --forward --help forwarded to http://--help
		"--help", "--", "-v:3000/x"} {
		if _, err := NormalizeTarget(bad); err == nil {
			t.Errorf("NormalizeTarget(%q) accepted", bad)
		}
	}
}

func TestForwardURL(t *testing.T) {
	for _, tc := range []struct{ target, path, q, want string }{
		{"3000", "/", "", "http://localhost:3000/"},
		{"localhost:3000/webhooks", "/", "", "http://localhost:3000/webhooks"},
		{"localhost:3000/webhooks", "/", "a=1", "http://localhost:3000/webhooks?a=1"},
		{"localhost:3000/webhooks/", "/bond", "", "http://localhost:3000/webhooks/bond"},
		{"localhost:3000", "/x/y", "a=%20b&c", "http://localhost:3000/x/y?a=%20b&c"},
		{"localhost:3000/w?k=v", "/p", "a=1", "http://localhost:3000/w/p?k=v&a=1"},
	} {
		u, _ := NormalizeTarget(tc.target)
		if got := forwardURL(u, tc.path, tc.q); got != tc.want {
			t.Errorf("forwardURL(%s, %s, %s) = %s, want %s", tc.target, tc.path, tc.q, got, tc.want)
		}
	}
}

func TestTextLines(t *testing.T) {
	tm := time.Date(2026, 11, 23, 10, 4, 12, 0, time.UTC)
	for _, tc := range []struct {
		line LogLine
		want string
	}{
		{LogLine{Time: tm, Kind: KindEvent, EventType: "card.created", EventID: "4f1c", Scheme: "bond", Verified: true},
			"2026-11-23 10:04:12  --> card.created [4f1c] verified (bond)\n"},
		{LogLine{Time: tm, Kind: KindForward, Status: 200, Method: "POST", URL: "http://localhost:3000/webhooks", DurationMS: 12.4},
			"2026-11-23 10:04:12  <-- [200] POST http://localhost:3000/webhooks (12 ms)\n"},
		{LogLine{Time: tm, Kind: KindRejected, EventType: "card.created", EventID: "4f1c", Scheme: "bond", Reason: "no signature matches"},
			"2026-11-23 10:04:12  --> card.created [4f1c] rejected (bond): no signature matches\n"},
		{LogLine{Time: tm, Kind: KindEvent, EventType: "a.b", EventID: "e", Scheme: "stripe", Verified: true, Duplicate: true},
			"2026-11-23 10:04:12  --> a.b [e] verified (stripe) duplicate\n"},
		{LogLine{Time: tm, Kind: KindForward, Status: 502, Method: "POST", URL: "http://x/", DurationMS: 1.25, Error: "connection refused"},
			"2026-11-23 10:04:12  <-- [502] POST http://x/ (1.2 ms) connection refused\n"},
		// Refused before its id was known: the terminal shows "-" (-o json leaves event_id out).
		{LogLine{Time: tm, Kind: KindRejected, Reason: "the body is larger than 64 bytes (--max-body)"},
			"2026-11-23 10:04:12  --> (unknown type) [-] rejected: the body is larger than 64 bytes (--max-body)\n"},
	} {
		if got := string(AppendText(nil, tc.line, time.UTC)); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	tm := time.Date(2026, 11, 23, 10, 4, 12, 123456789, time.FixedZone("X", 3600))
	for _, l := range []LogLine{
		{Time: tm, Kind: KindEvent, EventID: "e\"1", EventType: "card.created", Provider: "bond", Scheme: "bond", Verified: true, Duplicate: true},
		{Time: tm, Kind: KindForward, Method: "POST", URL: "http://x/?a=1&b=<2>", Status: 502, DurationMS: 0.125, Error: "bad\n\x01\xff é", DeliveryID: "d-1"},
		{Time: tm, Kind: KindRejected, Reason: "tab\there", Retry: true},
	} {
		want, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		got := AppendJSON(nil, l)
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatalf("invalid JSON %s: %v", got, err)
		}
		json.Unmarshal(want, &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
}

// The default transport (the lean h1 one for http:// targets) keeps one
// connection to the app alive across forwards and adds no User-Agent of
// its own.
func TestForwardReusesConnection(t *testing.T) {
	var mu sync.Mutex
	conns := 0
	var uas []string
	a := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		uas = append(uas, strings.Join(r.Header["User-Agent"], ","))
		mu.Unlock()
		io.WriteString(w, "ok")
	}))
	a.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			mu.Lock()
			conns++
			mu.Unlock()
		}
	}
	a.Start()
	defer a.Close()
	s, _, log := newTestServer(t, a.URL+"/webhooks", nil)
	defer log.Close()
	for i := range 20 {
		body := []byte(`{"type":"x","n":` + string(rune('0'+i%10)) + `}`)
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.RemoteAddr = "127.0.0.1:1234"
		sign(t, req, "s3cret", "evt_"+string(rune('a'+i)), body)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != 200 || w.Body.String() != "ok" {
			t.Fatalf("forward %d: %d %q", i, w.Code, w.Body.String())
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if conns != 1 {
		t.Errorf("20 forwards used %d connections to the app, want 1 (kept alive)", conns)
	}
	for _, ua := range uas {
		if ua != "" {
			t.Fatalf("forward carried User-Agent %q, the sender sent none", ua)
		}
	}
}

// The app closes a kept-alive connection while it is idle in the pool:
// the next forward is sent once more on a fresh connection, and a long
// answer streams through whole.
func TestForwardAfterAppClosedIdleConnection(t *testing.T) {
	long := strings.Repeat("z", 3<<20) // longer than the answer listen holds
	var mu sync.Mutex
	n := 0
	a := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		n++
		mu.Unlock()
		if r.URL.Query().Get("long") != "" {
			io.WriteString(w, long)
			return
		}
		io.WriteString(w, "ok")
	}))
	a.Config.IdleTimeout = 30 * time.Millisecond
	var closed atomic.Int32
	a.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateClosed {
			closed.Add(1)
		}
	}
	a.Start()
	defer a.Close()
	s, _, log := newTestServer(t, a.URL+"/webhooks", nil)
	defer log.Close()
	front := httptest.NewServer(s)
	defer front.Close()
	for i, q := range []string{"", "", "?long=1"} {
		// The app drops the idle connection of the forward before.
		for deadline := time.Now().Add(10 * time.Second); int(closed.Load()) < i; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the app closed %d idle connections in 10s, want %d", closed.Load(), i)
			}
		}
		body := []byte(`{"type":"x","i":` + strconv.Itoa(i) + `}`)
		req, _ := http.NewRequest(http.MethodPost, front.URL+"/"+q, bytes.NewReader(body))
		sign(t, req, "s3cret", "evt_idle_"+strconv.Itoa(i), body)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := "ok"
		if q != "" {
			want = long
		}
		if resp.StatusCode != 200 || string(got) != want {
			t.Fatalf("forward %d: %d, %d bytes", i, resp.StatusCode, len(got))
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if n != 3 {
		t.Fatalf("app got %d requests, want 3 (each exactly once)", n)
	}
}

// A request signed with a --secret (a real provider's) but stale is
// rejected as stale, the precise reason, not as 'no matching signature'
// (the subscription's secret's failure), which sent the user looking for
// a wrong secret or a changed body.
func TestProviderSecretStaleSaysStale(t *testing.T) {
	stripe, err := signature.Lookup("stripe")
	if err != nil {
		t.Fatal(err)
	}
	s, out, log := newTestServer(t, "", func(c *Config) {
		c.SchemeImpl = stripe
		c.Secrets = []string{"whsec_subscription"}
		c.ProviderSecrets = []string{"whsec_other", "whsec_dashboard"}
	})
	now := time.Date(2026, 11, 23, 10, 4, 12, 0, time.UTC)
	body := []byte(`{"id":"evt_1","object":"event","type":"charge.succeeded"}`)
	for _, tc := range []struct {
		name, secret string
		at           time.Time
		status       int
		code         string
	}{
		{"stale", "whsec_dashboard", now.Add(-10 * time.Minute), 401, "timestamp_too_old"},
		{"fresh", "whsec_dashboard", now.Add(-10 * time.Second), 200, ""},
		{"unknown secret", "whsec_nobody", now.Add(-10 * time.Minute), 401, "no_matching_signature"},
	} {
		h, err := stripe.Sign(signature.SignInput{Secrets: []string{tc.secret}, Timestamp: tc.at, Body: body})
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		for k, v := range h {
			req.Header[k] = v
		}
		rw := httptest.NewRecorder()
		s.ServeHTTP(rw, req)
		if rw.Code != tc.status {
			t.Fatalf("%s: status %d: %s", tc.name, rw.Code, rw.Body)
		}
		if tc.code != "" {
			var e map[string]string
			if err := json.Unmarshal(rw.Body.Bytes(), &e); err != nil || e["code"] != tc.code {
				t.Errorf("%s: body %s, want code %s", tc.name, rw.Body, tc.code)
			}
		}
	}
	lines := logLines(t, log, out)
	if len(lines) != 3 || !strings.HasPrefix(lines[0].Reason, "timestamp too old: signed 10m ago") {
		t.Errorf("log = %+v", lines)
	}
}

// The 502 reasons say what the developer can do: an app that closed the
// connection without answering says so (not "unexpected EOF"), and an
// https app whose certificate is not trusted (a self-signed local one)
// names --skip-verify.
func TestForwardErrorsSayWhatToDo(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { // reads the request, then hangs up without a word
				b := make([]byte, 4096)
				c.Read(b)
				c.Close()
			}()
		}
	}()
	tlsApp := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer tlsApp.Close()
	for _, tc := range []struct{ target, want string }{
		{"http://" + ln.Addr().String(), "the app closed the connection without an HTTP answer"},
		{tlsApp.URL, "--skip-verify"},
	} {
		s, _, log := newTestServer(t, tc.target, nil)
		body := []byte(`{}`)
		req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		sign(t, req, "s3cret", "", body)
		rw := httptest.NewRecorder()
		s.ServeHTTP(rw, req)
		log.Close()
		if rw.Code != 502 || !strings.Contains(rw.Body.String(), tc.want) {
			t.Errorf("%s: got %d %s, want a reason with %q", tc.target, rw.Code, rw.Body, tc.want)
		}
	}
}

// Behind a tunnel (ngrok, cloudflared) the sender's request already says
// where it was first received: the public host and https. The app gets
// those, not listen's own 127.0.0.1 and http (an app building URLs, or
// verifying a signature over its public URL, needs them); X-Forwarded-For
// grows by one hop.
func TestForwardKeepsTunnelForwardedHeaders(t *testing.T) {
	a, got := app(t, 200)
	s, _, log := newTestServer(t, a.URL, nil)
	defer log.Close()
	front := httptest.NewServer(s)
	defer front.Close()
	body := []byte(`{"type":"card.created"}`)
	req, _ := http.NewRequest("POST", front.URL+"/", bytes.NewReader(body))
	sign(t, req, "s3cret", "evt_tunnel", body)
	req.Header.Set("X-Forwarded-For", "203.0.113.7")
	req.Header.Set("X-Forwarded-Host", "abc123.ngrok-free.app")
	req.Header.Set("X-Forwarded-Proto", "https")
	expect(t, req, 200)
	reqs := got()
	if len(reqs) != 1 {
		t.Fatalf("app got %d requests", len(reqs))
	}
	h := reqs[0].header
	if h.Get("X-Forwarded-Host") != "abc123.ngrok-free.app" || h.Get("X-Forwarded-Proto") != "https" || h.Get("X-Forwarded-For") != "203.0.113.7, 127.0.0.1" {
		t.Errorf("X-Forwarded-* = %q %q %q, want the tunnel's host and proto and one more hop",
			h.Values("X-Forwarded-Host"), h.Values("X-Forwarded-Proto"), h.Values("X-Forwarded-For"))
	}
}

// --header 'Host: …' sets the Host the app sees (an app routing tenants
// by host name), and a --header given twice for one name sends both
// values; the first was ignored and the second dropped all but the last.
func TestForwardHeaderHostAndRepeated(t *testing.T) {
	var mu sync.Mutex
	var host string
	var xa []string
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		host, xa = r.Host, r.Header.Values("X-A")
		mu.Unlock()
	}))
	defer a.Close()
	s, _, log := newTestServer(t, a.URL+"/hooks", func(c *Config) {
		c.Headers = http.Header{"Host": {"tenant1.myapp.test"}, "X-A": {"1", "2"}}
	})
	defer log.Close()
	front := httptest.NewServer(s)
	defer front.Close()
	body := []byte(`{"type":"card.created"}`)
	req, _ := http.NewRequest("POST", front.URL+"/", bytes.NewReader(body))
	sign(t, req, "s3cret", "evt_host", body)
	req.Header.Set("X-A", "from the sender")
	expect(t, req, 200)
	mu.Lock()
	defer mu.Unlock()
	if host != "tenant1.myapp.test" {
		t.Errorf("the app saw Host %q, want the --header's", host)
	}
	if !reflect.DeepEqual(xa, []string{"1", "2"}) {
		t.Errorf("the app saw X-A %q, want both --header values (in place of the sender's)", xa)
	}
}

// TargetDown names a forward target on this machine where nothing
// listens, and stays quiet when something does or when the target is
// elsewhere (never probed).
func TestTargetDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	up := ln.Addr().String()
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := dead.Addr().String()
	dead.Close()
	defer ln.Close()
	for _, tc := range []struct{ target, want string }{
		{"http://" + up + "/webhooks", ""},
		{"http://" + down + "/webhooks", "nothing listens at " + down + " yet: events get 502 until your app starts there (then resend them: hookctl replay --failed --yes)"},
		{"http://app.invalid:1/webhooks", ""}, // not on this machine: not probed
	} {
		u, err := NormalizeTarget(tc.target)
		if err != nil {
			t.Fatal(err)
		}
		if got := TargetDown(u); got != tc.want {
			t.Errorf("TargetDown(%s) = %q, want %q", tc.target, got, tc.want)
		}
	}
	if TargetDown(nil) != "" {
		t.Error("no target: want no hint")
	}
}

// A sender still writing a body over the limit reads the 413 instead of a
// connection reset: what is left of the body (up to 4× the limit, for at
// most a second) is read and discarded, never held. The client writes the
// whole body before it reads, as Python's urllib and most providers' do
// (no Expect: 100-continue); closing a socket with unread bytes resets
// it, and such a client then saw "connection reset by peer".
func TestTooLargeIsAnsweredNotReset(t *testing.T) {
	a, got := app(t, 200)
	const limit = 2 << 20
	lim := httplimit.New(httplimit.Config{MaxBody: limit})
	s, _, log := newTestServer(t, a.URL, func(c *Config) { c.MaxBody, c.Limits = limit, lim })
	defer log.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fs := lim.FastServer(s)
	go fs.Serve(ln)
	defer fs.Close()
	// More than the socket buffers hold: the client is still writing when
	// the server answers.
	body := bytes.Repeat([]byte("x"), 4*limit)
	for i := range 3 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.(*net.TCPConn).SetWriteBuffer(64 << 10)
		fmt.Fprintf(c, "POST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
		_, werr := c.Write(body)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, rerr := http.ReadResponse(bufio.NewReader(c), nil)
		c.Close()
		if werr != nil || rerr != nil || resp.StatusCode != 413 {
			t.Fatalf("round %d: an 8 MiB body against a 2 MiB limit: write %v, read %v, %v", i, werr, rerr, resp)
		}
	}
	if len(got()) != 0 {
		t.Fatal("oversized body forwarded")
	}
}

// TestForwardsToItself: a target on listen's own port on this machine is
// listen itself; another port, another host or https is not.
func TestForwardsToItself(t *testing.T) {
	for _, tc := range []struct {
		target, host string
		port         int
		want         bool
	}{
		{"8787", "127.0.0.1", 8787, true},
		{"localhost:8787/webhooks", "127.0.0.1", 8787, true},
		{"http://127.0.0.1:8787", "127.0.0.1", 8787, true},
		{"http://[::1]:8787", "127.0.0.1", 8787, true},
		{"http://LOCALHOST:8787", "0.0.0.0", 8787, true},
		{"http://192.168.1.5:8787", "192.168.1.5", 8787, true},
		{"http://localhost", "127.0.0.1", 80, true},
		{"3000", "127.0.0.1", 8787, false},
		{"http://192.168.1.5:8787", "127.0.0.1", 8787, false},
		{"http://localhost:8787", "192.168.1.5", 8787, false},
		{"https://localhost:8787", "127.0.0.1", 8787, false},
		{"8787", "127.0.0.1", 0, false},
	} {
		u, err := NormalizeTarget(tc.target)
		if err != nil {
			t.Fatal(err)
		}
		if got := ForwardsToItself(u, tc.host, tc.port); got != tc.want {
			t.Errorf("ForwardsToItself(%s, %s:%d) = %v, want %v", tc.target, tc.host, tc.port, got, tc.want)
		}
	}
}

// A provider's User-Agent followed by hookctl's (trigger, replay, check's
// probes) is hookctl's request, not the provider's.
func TestSenderOf(t *testing.T) {
	for ua, want := range map[string]string{
		"Stripe/1.0 (+https://stripe.com/docs/webhooks)":             "stripe",
		"GitHub-Hookshot/044aadd":                                    "github",
		"Stripe/1.0 (+https://stripe.com/docs/webhooks) hookctl/dev": "",
		"GitHub-Hookshot/044aadd hookctl/1.4.0":                      "",
		"hookctl/1.4.0":                                              "",
		"curl/8.5.0":                                                 "",
	} {
		got := ""
		if s := SenderOf(ua); s != nil {
			got = s.Provider
		}
		if got != want {
			t.Errorf("SenderOf(%q) = %q, want %q", ua, got, want)
		}
	}
}

// Two listens forwarding to each other (A → B → A) ended only when the
// connection limits ran out: every hop was a new request to the other,
// hundreds of them, each verified (the same --secret) and forwarded on.
// Each listen adds its own Via entry to what it forwards, and refuses a
// request that already carries it: 508, recorded as rejected, never
// forwarded again. The forwarded body and the sender's headers are
// untouched (B verified A's forward with the same signature).
func TestForwardLoopRefused(t *testing.T) {
	lnA, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lnB, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a, outA, logA := newTestServer(t, "http://"+lnB.Addr().String()+"/hook", nil)
	b, outB, logB := newTestServer(t, "http://"+lnA.Addr().String()+"/hook", nil)
	for _, p := range []struct {
		ln net.Listener
		h  http.Handler
	}{{lnA, a}, {lnB, b}} {
		srv := &http.Server{Handler: p.h}
		go srv.Serve(p.ln)
		t.Cleanup(func() { srv.Close() })
	}

	body := []byte(`{"id":"evt_loop","type":"card.created"}`)
	req, _ := http.NewRequest("POST", "http://"+lnA.Addr().String()+"/hook", bytes.NewReader(body))
	sign(t, req, "s3cret", "evt_loop", body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusLoopDetected || !strings.Contains(string(got), `"reason":"forwarding loop: this request was already forwarded by this listen`) {
		t.Fatalf("the sender got %d %s, want 508 and the reason", resp.StatusCode, got)
	}
	if n := a.Stats().Received; n != 2 {
		t.Errorf("A received %d requests, want 2 (the sender's, then its own forward back from B)", n)
	}
	if st := b.Stats(); st.Received != 1 || st.Verified != 1 {
		t.Errorf("B: %+v, want the one request A forwarded, verified", st)
	}
	if st := a.Stats(); st.Rejected != 1 || st.Verified != 1 {
		t.Errorf("A: %+v, want 1 verified and 1 rejected", st)
	}
	var rejected *LogLine
	for _, l := range logLines(t, logA, outA) {
		if l.Kind == KindRejected {
			rejected = &l
		}
	}
	if rejected == nil || rejected.EventID != "evt_loop" || !strings.Contains(rejected.Reason, "forwarding loop") {
		t.Errorf("A's log has no rejected line for the loop: %+v", rejected)
	}
	_ = logLines(t, logB, outB)
}

// A request whose Via header says it went through MaxHops proxies or more
// is refused; one through fewer (and not through this listen) is
// forwarded with this listen's entry after the others, its body and
// signature as sent.
func TestForwardViaHops(t *testing.T) {
	appSrv, seen := app(t, 200)
	s, _, _ := newTestServer(t, appSrv.URL+"/hook", nil)
	body := []byte(`{"id":"evt_via","type":"card.created"}`)
	send := func(via []string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		req.RemoteAddr = "127.0.0.1:5000"
		sign(t, req, "s3cret", "evt_via", body)
		req.Header["Via"] = via
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		return w
	}
	if w := send([]string{"1.1 tunnel, 1.1 proxy"}); w.Code != 200 {
		t.Fatalf("through 2 proxies: %d %s", w.Code, w.Body)
	}
	g := seen()
	if len(g) != 1 {
		t.Fatalf("the app got %d requests", len(g))
	}
	via := g[0].header["Via"]
	if len(via) != 1 || !strings.HasPrefix(via[0], "1.1 tunnel, 1.1 proxy, 1.1 hookctl-") {
		t.Errorf("Via forwarded: %q, want the sender's entries then listen's", via)
	}
	if !bytes.Equal(g[0].body, body) || g[0].header.Get("X-Test-Signature") == "" {
		t.Errorf("the forward changed the body or lost the signature: %q %v", g[0].body, g[0].header)
	}
	many := make([]string, 20)
	for i := range many {
		many[i] = "1.1 p" + strconv.Itoa(i)
	}
	w := send([]string{strings.Join(many, ", ")})
	if w.Code != http.StatusLoopDetected || !strings.Contains(w.Body.String(), "already went through 20 proxies") {
		t.Errorf("through %d proxies: %d %s, want 508", 20, w.Code, w.Body)
	}
	if len(seen()) != 1 {
		t.Errorf("the refused request reached the app")
	}
	// Another listen's id is not this one's: forwarded.
	if w := send([]string{"1.1 hookctl-0000000000000000"}); w.Code != 200 {
		t.Errorf("through another listen: %d %s", w.Code, w.Body)
	}
}

// A --header 'Via: …' replaces the sender's Via entries, not this
// listen's own: it is still added after them, so a loop is still caught.
func TestForwardHeaderViaKeepsOwnEntry(t *testing.T) {
	appSrv, seen := app(t, 200)
	s, _, _ := newTestServer(t, appSrv.URL+"/hook", func(c *Config) { c.Headers = http.Header{"via": {"1.1 mine"}} })
	body := []byte(`{"id":"evt_hv","type":"card.created"}`)
	req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
	req.RemoteAddr = "127.0.0.1:5000"
	sign(t, req, "s3cret", "evt_hv", body)
	req.Header.Set("Via", "1.1 sender")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	g := seen()
	via := g[0].header["Via"]
	if len(via) != 1 || !strings.HasPrefix(via[0], "1.1 mine, 1.1 hookctl-") {
		t.Fatalf("Via forwarded: %q, want the --header's then listen's", via)
	}
	// What comes back with it is refused.
	req = httptest.NewRequest("POST", "/", bytes.NewReader(body))
	sign(t, req, "s3cret", "evt_hv", body)
	req.Header["Via"] = via
	w = httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != http.StatusLoopDetected {
		t.Errorf("the forward coming back: %d %s, want 508", w.Code, w.Body)
	}
}
