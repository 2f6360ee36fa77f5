package serve_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
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
// envelope (never hang, never crash the server), and health still
// answers.
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
		{"POST", "/api/communications/messages:search", map[string]string{"apiKey": "k"}, "[]", `INTERNAL_SERVER_ERROR`},
		{"GET", "/_hookctl/events", nil, "", `"code":"internal"`},
	} {
		code, body := e.Do(tc.method, tc.path, tc.hdr, tc.body)
		if code != 500 || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s %s with the store gone: %d %s", tc.method, tc.path, code, body)
		}
	}
	if code, _ := e.Do("GET", "/_hookctl/health", nil, nil); code != 200 {
		t.Fatal("health after the store went away")
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
