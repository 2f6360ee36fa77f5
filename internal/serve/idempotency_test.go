package serve_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// A POST sent again with the same idempotency key (what the official
// Stripe and Svix libraries do when an answer is lost: they put a key on
// every POST and retry with it) gets the first answer back and changes
// nothing more: one endpoint, one message, one delivery. The same key
// with other parameters is refused; another client's key is its own.
func TestIdempotencyKeysReplayTheFirstAnswer(t *testing.T) {
	e := servetest.Start(t, nil)
	form := func(key, idem string) map[string]string {
		return map[string]string{"Authorization": "Bearer " + key, "Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": idem}
	}
	body := "url=" + e.Recv.URL + "/stripe&enabled_events[]=payment.succeeded"
	code, first := e.Do("POST", "/v1/webhook_endpoints", form("sk_test_1", "k1"), body)
	if code != 200 {
		t.Fatalf("create: %d %s", code, first)
	}
	code, again := e.Do("POST", "/v1/webhook_endpoints", form("sk_test_1", "k1"), body)
	if code != 200 || string(again) != string(first) {
		t.Fatalf("retry with the key: %d %s; want the first answer %s", code, again, first)
	}
	code, other := e.Do("POST", "/v1/webhook_endpoints", form("sk_test_1", "k1"), body+"&description=x")
	if code != 400 || !strings.Contains(string(other), `"type":"idempotency_error"`) {
		t.Fatalf("the key with other parameters: %d %s", code, other)
	}
	code, b := e.Do("POST", "/v1/webhook_endpoints", form("sk_test_2", "k1"), body)
	if code != 200 || servetest.JSON(t, b)["id"] == servetest.JSON(t, first)["id"] {
		t.Fatalf("another key's k1 is its own: %d %s", code, b)
	}
	_, list := e.Do("GET", "/v1/webhook_endpoints", form("sk_test_1", ""), nil)
	if n := len(servetest.JSON(t, list)["data"].([]any)); n != 2 {
		t.Fatalf("%d endpoints, want 2: %s", n, list)
	}

	auth := map[string]string{"Authorization": "Bearer k", "Idempotency-Key": "auto_1"}
	if code, b := e.Do("POST", "/api/v1/app", auth, map[string]any{"name": "A", "uid": "a"}); code != 201 {
		t.Fatalf("app: %d %s", code, b)
	}
	code, b = e.Do("POST", "/api/v1/app", auth, map[string]any{"name": "A", "uid": "a"})
	if code != 201 {
		t.Fatalf("app retried with its key: %d %s (want the first answer, not a uid conflict)", code, b)
	}
	auth["Idempotency-Key"] = "auto_2"
	if code, b := e.Do("POST", "/api/v1/app/a/endpoint", auth, map[string]any{"url": e.Recv.URL + "/svix"}); code != 201 {
		t.Fatalf("endpoint: %d %s", code, b)
	}
	auth["Idempotency-Key"] = "auto_3"
	msg := map[string]any{"eventType": "order.created", "payload": map[string]any{"n": 1}}
	code, m1 := e.Do("POST", "/api/v1/app/a/msg", auth, msg)
	if code != 202 {
		t.Fatalf("msg: %d %s", code, m1)
	}
	code, m2 := e.Do("POST", "/api/v1/app/a/msg", auth, msg)
	if code != 202 || string(m2) != string(m1) {
		t.Fatalf("msg retried with its key: %d %s; want %s", code, m2, m1)
	}
	e.Recv.Next(t, 5*time.Second)
	e.Recv.None(t, 300*time.Millisecond)
	delete(auth, "Idempotency-Key")
	_, l := e.Do("GET", "/api/v1/app/a/msg", auth, nil)
	if n := len(servetest.JSON(t, l)["data"].([]any)); n != 1 {
		t.Fatalf("%d messages, want 1: %s", n, l)
	}
	// Svix keys by token, key and URL only: another body gets the first
	// answer again (TestSvixleftIdempotencyKeyIgnoresTheBody).
	auth["Idempotency-Key"] = "auto_3"
	if code, b := e.Do("POST", "/api/v1/app/a/msg", auth, map[string]any{"eventType": "other", "payload": map[string]any{}}); code != 202 || string(b) != string(m1) {
		t.Fatalf("the key with another body: %d %s, want the first answer %s", code, b, m1)
	}
}
