package svix_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestProvleftIdempotencyKeyPerPath: Svix keys idempotency by the auth
// token, the key and the request's URL (svix-server's IdempotencyKey), so
// one key sent to two paths is two requests: a key derived from a
// business id, used to create an application and then its endpoint, or
// to send one message to two applications. serve answered the second 409
// "This idempotency-key was used with another request". A retry to the
// same path is still replayed, and so is the key with another body there
// (nothing of the body is in Svix's key: TestSvixleftIdempotencyKeyIgnoresTheBody).
func TestProvleftIdempotencyKeyPerPath(t *testing.T) {
	e := servetest.Start(t, nil)
	h := map[string]string{"Authorization": "Bearer testsk_k", "Content-Type": "application/json", "Idempotency-Key": "order-42"}
	for _, app := range []string{"shop-a", "shop-b"} {
		if code, body := e.Do("POST", "/api/v1/app/?get_if_exists=true", map[string]string{"Authorization": "Bearer testsk_k"},
			`{"name":"`+app+`","uid":"`+app+`"}`); code != 201 && code != 200 {
			t.Fatalf("app %s: %d %s", app, code, body)
		}
	}
	code, body := e.Do("POST", "/api/v1/app/shop-a/endpoint/", h, `{"url":"`+e.Recv.URL+`/a","uid":"ep-a"}`)
	if code != 201 {
		t.Fatalf("endpoint of shop-a with key order-42: %d %s", code, body)
	}
	code, body = e.Do("POST", "/api/v1/app/shop-b/endpoint/", h, `{"url":"`+e.Recv.URL+`/b","uid":"ep-b"}`)
	if code != 201 || !strings.Contains(string(body), `"uid":"ep-b"`) {
		t.Fatalf("endpoint of shop-b with the same key: %d %s, want it created", code, body)
	}
	var ids []string
	for _, app := range []string{"shop-a", "shop-b"} {
		code, body := e.Do("POST", "/api/v1/app/"+app+"/msg/", h, `{"eventType":"order.paid","payload":{"order":42}}`)
		if code != 202 {
			t.Errorf("message to %s with key order-42: %d %s, want 202", app, code, body)
			continue
		}
		ids = append(ids, string(body))
	}
	got := map[string]bool{}
	for range ids {
		got[e.Recv.Next(t, 10*time.Second).Path] = true
	}
	if len(ids) == 2 && (!got["/a"] || !got["/b"]) {
		t.Errorf("deliveries reached %v, want /a and /b", got)
	}
	// The same path: a retry is replayed, and so is another body.
	code, again := e.Do("POST", "/api/v1/app/shop-a/msg/", h, `{"eventType":"order.paid","payload":{"order":42}}`)
	if code != 202 || len(ids) == 0 || string(again) != ids[0] {
		t.Errorf("retry to shop-a: %d %s, want the first answer %v", code, again, ids)
	}
	if code, body := e.Do("POST", "/api/v1/app/shop-a/msg/", h, `{"eventType":"order.paid","payload":{"order":43}}`); code != 202 || len(ids) == 0 || string(body) != ids[0] {
		t.Errorf("the key with another body: %d %s, want the first answer %v", code, body, ids)
	}
	e.Recv.None(t, 300*time.Millisecond)
}
