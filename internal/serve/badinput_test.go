package serve_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// Every route of the server (from its own openapi.json), given garbage,
// answers a 4xx JSON document: never a 500, never a Go error string.
func TestNoRouteAnswers500ToBadInput(t *testing.T) {
	e := servetest.Start(t, nil)
	// Something to find, so that ids in paths can also resolve.
	e.Do("POST", "/api/v1/app", map[string]string{"Authorization": "Bearer k"}, `{"name":"a","uid":"x"}`)
	_, body := e.Do("GET", "/_hookctl/openapi.json", nil, nil)
	var doc struct {
		Paths map[string]map[string]any
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	hdr := map[string]string{"Identity": "i", "Authorization": "Bearer k", "apiKey": "k", "Content-Type": "application/x-www-form-urlencoded"}
	bodies := []string{"", "null", "[]", `"x"`, "42", `{"a":`, "{}", "\x00\xff\xfe", `{"events":null,"url":null,"eventType":1,"payload":"x","messages":[1],"since":"x"}`,
		`{"type":{"x":1}}`, "url=%zz&enabled_events[x]=1", `[{"field":null}]`}
	n := 0
	for path, ops := range doc.Paths {
		p := path
		for _, seg := range []string{"{id}", "{app_id}", "{endpoint_id}", "{msg_id}", "{encodedKey}"} {
			p = strings.ReplaceAll(p, seg, "x")
		}
		for method := range ops {
			if p == "/_hookctl/reset" {
				continue
			}
			for _, b := range bodies {
				code, out := e.Do(strings.ToUpper(method), p, hdr, b)
				n++
				if code >= 500 {
					t.Errorf("%s %s %q: %d %s", method, p, b, code, out)
					continue
				}
				if len(out) > 0 && !json.Valid(out) {
					t.Errorf("%s %s %q: %d not JSON: %s", method, p, b, code, out)
				}
				if strings.Contains(string(out), "json: ") || strings.Contains(string(out), "cannot unmarshal") {
					t.Errorf("%s %s %q: a Go error string leaked: %s", method, p, b, out)
				}
			}
		}
	}
	if n < 500 {
		t.Fatalf("only %d requests", n)
	}
}

// A URL with a NUL or bytes that are not UTF-8 outside the providers'
// prefixes is refused in the control API's JSON envelope, like any other
// path no API owns (found by FuzzBond: GET /%80 was a text/plain 400).
func TestBadURLOutsideTheAPIsIsJSON(t *testing.T) {
	e := servetest.Start(t, nil)
	for _, p := range []string{"/%80", "/x%00y", "/?q=%ff", "/nope/%c3"} {
		req, err := http.NewRequest("GET", e.URL+p, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var m struct {
			Error struct{ Code, Message string }
		}
		if resp.StatusCode != 400 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") ||
			json.Unmarshal(body, &m) != nil || m.Error.Code != "invalid_request" || m.Error.Message == "" {
			t.Errorf("GET %s: %d %s %s, want the control API's JSON 400", p, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
}
