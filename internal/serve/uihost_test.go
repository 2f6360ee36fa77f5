package serve_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/web"
)

// With --host 0.0.0.0 the inspector at / answers at the URL the ready
// line prints (http://127.0.0.1:PORT/) and still refuses other Host
// names; it answered 421 to every request, its own URL included.
func TestUIOnUnspecifiedHostAnswersAtTheReadyURL(t *testing.T) {
	e := servetest.Start(t, func(o *serve.Options) {
		o.Host, o.APIKey = "0.0.0.0", "k"
		o.UIFunc = func(addr string, d *service.Dispatcher) (http.Handler, error) {
			return web.New(web.Config{Store: o.Store, Dispatcher: d, Addr: addr, Version: "test"})
		}
	})
	if !strings.HasPrefix(e.URL, "http://127.0.0.1:") {
		t.Fatalf("URL %s", e.URL)
	}
	get := func(host string) int {
		req, _ := http.NewRequest("GET", e.URL+"/", nil)
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get(""); code != 200 {
		t.Fatalf("GET %s/: %d, want 200", e.URL, code)
	}
	port := e.URL[strings.LastIndex(e.URL, ":")+1:]
	if code := get("evil.example:" + port); code != 421 {
		t.Fatalf("another Host name: %d, want 421", code)
	}
}

// An open event stream (the inspector's live log in a browser tab) does
// not hold up shutdown: it ends at once, and Shutdown returns no error
// (it waited for the stream until its deadline, ~15 s in hookctl serve,
// and warned "context deadline exceeded").
func TestShutdownEndsEventStreams(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := serve.New(serve.Options{Store: st, Version: "test",
		UIFunc: func(addr string, d *service.Dispatcher) (http.Handler, error) {
			return web.New(web.Config{Store: st, Dispatcher: d, Addr: addr, Version: "test"})
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", s.URL()+"/live", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 64)
	if n, err := resp.Body.Read(buf); err != nil || !strings.Contains(string(buf[:n]), "retry") {
		t.Fatalf("stream: %q %v", buf[:n], err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with a live stream open: %v after %s", err, time.Since(start))
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("shutdown took %s", d)
	}
}

// With --host 0.0.0.0 --api-key the APIs need the key but the inspector
// has none: it answers requests from this machine only, whatever Host
// they send (another machine could send Host: 127.0.0.1:PORT); the APIs
// still answer others with their key.
func TestUIRefusesOtherMachinesOnAnExposedServer(t *testing.T) {
	e := servetest.Start(t, func(o *serve.Options) {
		o.Host, o.APIKey = "0.0.0.0", "k"
		o.UIFunc = func(addr string, d *service.Dispatcher) (http.Handler, error) {
			return web.New(web.Config{Store: o.Store, Dispatcher: d, Addr: addr, Version: "test"})
		}
	})
	host := strings.TrimPrefix(e.URL, "http://")
	serveAs := func(remote, path string) int {
		req := httptest.NewRequest("GET", "http://"+host+path, nil)
		req.RemoteAddr = remote
		req.Header.Set("Authorization", "Bearer k")
		rec := httptest.NewRecorder()
		e.Server.Handler().ServeHTTP(rec, req)
		return rec.Code
	}
	if code := serveAs("192.0.2.7:40000", "/"); code != 403 {
		t.Fatalf("the inspector to another machine: %d, want 403", code)
	}
	if code := serveAs("127.0.0.1:40000", "/"); code != 200 {
		t.Fatalf("the inspector to this machine: %d, want 200", code)
	}
	if code := serveAs("192.0.2.7:40000", "/_hookctl/health"); code != 200 {
		t.Fatalf("the control API to another machine with the key: %d", code)
	}
}

// The inspector's "Edit and resend" takes the largest body serve accepts
// (1 MiB), indented and form-encoded, as it does under listen: serve's
// own 1 MiB limit for API requests cut the form short and the page said
// "the form is larger than 8 MiB".
func TestUIResendsALargeEditedBody(t *testing.T) {
	var ui *web.Handler
	e := servetest.Start(t, func(o *serve.Options) {
		o.UIFunc = func(addr string, d *service.Dispatcher) (http.Handler, error) {
			h, err := web.New(web.Config{Store: o.Store, Dispatcher: d, Addr: addr, Version: "test"})
			ui = h
			return h, err
		}
	})
	item := `{"k":"\"q\"","n":[1,2]}`
	payload := "[" + strings.Repeat(item+",", (serve.MaxBody-100)/(len(item)+1)) + item + "]"
	d := &service.Dispatcher{Store: e.Store}
	pub, err := d.Publish(context.Background(), &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(payload), ContentType: "application/json"},
		service.Target{URL: e.Recv.URL, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
	if err != nil {
		t.Fatal(err)
	}
	var pretty bytes.Buffer
	json.Indent(&pretty, []byte(payload), "", "  ")
	form := url.Values{"_csrf": {ui.CSRFToken()}, "body": {pretty.String()}}
	req, _ := http.NewRequest("POST", e.URL+"/deliveries/"+pub.Deliveries[0].ID+"/resend", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("resend of a 1 MiB JSON body (%d bytes as a form): %d %.200s", len(form.Encode()), resp.StatusCode, b)
	}
}

// With the inspector at /, a request for no page and no API route is an
// unknown API route, answered in the control API's JSON with the route a
// typo away: an API client posting to /api/v2/webhooks was answered
// "403 missing or wrong CSRF token (reload the page)" by the inspector's
// form check. The inspector's own pages and its form check are unchanged.
func TestUnknownRouteWithUIIsJSON404(t *testing.T) {
	e := servetest.Start(t, func(o *serve.Options) {
		o.UIFunc = func(addr string, d *service.Dispatcher) (http.Handler, error) {
			return web.New(web.Config{Store: o.Store, Dispatcher: d, Addr: addr, Version: "test"})
		}
	})
	do := func(method, path, body string) (int, string, string) {
		req, _ := http.NewRequest(method, e.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer k")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	// A control route with another method is 405 with Allow
	// (servefix3), not the 404 of a path that is not there.
	for _, tc := range []struct {
		method, path string
		code         int
		want         string // in the body
	}{
		{"POST", "/api/v2/webhooks", 404, `did you mean POST /api/v0/webhooks?`},
		{"POST", "/_hookctl/trigge", 404, `did you mean POST /_hookctl/trigger?`},
		{"DELETE", "/_hookctl/trigger", 405, `DELETE is not allowed on /_hookctl/trigger: use POST (every route: GET /_hookctl/openapi.json)`},
		{"PUT", "/_hookctl/faults", 405, `PUT is not allowed on /_hookctl/faults: use GET, HEAD, POST, DELETE`},
		{"DELETE", "/customers/1", 404, `no route DELETE /customers/1 (every route: GET /_hookctl/openapi.json)`},
		{"GET", "/nope", 404, `the web inspector is at /`},
	} {
		code, ctype, body := do(tc.method, tc.path, "{}")
		var e struct {
			Error struct{ Code, Message string }
		}
		wantCode := "not_found"
		if tc.code == 405 {
			wantCode = "method_not_allowed"
		}
		if code != tc.code || ctype != "application/json" || json.Unmarshal([]byte(body), &e) != nil || e.Error.Code != wantCode || !strings.Contains(e.Error.Message, tc.want) {
			t.Errorf("%s %s: %d %s %s, want %d JSON %s with %q", tc.method, tc.path, code, ctype, body, tc.code, wantCode, tc.want)
		}
	}
	if code, ctype, _ := do("GET", "/", ""); code != 200 || !strings.HasPrefix(ctype, "text/html") {
		t.Errorf("GET /: %d %s, want the inspector's page", code, ctype)
	}
	if code, _, body := do("POST", "/trigger", "type=card.created"); code != 403 || !strings.Contains(body, "CSRF") {
		t.Errorf("POST /trigger without the form's token: %d %s, want the inspector's 403", code, body)
	}
}
