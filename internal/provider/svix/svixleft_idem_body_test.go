package svix_test

import (
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestSvixleftIdempotencyKeyIgnoresTheBody: svix-server keys a request's
// idempotency by the token, the key and the URI (core/idempotency.rs,
// IdempotencyKey::new), nothing of the body, and replays the first 2xx
// answer: the key sent again to the same URL with another message gets
// the first message back and nothing is sent. Serve answered 409
// "This idempotency-key was used with another request", so code reusing
// a key for two messages saw an error here and lost the second message
// silently at Svix. The key with a failed first request runs again.
func TestSvixleftIdempotencyKeyIgnoresTheBody(t *testing.T) {
	e := servetest.Start(t, nil)
	if code, body := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": "a", "uid": "a"}); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	if code, body := e.Do("POST", "/api/v1/app/a/endpoint", bearer, map[string]any{"url": e.Recv.URL}); code != 201 {
		t.Fatalf("endpoint: %d %s", code, body)
	}
	h := map[string]string{"Authorization": bearer["Authorization"], "Idempotency-Key": "reused-key"}
	code, first := e.Do("POST", "/api/v1/app/a/msg", h, map[string]any{"eventType": "order.paid", "payload": map[string]any{"order": 1}})
	if code != 202 {
		t.Fatalf("msg: %d %s", code, first)
	}
	code, second := e.Do("POST", "/api/v1/app/a/msg", h, map[string]any{"eventType": "order.refunded", "payload": map[string]any{"order": 2}})
	if code != 202 || string(second) != string(first) {
		t.Errorf("the key again with another message: %d %s, want the first answer %s", code, second, first)
	}
	if got := e.Recv.Next(t, 10*time.Second); servetest.JSON(t, got.Body)["order"] != float64(1) {
		t.Errorf("delivered %s, want the first message", got.Body)
	}
	e.Recv.None(t, 300*time.Millisecond)
	// A failed request is not kept: the key runs again.
	h["Idempotency-Key"] = "after-a-422"
	if code, body := e.Do("POST", "/api/v1/app/a/msg", h, map[string]any{"eventType": "order.paid"}); code != 422 {
		t.Fatalf("msg without payload: %d %s", code, body)
	}
	if code, body := e.Do("POST", "/api/v1/app/a/msg", h, map[string]any{"eventType": "order.paid", "payload": map[string]any{"order": 3}}); code != 202 {
		t.Errorf("the key after a 422: %d %s, want 202", code, body)
	}
}
