package listen

import (
	"bytes"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestForwardPath(t *testing.T) {
	for _, tc := range []struct{ target, uri, want, err string }{
		{"3000/webhooks", "/", "http://localhost:3000/webhooks", ""},
		{"3000/webhooks", "/bond", "http://localhost:3000/webhooks/bond", ""},
		{"3000/webhooks", "/a/../b", "http://localhost:3000/webhooks/b", ""},
		{"3000/webhooks", "/a/./b/", "http://localhost:3000/webhooks/a/b/", ""},
		{"3000/webhooks", "/a/..", "http://localhost:3000/webhooks", ""},
		{"3000/webhooks", "/x%20y", "http://localhost:3000/webhooks/x%20y", ""},
		{"3000/webhooks", "/a%2Fb", "http://localhost:3000/webhooks/a%2Fb", ""}, // no dot segment: byte for byte
		{"3000/webhooks", "/../../admin", "", "leads out of the forward target's path /webhooks"},
		{"3000/webhooks", "/..", "", "leads out"},
		{"3000/webhooks", "/%2e%2e/%2E%2E/admin", "", "leads out"},
		{"3000/webhooks", "/..%2f..%2fadmin", "", "leads out"},
		{"3000/webhooks", "/a/../../webhooks-evil", "", "leads out"},
		{"3000/webhooks", "/..;x/admin", "", "a dot segment in a form apps read differently"},
		{"3000/webhooks", `/..\admin`, "", "a dot segment in a form apps read differently"},
		{"3000", "/../../admin", "http://localhost:3000/admin", ""}, // nothing above the root
		{"3000/a/b", "/../c", "", "leads out of the forward target's path /a/b"},
	} {
		target, err := NormalizeTarget(tc.target)
		if err != nil {
			t.Fatal(err)
		}
		s := &Server{cfg: Config{Target: target}}
		r := &http.Request{URL: mustParseURI(t, tc.uri)}
		got, err := s.forwardTarget(r)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s + %s: %q, %v; want error %q", tc.target, tc.uri, got, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("%s + %s: %q, %v; want %s", tc.target, tc.uri, got, err, tc.want)
		}
	}
}

func mustParseURI(t *testing.T, s string) *url.URL {
	u, err := url.ParseRequestURI(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// A validly signed request whose path climbs out of the target is
// refused with 400 before its body is read, and never reaches the app.
func TestTraversalRefused(t *testing.T) {
	srv, got := app(t, 200)
	s, _, log := newTestServer(t, srv.URL+"/webhooks", nil)
	defer log.Close()
	for _, p := range []string{"/../../admin", "/%2e%2e/admin", "/x/../../admin"} {
		body := []byte(`{"type":"card.created"}`)
		req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		req.URL = mustParseURI(t, p)
		sign(t, req, "s3cret", "evt_1", body)
		rw := httptest.NewRecorder()
		s.ServeHTTP(rw, req)
		if rw.Code != 400 || !strings.Contains(rw.Body.String(), "leads out of the forward target") {
			t.Errorf("%s: %d %s", p, rw.Code, rw.Body)
		}
	}
	if n := len(got()); n != 0 {
		t.Fatalf("the app got %d requests", n)
	}
}

// --events filters what is forwarded: other types are acknowledged with
// a note and logged as filtered, and never reach the app.
func TestEventsFilterForwards(t *testing.T) {
	srv, got := app(t, 200)
	s, out, log := newTestServer(t, srv.URL, func(c *Config) { c.Events = []string{"card.*"} })
	send := func(typ string) *httptest.ResponseRecorder {
		body := []byte(`{"id":"evt_` + typ + `","type":"` + typ + `"}`)
		req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		sign(t, req, "s3cret", "", body)
		rw := httptest.NewRecorder()
		s.ServeHTTP(rw, req)
		return rw
	}
	if rw := send("card.created"); rw.Code != 200 || rw.Body.String() != "app says hi" {
		t.Fatalf("card.created: %d %s", rw.Code, rw.Body)
	}
	rw := send("kyc.verification.success")
	if rw.Code != 200 || !strings.Contains(rw.Body.String(), `"forwarded":false`) ||
		!strings.Contains(rw.Body.String(), `is not in --events card.*: not forwarded`) {
		t.Fatalf("kyc event: %d %s", rw.Code, rw.Body)
	}
	if reqs := got(); len(reqs) != 1 {
		t.Fatalf("the app got %d requests, want 1", len(reqs))
	}
	lines := logLines(t, log, out)
	var filtered []LogLine
	for _, l := range lines {
		if l.Kind == KindFiltered {
			filtered = append(filtered, l)
		}
	}
	if len(filtered) != 1 || filtered[0].EventType != "kyc.verification.success" {
		t.Fatalf("filtered lines: %+v", lines)
	}
	if st := s.Stats(); st.Filtered != 1 || st.ForwardedOK != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

// --skip-verify: a self-signed https target is refused by default and
// reached with it.
func TestSkipVerify(t *testing.T) {
	var hits int
	tlsApp := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++; w.WriteHeader(204) }))
	tlsApp.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	tlsApp.StartTLS()
	defer tlsApp.Close()
	for _, skip := range []bool{false, true} {
		s, _, logger := newTestServer(t, tlsApp.URL, func(c *Config) { c.SkipVerify = skip })
		body := []byte(`{"type":"card.created"}`)
		req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		sign(t, req, "s3cret", "evt_tls", body)
		rw := httptest.NewRecorder()
		s.ServeHTTP(rw, req)
		logger.Close()
		want := 502
		if skip {
			want = 204
		}
		if rw.Code != want {
			t.Errorf("skip-verify=%v: %d %s, want %d", skip, rw.Code, rw.Body, want)
		}
		if !skip && !strings.Contains(rw.Body.String(), "certificate") {
			t.Errorf("the 502 does not say why: %s", rw.Body)
		}
	}
	if hits != 1 {
		t.Fatalf("the https app got %d requests, want 1", hits)
	}
}

func TestFilteredTextLine(t *testing.T) {
	l := LogLine{Kind: KindFiltered, EventType: "kyc.x", EventID: "e1", Verified: true, Reason: "not in --events card.*: not forwarded"}
	got := string(AppendText(nil, l, time.UTC))
	if !strings.HasSuffix(got, "--> kyc.x [e1] verified filtered: not in --events card.*: not forwarded\n") {
		t.Fatalf("%q", got)
	}
}
