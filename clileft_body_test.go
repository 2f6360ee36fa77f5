//go:build !windows

package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestClileftBodyNotUTF8: a body that is not UTF-8 (`printf
// '{"a":"\xff"}' > b.json; hookctl trigger card.created --data @b.json`,
// a receiver answering "ok\xfe\xff") keeps its exact bytes in -o json, in
// "body_base64" beside "body", as `store export` keeps them: events show,
// deliveries show (the event's body and the attempt's response), replay
// and worker (the attempt lines) alike. Before, events show -o json
// embedded the raw 0xff in its document (not valid JSON: not UTF-8) and
// the others wrote U+FFFD in place of the bytes. A body in UTF-8 has no
// body_base64: its document is as it was.
func TestClileftBodyNotUTF8(t *testing.T) {
	t.Parallel()
	g := newGhostEnv(t)
	answer := []byte("ok\xfe\xff")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/utf8" {
			w.Write([]byte("fine"))
			return
		}
		w.Write(answer)
	}))
	t.Cleanup(srv.Close)
	payload := []byte("{\"a\":\"\xff\"}")
	if err := os.WriteFile(filepath.Join(g.dir, "b.json"), payload, 0o644); err != nil {
		t.Fatal(err)
	}
	// stdout alone (g.run gives stderr too: trigger's generated secret).
	stdout := func(args ...string) string {
		t.Helper()
		out, err := g.cmd(args...).Output()
		if err != nil {
			t.Fatalf("hookctl %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	valid := func(what string, out []byte) {
		t.Helper()
		if !utf8.Valid(out) || !json.Valid(out) {
			t.Errorf("%s: not valid JSON in UTF-8:\n%q", what, out)
		}
	}
	trig := stdout("trigger", "card.created", "--data", "@b.json", "--url", srv.URL+"/hooks", "-o", "json")
	valid("trigger -o json", []byte(trig))
	var tr struct {
		Events []struct{ ID string }
		// The attempts of trigger's document.
		Deliveries []struct {
			ID       string
			Attempts []struct {
				Response struct {
					Body       string
					BodyBase64 []byte `json:"body_base64"`
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(trig), &tr); err != nil || len(tr.Events) != 1 || len(tr.Deliveries) != 1 || len(tr.Deliveries[0].Attempts) != 1 {
		t.Fatalf("trigger -o json: %v\n%s", err, trig)
	}
	if got := tr.Deliveries[0].Attempts[0].Response.BodyBase64; !bytes.Equal(got, answer) {
		t.Errorf("trigger -o json: the response's body_base64 is %q, want %q", got, answer)
	}
	evID, delID := tr.Events[0].ID, tr.Deliveries[0].ID

	// events show -o json: the body as a string (lossy) and the bytes.
	out := []byte(stdout("events", "show", evID, "-o", "json"))
	valid("events show -o json", out)
	var ev struct {
		Body       any
		BodyBase64 []byte          `json:"body_base64"`
		Payload    json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(out, &ev); err != nil {
		t.Fatalf("events show -o json: %v\n%s", err, out)
	}
	if !bytes.Equal(ev.BodyBase64, payload) {
		t.Errorf("events show -o json: body_base64 %q, want the payload %q\n%s", ev.BodyBase64, payload, out)
	}
	if s, ok := ev.Body.(string); !ok || s != "{\"a\":\"\uFFFD\"}" || ev.Payload != nil {
		t.Errorf("events show -o json: body %#v, payload %s: want the text with U+FFFD, no payload", ev.Body, ev.Payload)
	}

	// deliveries show -o json: the event's body, the response's.
	out = []byte(stdout("deliveries", "show", delID, "-o", "json"))
	valid("deliveries show -o json", out)
	var ds struct {
		Event struct {
			Body       string
			BodyBase64 []byte `json:"body_base64"`
		}
		Attempts []struct {
			Response struct {
				Body       string
				BodyBase64 []byte `json:"body_base64"`
			}
		}
	}
	if err := json.Unmarshal(out, &ds); err != nil || len(ds.Attempts) != 1 {
		t.Fatalf("deliveries show -o json: %v\n%s", err, out)
	}
	if !bytes.Equal(ds.Event.BodyBase64, payload) || ds.Event.Body != "{\"a\":\"\uFFFD\"}" {
		t.Errorf("deliveries show -o json: the event's body %q, body_base64 %q; want the text and the bytes %q", ds.Event.Body, ds.Event.BodyBase64, payload)
	}
	if r := ds.Attempts[0].Response; !bytes.Equal(r.BodyBase64, answer) || r.Body != "ok\uFFFD\uFFFD" {
		t.Errorf("deliveries show -o json: the response's body %q, body_base64 %q; want the text and the bytes %q", r.Body, r.BodyBase64, answer)
	}

	// A body in UTF-8: no body_base64 anywhere, as before.
	trig = stdout("trigger", "card.created", "--url", srv.URL+"/utf8", "-o", "json")
	if strings.Contains(trig, "body_base64") {
		t.Errorf("trigger -o json of a body in UTF-8 has body_base64:\n%s", trig)
	}
	if err := json.Unmarshal([]byte(trig), &tr); err != nil || len(tr.Events) != 1 || len(tr.Deliveries) != 1 {
		t.Fatalf("trigger -o json: %v\n%s", err, trig)
	}
	for _, args := range [][]string{{"events", "show", tr.Events[0].ID}, {"deliveries", "show", tr.Deliveries[0].ID}} {
		out := stdout(append(args, "-o", "json")...)
		if strings.Contains(out, "body_base64") {
			t.Errorf("%v -o json of a body in UTF-8 has body_base64:\n%s", args, out)
		}
	}
	out = []byte(stdout("events", "show", tr.Events[0].ID, "-o", "json"))
	if err := json.Unmarshal(out, &ev); err != nil || ev.Payload == nil {
		t.Errorf("events show -o json of a JSON body in UTF-8: %v, want its payload as before\n%s", err, out)
	}
	if _, ok := ev.Body.(map[string]any); !ok {
		t.Errorf("events show -o json of a JSON body in UTF-8: body %#v, want the JSON object as before", ev.Body)
	}
}
