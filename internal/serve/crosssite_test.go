package serve_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
)

// A page on another site, in the developer's browser, must not drive the
// server on 127.0.0.1 (no --api-key: the control API takes any request).
//
// DNS rebinding: evil.example re-resolved to 127.0.0.1 is same-origin
// with the server for the browser, which then reads every answer and
// sends any header (a made-up API key included); only the Host header
// gives it away. Every API answered it; now a Host that is not this
// machine gets 421 in the API's error shape, and a loopback name on any
// port (an SSH tunnel, a port forward) still works.
func TestAPIsRefuseRebindingHosts(t *testing.T) {
	e := servetest.Start(t, nil)
	subscribe(t, e, "card.*")
	port := e.URL[strings.LastIndex(e.URL, ":")+1:]
	// One read of each API, with the credentials a rebinding page can send.
	reads := []struct {
		path   string
		header map[string]string
		field  string // a field of the API's error shape
	}{
		{"/_hookctl/events", nil, `"code":"misdirected_request"`},
		{"/_hookctl/deliveries", nil, `"code":"misdirected_request"`},
		{"/v1/webhook_endpoints", map[string]string{"Authorization": "Bearer sk_test_anything"}, `"type":"invalid_request_error"`},
		{"/api/v1/app", map[string]string{"Authorization": "Bearer testsk_anything"}, `"code":"forbidden"`},
		{"/api/v0.1/webhooks", map[string]string{"Identity": "i", "Authorization": "k"}, `"Code":"forbidden"`},
		{"/api/communications/messages/x", map[string]string{"apiKey": "k"}, `"errorCode":15,"errorSource":`},
	}
	for _, host := range []string{"evil.example:" + port, "evil.example", "127.0.0.1.nip.io:" + port, "localhost.evil.example:" + port} {
		for _, rd := range reads {
			h := map[string]string{"Host": host}
			for k, v := range rd.header {
				h[k] = v
			}
			code, body := e.Do("GET", rd.path, h, nil)
			if code != http.StatusMisdirectedRequest || !strings.Contains(string(body), "is not this machine") || !strings.Contains(string(body), rd.field) {
				t.Errorf("GET %s with Host %s: %d %s, want 421 with a message in the API's shape (%s)", rd.path, host, code, body, rd.field)
			}
		}
	}
	// The inspector's absence changes nothing: the JSON index too.
	if code, _ := e.Do("GET", "/", map[string]string{"Host": "evil.example:" + port}, nil); code != http.StatusMisdirectedRequest {
		t.Errorf("GET / with a foreign Host: %d, want 421", code)
	}
	for _, host := range []string{"", "127.0.0.1:" + port, "localhost:" + port, "LOCALHOST:" + port, "localhost:9999", "127.0.0.2:" + port, "[::1]:" + port, "localhost", "0.0.0.0:" + port, "[::]:" + port} {
		h := map[string]string{}
		if host != "" {
			h["Host"] = host
		}
		if code, body := e.Do("GET", "/_hookctl/events", h, nil); code != http.StatusOK {
			t.Errorf("GET /_hookctl/events with Host %q: %d %s, want 200", host, code, body)
		}
	}
}

// A server the user exposed (--host 0.0.0.0, which requires --api-key)
// answers any Host name: that is what exposing it is for.
func TestExposedServerAnswersAnyHost(t *testing.T) {
	e := servetest.Start(t, func(o *serve.Options) { o.Host, o.APIKey = "0.0.0.0", "k" })
	code, body := e.Do("GET", "/v1/webhook_endpoints", map[string]string{"Host": "hookctl.internal:8788", "Authorization": "Bearer k"}, nil)
	if code != http.StatusOK {
		t.Fatalf("exposed server, another Host name: %d %s", code, body)
	}
}

// Without preflight a page can POST a form or a text/plain body to any
// origin: the control API read such a body as its JSON and triggered a
// delivery, and a form post reached the Stripe-style API (a browser adds
// the Authorization of credentials in the URL). State-changing requests a
// browser marks cross-site (Sec-Fetch-Site, or Origin alone in an older
// browser) are refused with 403; same-origin and those with neither
// header (SDKs, curl) go through.
func TestAPIsRefuseCrossSiteBrowserPosts(t *testing.T) {
	e := servetest.Start(t, nil)
	sub := subscribe(t, e, "card.*")
	browsers := map[string]map[string]string{
		"cross-site":            {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"},
		"same-site, other port": {"Origin": "http://localhost:3000", "Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "no-cors"},
		"Origin only":           {"Origin": "http://evil.example"},
		"sandboxed (null)":      {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
		"no Origin, cross-site": {"Sec-Fetch-Site": "cross-site"},
	}
	for name, bh := range browsers {
		h := map[string]string{"Content-Type": "text/plain;charset=UTF-8"}
		for k, v := range bh {
			h[k] = v
		}
		code, body := e.Do("POST", "/_hookctl/trigger", h, `{"type":"card.created"}`)
		if code != http.StatusForbidden || !strings.Contains(string(body), "cross-origin request from a web browser") || !strings.Contains(string(body), `"code":"forbidden"`) {
			t.Errorf("%s: text/plain POST /_hookctl/trigger: %d %s, want 403", name, code, body)
		}
		h["Content-Type"] = "application/x-www-form-urlencoded"
		h["Authorization"] = "Basic c2tfdGVzdF94Og==" // sk_test_x: from http://sk_test_x:@127.0.0.1:PORT/
		code, body = e.Do("POST", "/v1/webhook_endpoints", h, "url=http://evil.example/hook&enabled_events[]=*")
		if code != http.StatusForbidden || !strings.Contains(string(body), "cross-origin") {
			t.Errorf("%s: form POST /v1/webhook_endpoints: %d %s, want 403", name, code, body)
		}
		code, body = e.Do("POST", "/_hookctl/replay", h, `{"failed":true}`)
		if code != http.StatusForbidden {
			t.Errorf("%s: POST /_hookctl/replay: %d %s, want 403", name, code, body)
		}
	}
	e.Recv.None(t, 300*time.Millisecond)
	if evs, err := e.Store.ListEvents(t.Context(), store.EventFilter{}); err != nil || len(evs) != 0 {
		t.Fatalf("cross-site posts stored %d events (%v)", len(evs), err)
	}
	if subs, err := e.Store.ListSubscriptions(t.Context(), store.SubscriptionFilter{}); err != nil || len(subs) != 1 || subs[0].ID != sub.ID {
		t.Fatalf("cross-site posts changed the subscriptions: %d (%v)", len(subs), err)
	}

	// Programs send no Origin; a page of the server's own origin may.
	code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "card.created"})
	if code != http.StatusCreated {
		t.Fatalf("trigger from a program: %d %s", code, body)
	}
	e.Recv.Next(t, 5*time.Second)
	code, body = e.Do("POST", "/v1/webhook_endpoints", map[string]string{"Authorization": "Bearer sk_test_x", "Origin": e.URL, "Sec-Fetch-Site": "same-origin",
		"Content-Type": "application/x-www-form-urlencoded"}, "url=http://127.0.0.1:9/hook&enabled_events[]=*")
	if code != http.StatusOK {
		t.Fatalf("same-origin create: %d %s", code, body)
	}
	// Reads stay open to a browser (it cannot read another origin's answer).
	if code, body := e.Do("GET", "/_hookctl/health", map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}, nil); code != http.StatusOK {
		t.Fatalf("cross-site GET health: %d %s", code, body)
	}
}
