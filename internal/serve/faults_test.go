package serve_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/web"
)

// A client that sends half its headers and stalls is disconnected after
// ReadHeaderTimeout, and the server keeps answering others meanwhile.
func TestSlowClientIsCutOff(t *testing.T) {
	e := servetest.Start(t, func(o *serve.Options) { o.ReadHeaderTimeout = 300 * time.Millisecond })
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("GET /_hookctl/health HTTP/1.1\r\nHost: x\r\n"))
	if code, _ := e.Do("GET", "/_hookctl/health", nil, nil); code != 200 {
		t.Fatalf("another client while one stalls: %d", code)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	b, err := io.ReadAll(conn)
	if el := time.Since(start); err != nil || el > 3*time.Second {
		t.Fatalf("the stalled connection was not closed in time (%s, %v, %q)", el, err, b)
	}
}

// A store that goes away: API calls answer 500 in the provider's
// envelope (never hang, never crash the server), and health answers 503
// naming the store's problem.
func TestStoreGoesAway(t *testing.T) {
	e := servetest.Start(t, nil)
	bond := map[string]string{"Identity": "i", "Authorization": "k"}
	if code, _ := e.Do("GET", "/api/v0.1/webhooks", bond, nil); code != 200 {
		t.Fatal("before")
	}
	e.Store.Close()
	for _, tc := range []struct {
		method, path string
		hdr          map[string]string
		body         string
		want         string
	}{
		{"GET", "/api/v0.1/webhooks", bond, "", `"Type":"Server Error"`},
		{"POST", "/api/v0/webhooks", bond, `{"events":["card.created"],"callback_url":"http://x.test"}`, `"Status":500`},
		{"GET", "/v1/webhook_endpoints", map[string]string{"Authorization": "Bearer k"}, "", `"error"`},
		{"GET", "/api/v1/app/a/endpoint", map[string]string{"Authorization": "Bearer k"}, "", `"code":"server_error"`},
		{"POST", "/api/communications/messages:search", map[string]string{"apiKey": "k", "Accept": servetest.MambuV2Accept}, "[]", `"errorCode":6,"errorSource":"hookctl's store failed","errorReason":"INTERNAL_ERROR"`},
		{"GET", "/_hookctl/events", nil, "", `"code":"internal"`},
	} {
		code, body := e.Do(tc.method, tc.path, tc.hdr, tc.body)
		if code != 500 || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s %s with the store gone: %d %s", tc.method, tc.path, code, body)
		}
	}
	// Health answers, and says the truth: the store is gone (it said 200).
	if code, body := e.Do("GET", "/_hookctl/health", nil, nil); code != 503 || !strings.Contains(string(body), `"code":"store_unavailable"`) ||
		!strings.Contains(string(body), "database is closed") {
		t.Fatalf("health after the store went away: %d %s", code, body)
	}
}

// Shutdown lets a request in flight finish, then refuses new ones.
func TestShutdownFinishesRequestsInFlight(t *testing.T) {
	started := make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		w.Write([]byte("done"))
	})
	e := servetest.Start(t, func(o *serve.Options) { o.UI = slow })
	type res struct {
		code int
		body string
	}
	got := make(chan res, 1)
	go func() {
		resp, err := http.Get(e.URL + "/slow")
		if err != nil {
			got <- res{0, err.Error()}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- res{resp.StatusCode, string(b)}
	}()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.Server.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if r := <-got; r.code != 200 || r.body != "done" {
		t.Fatalf("the request in flight: %+v", r)
	}
	if _, err := http.Get(e.URL + "/_hookctl/health"); err == nil {
		t.Fatal("still accepting after Shutdown")
	}
}

// downStore fails the reads the APIs and pages below make with the error
// of a PostgreSQL server that went away (transient) while down is set.
type downStore struct {
	store.Store
	down atomic.Bool
}

var errGone = &store.EnvironmentError{Err: errors.New("list: PostgreSQL store postgres://db/hookctl unreachable: dial tcp: connect: connection refused"),
	Hint: "check that the PostgreSQL server is running and reachable", Transient: true}

