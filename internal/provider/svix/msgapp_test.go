package svix_test

import (
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// A message refused (422) does not create the application its body's
// "application" names: the message is checked first (found by the serve
// fuzz harness, whose invariant is that a refused request changes
// nothing; the application was created all the same).
func TestRefusedMessageCreatesNoApplication(t *testing.T) {
	e := servetest.Start(t, nil)
	for _, body := range []string{
		`{"eventType":"","payload":{},"application":{"name":"N","uid":"new"}}`,
		`{"eventType":"a b","payload":{},"application":{"name":"N","uid":"new"}}`,
		`{"eventType":"a","payload":[],"application":{"name":"N","uid":"new"}}`,
		`{"eventType":"a","payload":{},"channels":["a b"],"application":{"name":"N","uid":"new"}}`,
		`{"eventType":"a","payload":{},"eventId":"x` + "\u0001" + `","application":{"name":"N","uid":"new"}}`,
	} {
		if code, out := e.Do("POST", "/api/v1/app/new/msg", bearer, body); code != 422 {
			t.Fatalf("%s: %d %s, want 422", body, code, out)
		}
		if code, out := e.Do("GET", "/api/v1/app/new", bearer, nil); code != 404 {
			t.Fatalf("after the refused %s: the application exists: %d %s", body, code, out)
		}
	}
	// A message that is sent creates it.
	if code, out := e.Do("POST", "/api/v1/app/new/msg", bearer, `{"eventType":"a","payload":{},"application":{"name":"N","uid":"new"}}`); code != 202 {
		t.Fatalf("message: %d %s", code, out)
	}
	if code, out := e.Do("GET", "/api/v1/app/new", bearer, nil); code != 200 {
		t.Fatalf("the application of a sent message: %d %s", code, out)
	}
}

// A message's eventId is null, absent or Svix's 1 to 256 characters: an
// empty one is Svix's 422 on body.eventId, as its other body rules are
// (it was accepted, 202, and the message sent without one).
func TestMessageEventIDLength(t *testing.T) {
	e := servetest.Start(t, nil)
	if code, out := e.Do("POST", "/api/v1/app", bearer, `{"name":"A","uid":"a"}`); code != 201 {
		t.Fatalf("app: %d %s", code, out)
	}
	for _, c := range []struct {
		eventID string
		want    int
	}{
		{`""`, 422},
		{`"` + strings.Repeat("x", 257) + `"`, 422},
		{`"` + strings.Repeat("é", 257) + `"`, 422},
		{`"` + strings.Repeat("é", 256) + `"`, 202},
		{`"` + strings.Repeat("x", 256) + `"`, 202},
		{`"e"`, 202},
		{`null`, 202},
	} {
		code, out := e.Do("POST", "/api/v1/app/a/msg", bearer, `{"eventType":"a.b","payload":{},"eventId":`+c.eventID+`}`)
		if code != c.want {
			t.Fatalf("eventId %.20s…: %d %s, want %d", c.eventID, code, out, c.want)
		}
		if code == 422 && (!strings.Contains(string(out), `"loc":["body","eventId"]`) || !strings.Contains(string(out), `"msg":"eventId must be 1 to 256 characters`)) {
			t.Fatalf("eventId %.20s…: %s, want Svix's validation error on body.eventId", c.eventID, out)
		}
	}
}
