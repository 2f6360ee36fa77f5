package bond_test

import (
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestSvixleftFieldNamesAreCaseSensitive: Bond's API (Python: the body is
// a dict read by its keys) does not take {"URL": …} for url; serve did
// (encoding/json matches keys case-insensitively) and created a webhook
// the real API refuses.
func TestSvixleftFieldNamesAreCaseSensitive(t *testing.T) {
	e := servetest.Start(t, nil)
	code, body := e.Do("POST", "/api/v0.1/webhooks", auth, `{"URL": "`+e.Recv.URL+`", "Events": ["card.created"], "description": "d"}`)
	if code != 400 || !strings.Contains(string(body), "url is required") {
		t.Errorf(`v0.1 {"URL", "Events"}: %d %s, want 400 url is required`, code, body)
	}
	code, body = e.Do("POST", "/api/v0/webhooks/", auth, `{"Callback_URL": "`+e.Recv.URL+`", "events": ["card.created"]}`)
	if code != 400 || !strings.Contains(string(body), "callback_url is required") {
		t.Errorf(`v0 {"Callback_URL"}: %d %s, want 400 callback_url is required`, code, body)
	}
}

// TestSvixleftFieldGivenTwiceKeepsTheLast: Bond's API is Python, whose
// json module keeps the last of a key given twice; serve does too (only
// Svix refuses it).
func TestSvixleftFieldGivenTwiceKeepsTheLast(t *testing.T) {
	e := servetest.Start(t, nil)
	code, body := e.Do("POST", "/api/v0.1/webhooks", auth, `{"url": "`+e.Recv.URL+`/a", "url": "`+e.Recv.URL+`/b", "events": ["card.created"]}`)
	if code != 201 || !strings.Contains(string(body), `"url":"`+e.Recv.URL+`/b"`) {
		t.Errorf("v0.1 with url twice: %d %s, want 201 with the last url", code, body)
	}
}
