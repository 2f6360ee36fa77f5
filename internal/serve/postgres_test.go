package serve_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/subscription"
)

// The APIs over a shared PostgreSQL store (HOOKCTL_TEST_POSTGRES; skipped
// without it): create through Bond and Svix, deliver, Mambu resend, reset.
func TestPostgresStore(t *testing.T) {
	pgtest.ServerURL(t)
	st, err := postgres.Open(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	e := servetest.StartWith(t, st, func(o *serve.Options) { o.AllowReset = true })
	bond := map[string]string{"Identity": "i", "Authorization": "k"}
	code, body := e.Do("POST", "/api/v0/webhooks", bond, map[string]any{"events": []string{"kyc.verification.*"}, "callback_url": e.Recv.URL})
	if code != 200 {
		t.Fatalf("bond create: %d %s", code, body)
	}
	if code, body := e.Do("POST", "/api/v0.1/simulate/kyc-fail", bond, map[string]string{"customer_id": "c-1"}); code != 200 {
		t.Fatalf("bond simulate: %d %s", code, body)
	}
	e.Recv.Next(t, 5*time.Second)
	// A Mambu notification fails (Mambu's history holds only its own).
	svc := &subscription.Service{Store: st}
	if _, err := svc.Create(t.Context(), subscription.CreateInput{URL: e.Recv.URL + "/mambu", Events: []string{"loan.*"}, Provider: "mambu"}); err != nil {
		t.Fatal(err)
	}
	e.Recv.SetStatus(500)
	if code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "loan.disbursed", "provider": "mambu"}); code != 201 {
		t.Fatalf("mambu trigger: %d %s", code, body)
	}
	first := e.Recv.Next(t, 5*time.Second)
	e.Recv.Next(t, 5*time.Second)
	e.Recv.Next(t, 5*time.Second)
	key := map[string]string{"apiKey": "k"}
	var keyID string
	for range 250 {
		_, body = e.Do("POST", "/api/communications/messages:search", key, `[{"field":"state","operator":"EQUALS","value":"FAILED"}]`)
		if m := strings.Index(string(body), `"encodedKey":"`); m >= 0 {
			keyID = string(body)[m+14 : m+14+36]
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if keyID == "" {
		t.Fatal("no FAILED message")
	}
	e.Recv.SetStatus(200)
	if code, body := e.Do("POST", "/api/communications/messages:resend", key, map[string]any{"messages": []string{keyID}}); code != 202 {
		t.Fatalf("resend: %d %s", code, body)
	}
	if again := e.Recv.Next(t, 5*time.Second); string(again.Body) != string(first.Body) {
		t.Fatal("resend bytes differ")
	}
	sv := map[string]string{"Authorization": "Bearer k"}
	e.Do("POST", "/api/v1/app", sv, `{"name":"a","uid":"a"}`)
	if code, body := e.Do("POST", "/api/v1/app/a/endpoint", sv, map[string]any{"url": e.Recv.URL + "/svix"}); code != 201 {
		t.Fatalf("svix endpoint: %d %s", code, body)
	}
	if code, body := e.Do("POST", "/api/v1/app/a/msg", sv, `{"eventType":"x.y","payload":{"a":1}}`); code != 202 {
		t.Fatalf("svix msg: %d %s", code, body)
	}
	if got := e.Recv.Next(t, 5*time.Second); string(got.Body) != `{"a":1}` {
		t.Fatalf("svix delivery: %s", got.Body)
	}
	if code, body := e.Do("POST", "/_hookctl/reset", nil, nil); code != 200 {
		t.Fatalf("reset: %d %s", code, body)
	}
	if info, err := st.Info(t.Context()); err != nil || info.Subscriptions+info.Events+info.Deliveries+info.Attempts != 0 {
		t.Fatalf("after reset: %+v %v", info, err)
	}
}

// A NUL character (\u0000, %00) in a name, description or metadata is bad
// input on both stores (4xx in the provider's envelope): PostgreSQL cannot
// keep one in text or jsonb, so these were 500s there.
func TestNULIsBadInput(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { checkNUL(t, servetest.Start(t, nil)) })
	t.Run("postgres", func(t *testing.T) {
		pgtest.ServerURL(t)
		st, err := postgres.Open(context.Background(), pgtest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		checkNUL(t, servetest.StartWith(t, st, nil))
	})
}

func checkNUL(t *testing.T, e *servetest.Env) {
	form := map[string]string{"Authorization": "Bearer sk_test_1", "Content-Type": "application/x-www-form-urlencoded"}
	sv := map[string]string{"Authorization": "Bearer k"}
	bond := map[string]string{"Identity": "i", "Authorization": "k"}
	if code, body := e.Do("POST", "/api/v1/app", sv, `{"name":"a","uid":"a"}`); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	code, body := e.Do("POST", "/v1/webhook_endpoints", form, "url="+e.Recv.URL+"&enabled_events[]=*")
	if code != 200 {
		t.Fatalf("stripe: %d %s", code, body)
	}
	we := servetest.JSON(t, body)["id"].(string)
	for _, tc := range []struct {
		method, path string
		hdr          map[string]string
		body         string
		want         int
	}{
		{"POST", "/v1/webhook_endpoints", form, "url=" + e.Recv.URL + "&enabled_events[]=*&metadata[k]=a%00b", 400},
		{"POST", "/v1/webhook_endpoints", form, "url=" + e.Recv.URL + "&enabled_events[]=*&description=a%00b", 400},
		{"POST", "/v1/webhook_endpoints/" + we, form, "metadata[k]=a%00b", 400},
		{"POST", "/v1/webhook_endpoints", form, "url=" + e.Recv.URL + "&enabled_events[]=a%00b", 400},
		{"POST", "/api/v1/app", sv, `{"name":"a\u0000b"}`, 422},
		{"POST", "/api/v1/app/a/endpoint", sv, `{"url":"` + e.Recv.URL + `","metadata":{"a":"\u0000"}}`, 422},
		{"POST", "/api/v1/app/a/endpoint", sv, `{"url":"` + e.Recv.URL + `","description":"a\u0000b"}`, 422},
		{"POST", "/api/v1/app/a/msg", sv, `{"eventType":"a\u0000b","payload":{}}`, 422},
		{"POST", "/api/v1/app/a/msg", sv, `{"eventType":"a.b","eventId":"x\u0000","payload":{}}`, 422},
		{"POST", "/api/v1/app/a/msg", sv, `{"eventType":"a.b","channels":["c\u0000"],"payload":{}}`, 422},
		{"POST", "/api/v0/webhooks", bond, `{"events":["card.created"],"callback_url":"` + e.Recv.URL + `","description":"x\u0000y"}`, 400},
	} {
		code, body := e.Do(tc.method, tc.path, tc.hdr, tc.body)
		if code != tc.want {
			t.Errorf("%s %s %q: %d %s; want %d", tc.method, tc.path, tc.body, code, body, tc.want)
		}
		// The caller's own names, never hookctl's internal ones (the
		// Stripe refusal named the key "stripe_meta:k").
		if strings.Contains(string(body), "stripe_meta") {
			t.Errorf("%s %s %q: %s names an internal key", tc.method, tc.path, tc.body, body)
		}
	}
	// A payload may hold \u0000: it is kept as bytes.
	if code, body := e.Do("POST", "/api/v1/app/a/msg", sv, `{"eventType":"a.b","payload":{"a":"\u0000"}}`); code != 202 {
		t.Fatalf("payload with \\u0000: %d %s", code, body)
	}
}

// A NUL or bytes that are not UTF-8 in a URL's path or query (an id, a
// cursor, a filter) are bad input in the owning API's shape on both
// stores; on PostgreSQL these lookups were store errors (500s). Form
// fields that are not UTF-8 are refused too.
func TestBadBytesInURLs(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { checkBadBytes(t, servetest.Start(t, nil)) })
	t.Run("postgres", func(t *testing.T) {
		pgtest.ServerURL(t)
		st, err := postgres.Open(context.Background(), pgtest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		checkBadBytes(t, servetest.StartWith(t, st, nil))
	})
}

func checkBadBytes(t *testing.T, e *servetest.Env) {
	hdr := map[string]string{"Authorization": "Bearer k", "apiKey": "k", "Identity": "i"}
	for path, shape := range map[string]string{
		"/v1/events?type=%FF":                      `"type":"invalid_request_error"`,
		"/v1/webhook_endpoints/we_%FF":             `"type":"invalid_request_error"`,
		"/v1/webhook_endpoints?starting_after=%00": `"type":"invalid_request_error"`,
		"/api/v1/app/%FF":                          `"code":"validation"`,
		"/api/v1/app/a/endpoint?iterator=%00":      `"code":"validation"`,
		"/api/v0/webhooks/%00":                     `"Code":"invalid_request"`,
		"/api/communications/messages/%C3%28":      `"errorReason":"INVALID_PARAMETERS"`,
		"/_hookctl/deliveries?subscription=%00":    `"code":"invalid_request"`,
		"/_hookctl/deliveries/%FF":                 `"code":"invalid_request"`,
		"/api/notifications/messages/search?x=%00": `"returnStatus":"INVALID_PARAMETERS"`,
	} {
		method := "GET"
		if strings.Contains(path, "search") {
			method = "POST"
		}
		code, body := e.Do(method, path, hdr, nil)
		if code/100 != 4 || !strings.Contains(string(body), shape) {
			t.Errorf("%s %s: %d %s; want a 4xx with %s", method, path, code, body, shape)
		}
	}
	form := map[string]string{"Authorization": "Bearer sk_test_1", "Content-Type": "application/x-www-form-urlencoded"}
	for _, b := range []string{"description=%FF", "metadata[k]=%C3%28", "enabled_events[]=%FF.x"} {
		code, body := e.Do("POST", "/v1/webhook_endpoints", form, "url="+e.Recv.URL+"&enabled_events[]=*&"+b)
		if code != 400 {
			t.Errorf("create with %s: %d %s", b, code, body)
		}
	}
}
