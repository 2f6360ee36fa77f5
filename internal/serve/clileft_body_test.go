package serve_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
)

// TestClileftControlBodyNotUTF8: GET /_hookctl/events gives an event whose
// payload is not UTF-8 (trigger --data @file, a request listen received)
// as "body" text and its exact bytes in "body_base64", as `store export`
// and the CLI's -o json do. Before, a payload that was JSON save for a
// byte (`{"a":"\xff"}`) was embedded as it was: the answer was not UTF-8,
// so not JSON; one that was not JSON lost its bytes to U+FFFD. An event
// in UTF-8 has no body_base64, as before.
func TestClileftControlBodyNotUTF8(t *testing.T) {
	e := servetest.Start(t, nil)
	ctx := context.Background()
	now := time.Now()
	for _, ev := range []*store.Event{
		{ID: "evt_clileft_json", Payload: []byte("{\"a\":\"\xff\"}"), ContentType: "application/json"},
		{ID: "evt_clileft_text", Payload: []byte("caf\xe9"), ContentType: "text/plain"},
		{ID: "evt_clileft_utf8", Payload: []byte(`{"a":"é"}`), ContentType: "application/json"},
	} {
		ev.Type, ev.Provider, ev.Source, ev.CreatedAt = "card.created", "bond", "triggered", now
		now = now.Add(time.Millisecond)
		if err := e.Store.CreateEvent(ctx, ev, nil); err != nil {
			t.Fatal(err)
		}
	}
	code, body := e.Do("GET", "/_hookctl/events", nil, nil)
	if code != 200 || !utf8.Valid(body) || !json.Valid(body) {
		t.Fatalf("GET /_hookctl/events: %d, want 200 and JSON in UTF-8:\n%q", code, body)
	}
	var r struct {
		Data []struct {
			ID         string
			Payload    json.RawMessage
			Body       string
			BodyBase64 []byte `json:"body_base64"`
		}
	}
	if err := json.Unmarshal(body, &r); err != nil || len(r.Data) != 3 {
		t.Fatalf("GET /_hookctl/events: %v\n%s", err, body)
	}
	want := map[string]struct {
		body, b64 string
		payload   bool
	}{
		"evt_clileft_json": {"{\"a\":\"\uFFFD\"}", "{\"a\":\"\xff\"}", false},
		"evt_clileft_text": {"caf\uFFFD", "caf\xe9", false},
		"evt_clileft_utf8": {"", "", true},
	}
	for _, d := range r.Data {
		w := want[d.ID]
		if d.Body != w.body || !bytes.Equal(d.BodyBase64, []byte(w.b64)) || (d.Payload != nil) != w.payload {
			t.Errorf("%s: body %q, body_base64 %q, payload %s; want body %q, body_base64 %q, payload %v", d.ID, d.Body, d.BodyBase64, d.Payload, w.body, w.b64, w.payload)
		}
	}
}