func (s *downStore) ListSubscriptions(ctx context.Context, f store.SubscriptionFilter) ([]*store.Subscription, error) {
	if s.down.Load() {
		return nil, errGone
	}
	return s.Store.ListSubscriptions(ctx, f)
}

func (s *downStore) ListDeliveries(ctx context.Context, f store.DeliveryFilter) ([]*store.Delivery, error) {
	if s.down.Load() {
		return nil, errGone
	}
	return s.Store.ListDeliveries(ctx, f)
}

func (s *downStore) ListEvents(ctx context.Context, f store.EventFilter) ([]*store.EventSummary, error) {
	if s.down.Load() {
		return nil, errGone
	}
	return s.Store.ListEvents(ctx, f)
}

// A store that cannot be reached now but may be again (a PostgreSQL
// restart): every API answers 503 with Retry-After in its own envelope,
// so SDKs retry (before: 500, Stripe's type invalid_request_error), the
// inspector a 503 page that says so (not the driver's error), and all of
// them answer again once the store is back.
func TestStoreUnavailableIs503(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	st := &downStore{Store: db}
	e := servetest.StartWith(t, st, func(o *serve.Options) {
		o.UIFunc = func(addr string, d *service.Dispatcher) (http.Handler, error) {
			return web.New(web.Config{Store: st, Dispatcher: d, Addr: addr, Version: "test"})
		}
	})
	bond := map[string]string{"Identity": "i", "Authorization": "k"}
	bearer := map[string]string{"Authorization": "Bearer k"}
	cases := []struct {
		method, path string
		hdr          map[string]string
		body         string
		want         string // in the 503's body
	}{
		{"GET", "/api/v0.1/webhooks", bond, "", `"Status":503,"Code":"server_error","Type":"Server Error"`},
		{"GET", "/v1/webhook_endpoints", bearer, "", `{"error":{"type":"api_error","message":"hookctl's store cannot be reached right now`},
		{"GET", "/api/v1/app/a/endpoint", bearer, "", `{"code":"server_error","detail":"hookctl's store cannot be reached right now`},
		{"POST", "/api/communications/messages:search", map[string]string{"apiKey": "k", "Accept": servetest.MambuV2Accept}, "[]", `"errorCode":6,"errorSource":"hookctl's store cannot be reached right now`},
		{"GET", "/_hookctl/events", nil, "", `{"error":{"code":"store_unavailable","message":"hookctl's store cannot be reached right now`},
		{"GET", "/subscriptions", map[string]string{"Host": strings.TrimPrefix(e.URL, "http://")}, "", `hookctl&#39;s store cannot be reached right now`},
	}
	do := func(method, path string, hdr map[string]string, body string) (int, http.Header, string) {
		req, _ := http.NewRequest(method, e.URL+path, strings.NewReader(body))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		req.Host = req.Header.Get("Host")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	if code, _, body := do("POST", "/api/v1/app", bearer, `{"name":"a","uid":"a"}`); code != 201 {
		t.Fatalf("svix app: %d %s", code, body)
	}
	st.down.Store(true)
	for _, tc := range cases {
		code, h, body := do(tc.method, tc.path, tc.hdr, tc.body)
		if code != 503 || h.Get("Retry-After") == "" || !strings.Contains(body, tc.want) {
			t.Errorf("%s %s with the store unreachable: %d (Retry-After %q) %s\nwant 503 with Retry-After and %s", tc.method, tc.path, code, h.Get("Retry-After"), body, tc.want)
		}
		if strings.Contains(body, "connection refused") {
			t.Errorf("%s %s shows the driver's error: %s", tc.method, tc.path, body)
		}
	}
	if _, h, _ := do("GET", "/v1/webhook_endpoints", bearer, ""); h.Get("Stripe-Should-Retry") != "true" {
		t.Errorf("Stripe's 503 without Stripe-Should-Retry: true")
	}
	st.down.Store(false)
	for _, tc := range cases {
		if code, _, body := do(tc.method, tc.path, tc.hdr, tc.body); code != 200 {
			t.Errorf("%s %s once the store is back: %d %s", tc.method, tc.path, code, body)
		}
	}
}
