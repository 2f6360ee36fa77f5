package serve_test

import (
	"encoding/json"
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
