package serve_test

import (
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// A Svix message's eventId is unique for a day, as Svix documents it
// ("verified to be unique only up to a day, after that no verification
// will be made"): within 24 hours of the message that has it, another is
// the 409 conflict; after, it is a new message (202), and the window
// starts again from that one. It was a conflict forever.
func TestSvixEventIDUniqueForADay(t *testing.T) {
	var mu sync.Mutex
	now := time.Now().UTC()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	e := servetest.Start(t, func(o *serve.Options) { o.Now = clock })
	auth := map[string]string{"Authorization": "Bearer k"}
	if code, body := e.Do("POST", "/api/v1/app", auth, map[string]any{"name": "A", "uid": "a"}); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	send := func(want int, when string) string {
		t.Helper()
		code, body := e.Do("POST", "/api/v1/app/a/msg", auth, map[string]any{"eventType": "a.b", "eventId": "evt-1", "payload": map[string]any{}})
		if code != want {
			t.Fatalf("%s: %d %s, want %d", when, code, body, want)
		}
		if code == 202 {
			return servetest.JSON(t, body)["id"].(string)
		}
		return ""
	}
	first := send(202, "the first")
	advance(24*time.Hour - time.Second)
	send(409, "a second before a day")
	advance(2 * time.Second)
	second := send(202, "just after a day")
	if second == first {
		t.Fatalf("the same message: %s", second)
	}
	send(409, "again at once: the window starts from the newest")
	// The eventId names the newest one.
	code, body := e.Do("GET", "/api/v1/app/a/msg/evt-1", auth, nil)
	if code != 200 || servetest.JSON(t, body)["id"] != second {
		t.Fatalf("get by eventId: %d %s, want %s", code, body, second)
	}
}
