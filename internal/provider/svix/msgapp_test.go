package svix_test

import (
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
