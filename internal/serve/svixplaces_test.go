package serve_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// The places Svix's message and attempt iterators carry ("id~place")
// page the same on SQLite and PostgreSQL, and one before any time a
// store can compare is Svix's 422, not a store error (PostgreSQL's
// timestamps begin in 4713 BC).
func TestSvixIteratorPlaces(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { checkSvixPlaces(t, servetest.Start(t, nil)) })
	t.Run("postgres", func(t *testing.T) {
		pgtest.ServerURL(t)
		st, err := postgres.Open(context.Background(), pgtest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		checkSvixPlaces(t, servetest.StartWith(t, st, nil))
	})
}

func checkSvixPlaces(t *testing.T, e *servetest.Env) {
	auth := map[string]string{"Authorization": "Bearer k"}
	if code, body := e.Do("POST", "/api/v1/app", auth, map[string]any{"name": "a", "uid": "a"}); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	code, body := e.Do("POST", "/api/v1/app/a/endpoint", auth, map[string]any{"url": e.Recv.URL, "uid": "e"})
	if code != 201 {
		t.Fatalf("endpoint: %d %s", code, body)
	}
	var msgs []string
	for range 3 {
		code, body := e.Do("POST", "/api/v1/app/a/msg", auth, map[string]any{"eventType": "a.b", "payload": map[string]any{}})
		if code != 202 {
			t.Fatalf("msg: %d %s", code, body)
		}
		msgs = append(msgs, servetest.JSON(t, body)["id"].(string))
	}
	// Page by page with the iterators the pages give: newest first.
	var got []string
	for q, n := "/api/v1/app/a/msg?limit=1", 0; ; n++ {
		if n > 3 {
			t.Fatalf("no end: %v", got)
		}
		code, body := e.Do("GET", q, auth, nil)
		p := servetest.JSON(t, body)
		if code != 200 {
			t.Fatalf("%s: %d %s", q, code, body)
		}
		for _, d := range p["data"].([]any) {
			got = append(got, d.(map[string]any)["id"].(string))
		}
		if p["done"] == true {
			break
		}
		q = "/api/v1/app/a/msg?limit=1&iterator=" + p["iterator"].(string)
	}
	if strings.Join(got, " ") != strings.Join([]string{msgs[2], msgs[1], msgs[0]}, " ") {
		t.Fatalf("pages: %v, want %v newest first", got, msgs)
	}
	for path, want := range map[string]int{
		"/api/v1/app/a/msg?iterator=msg_x~-99999999999999999.1":                                                   422,
		"/api/v1/app/a/attempt/endpoint/e?iterator=atmpt_0123456789abcdef0123456789abcdef_1~-99999999999999999.1": 422,
		// The latest place there is: everything is older.
		"/api/v1/app/a/msg?iterator=msg_x~9223372036854775807.1":                                                   200,
		"/api/v1/app/a/attempt/endpoint/e?iterator=atmpt_0123456789abcdef0123456789abcdef_1~9223372036854775807.1": 200,
	} {
		if code, body := e.Do("GET", path, auth, nil); code != want {
			t.Errorf("%s: %d %s, want %d", path, code, body, want)
		}
	}
	// Svix reads the 90 days before an iterator's time unless after (or
	// before) says otherwise: none from the latest place alone, the 3
	// messages with an after.
	if code, body := e.Do("GET", "/api/v1/app/a/msg?iterator=msg_x~9223372036854775807.1", auth, nil); code != 200 || len(servetest.JSON(t, body)["data"].([]any)) != 0 {
		t.Errorf("after the latest place: %d %s, want none (90 days before it)", code, body)
	}
	if code, body := e.Do("GET", "/api/v1/app/a/msg?iterator=msg_x~9223372036854775807.1&after=2000-01-01T00:00:00Z", auth, nil); code != 200 || len(servetest.JSON(t, body)["data"].([]any)) != 3 {
		t.Errorf("after the latest place, after 2000: %d %s, want the 3 messages", code, body)
	}
}

// A message's timestamp in the create answer is the one GET and the list
// give: it had nanoseconds that the store drops (SQLite) or rounds
// (PostgreSQL), so the two disagreed, and a client using the answer's
// timestamp as a list's before/after bound missed or kept the message.
func TestSvixMessageTimestampIsTheStoredOne(t *testing.T) {
	check := func(t *testing.T, e *servetest.Env) {
		auth := map[string]string{"Authorization": "Bearer k"}
		if code, body := e.Do("POST", "/api/v1/app", auth, map[string]any{"name": "a", "uid": "a"}); code != 201 {
			t.Fatalf("app: %d %s", code, body)
		}
		for range 5 {
			code, body := e.Do("POST", "/api/v1/app/a/msg", auth, map[string]any{"eventType": "a.b", "payload": map[string]any{}})
			if code != 202 {
				t.Fatalf("msg: %d %s", code, body)
			}
			m := servetest.JSON(t, body)
			code, body = e.Do("GET", "/api/v1/app/a/msg/"+m["id"].(string), auth, nil)
			if got := servetest.JSON(t, body)["timestamp"]; code != 200 || got != m["timestamp"] {
				t.Fatalf("GET gives timestamp %v, the create answer %v", got, m["timestamp"])
			}
			// The message is the one at or after its own timestamp.
			code, body = e.Do("GET", "/api/v1/app/a/msg?limit=1&after="+url.QueryEscape(m["timestamp"].(string)), auth, nil)
			if data := servetest.JSON(t, body)["data"].([]any); code != 200 || len(data) != 0 {
				t.Fatalf("after its own timestamp %v: %d %s, want none (after is exclusive)", m["timestamp"], code, body)
			}
		}
	}
	t.Run("sqlite", func(t *testing.T) { check(t, servetest.Start(t, nil)) })
	t.Run("postgres", func(t *testing.T) {
		pgtest.ServerURL(t)
		st, err := postgres.Open(context.Background(), pgtest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		check(t, servetest.StartWith(t, st, nil))
	})
}
