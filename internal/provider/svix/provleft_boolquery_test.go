package svix_test

import (
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestProvleftBooleanQuery: a boolean query parameter that is not true or
// false is Svix's 422 on it: with_content=False (Python's str(False),
// as requests sends a bool) and with_content=flase returned the payloads
// the caller asked to leave out. true and false work as before.
func TestProvleftBooleanQuery(t *testing.T) {
	e := servetest.Start(t, nil)
	h := map[string]string{"Authorization": "Bearer testsk_k", "Content-Type": "application/json"}
	if code, body := e.Do("POST", "/api/v1/app/", h, `{"name":"B","uid":"bq"}`); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	if code, body := e.Do("POST", "/api/v1/app/bq/msg/", h, `{"eventType":"a.b","payload":{"secret":"s3"},"eventId":"m1"}`); code != 202 {
		t.Fatalf("msg: %d %s", code, body)
	}
	for _, p := range []string{"/api/v1/app/bq/msg/?with_content=False", "/api/v1/app/bq/msg/m1/?with_content=flase",
		"/api/v1/event-type/?include_archived=1", "/api/v1/app/?get_if_exists=yes"} {
		method := "GET"
		if strings.Contains(p, "get_if_exists") {
			method = "POST"
		}
		code, body := e.Do(method, p, h, `{"name":"B","uid":"bq"}`)
		if code != 422 || !strings.Contains(string(body), `"loc":["query",`) || !strings.Contains(string(body), "must be true or false") {
			t.Errorf("%s %s: %d %s, want 422 on the query parameter", method, p, code, body)
		}
	}
	if code, body := e.Do("GET", "/api/v1/app/bq/msg/?with_content=false", h, nil); code != 200 || strings.Contains(string(body), "s3") {
		t.Errorf("with_content=false: %d %s", code, body)
	}
	if code, body := e.Do("GET", "/api/v1/app/bq/msg/m1/?with_content=true", h, nil); code != 200 || !strings.Contains(string(body), "s3") {
		t.Errorf("with_content=true: %d %s", code, body)
	}
}
