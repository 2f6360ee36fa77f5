package svix_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// A time that is not RFC 3339 (since "yesterday", a number, a date
// alone) in a valid JSON body is Svix's 422 saying the time is wrong; it
// said "the request body is not valid JSON", sending the caller to look
// for a syntax error that is not there.
func TestProvfixBadTimeSaysTime(t *testing.T) {
	e := servetest.Start(t, nil)
	if code, b := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": "A", "uid": "a"}); code != 201 {
		t.Fatalf("app: %d %s", code, b)
	}
	if code, b := e.Do("POST", "/api/v1/app/a/endpoint", bearer, map[string]any{"url": e.Recv.URL, "uid": "e"}); code != 201 {
		t.Fatalf("endpoint: %d %s", code, b)
	}
	for _, c := range []struct{ path, body, value string }{
		{"/api/v1/app/a/endpoint/e/recover", `{"since":"yesterday"}`, `"yesterday"`},
		{"/api/v1/app/a/endpoint/e/replay-missing", `{"since":"2026-12-01"}`, `"2026-12-01"`},
		{"/api/v1/app/a/endpoint/e/bulk-replay", `{"since":1764547200}`, "not a number"}, // the value is not known
		{"/api/v1/app/a/msg", `{"eventType":"a.b","payload":{},"deliverAt":"soon"}`, `"soon"`},
	} {
		code, b := e.Do("POST", c.path, bearer, c.body)
		var v struct {
			Detail []struct {
				Msg string `json:"msg"`
			} `json:"detail"`
		}
		json.Unmarshal(b, &v)
		if code != 422 || len(v.Detail) != 1 || !strings.Contains(v.Detail[0].Msg, "RFC 3339") || !strings.Contains(v.Detail[0].Msg, c.value) ||
			strings.Contains(v.Detail[0].Msg, "not valid JSON") {
			t.Errorf("POST %s %s: %d %s; want a 422 naming the time %s and RFC 3339", c.path, c.body, code, b, c.value)
		}
	}
	if code, b := e.Do("POST", "/api/v1/app/a/endpoint/e/recover", bearer, `{"since":`); code != 422 || !strings.Contains(string(b), "not valid JSON") {
		t.Errorf("a body cut short: %d %s; want 422 not valid JSON", code, b)
	}
}
