package serve_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
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

// A path with "//", "/./" or "/../" under an API is served as its clean
// path (the mux answered 307 with an HTML body, which an SDK that does
// not follow redirects took for a failure); one that climbs out of its
// API is that API's 404, in its envelope.
func TestUncleanAPIPathsAnswerJSON(t *testing.T) {
	e := servetest.Start(t, nil)
	stripe := map[string]string{"Authorization": "Bearer sk_test_x"}
	bond := map[string]string{"Identity": "i", "Authorization": "k"}
	for _, tc := range []struct {
		method, path string
		hdr          map[string]string
		body         string
		status       int
		want         string
	}{
		{"GET", "/v1///events", stripe, "", 200, `"object":"list"`},
		{"GET", "/v1//webhook_endpoints/", stripe, "", 200, `"object":"list"`},
		{"GET", "/v1/webhook_endpoints/./../events", stripe, "", 200, `"object":"list"`},
		{"POST", "/api/v0//webhooks", bond, `{"events":["card.created"],"callback_url":"` + e.Recv.URL + `"}`, 200, `"webhook_id"`},
		{"GET", "/api/v1/app//nope", map[string]string{"Authorization": "Bearer k"}, "", 404, `"code":"not_found"`},
		{"GET", "/v1/../_hookctl/events", stripe, "", 404, `"type":"invalid_request_error"`},
		{"POST", "/api/v0.1/../../_hookctl/trigger", bond, `{"type":"card.created"}`, 404, `"Code":"route_not_found"`},
	} {
		req, err := http.NewRequest(tc.method, e.URL+tc.path, strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		req.URL.Opaque = tc.path // sent as written, not cleaned by the client
		for k, v := range tc.hdr {
			req.Header.Set(k, v)
		}
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s %s: %d %s %s, want %d JSON with %s", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), body, tc.status, tc.want)
		}
	}
}

// A request whose target is not a path ("GET * HTTP/1.1", the
// asterisk-form) is the control API's JSON 400 (found by FuzzControl: the
// mux answered 400 with no body and no Content-Type).
func TestAsteriskTargetIsJSON(t *testing.T) {
	e := servetest.Start(t, nil)
	for _, method := range []string{"GET", "POST", "DELETE"} {
		c, err := net.Dial("tcp", strings.TrimPrefix(e.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "%s * HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n", method)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		c.Close()
		if resp.StatusCode != 400 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || !strings.Contains(string(body), `"code":"invalid_request"`) {
			t.Errorf("%s *: %d %s %s, want the control API's JSON 400", method, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
}
