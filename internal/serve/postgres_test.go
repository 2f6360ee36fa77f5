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
	e.Recv.SetStatus(500)
	e.Do("POST", "/api/v0.1/simulate/kyc-fail", bond, map[string]string{"customer_id": "c-1"})
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
