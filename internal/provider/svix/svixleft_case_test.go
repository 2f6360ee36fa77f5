package svix_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestSvixleftFieldNamesAreCaseSensitive: Svix (serde) reads {"URL": …}
// as an unknown field, ignored, and then answers 422 at body.url that
// url is missing; {"Name": …} likewise for an application. Serve took
// the keys case-insensitively (encoding/json) and created both, and of
// {"url": a, "URL": b} it kept b, where Svix keeps a.
func TestSvixleftFieldNamesAreCaseSensitive(t *testing.T) {
	e := servetest.Start(t, nil)
	loc := func(body []byte) string {
		var v struct {
			Detail []struct {
				Loc []string `json:"loc"`
			} `json:"detail"`
		}
		if json.Unmarshal(body, &v) != nil || len(v.Detail) == 0 {
			return ""
		}
		return strings.Join(v.Detail[0].Loc, ".")
	}
	if code, body := e.Do("POST", "/api/v1/app", bearer, `{"Name": "shouty", "Uid": "shouty"}`); code != 422 || loc(body) != "body.name" {
		t.Errorf(`app {"Name"}: %d %s, want 422 at body.name`, code, body)
	}
	if code, body := e.Do("POST", "/api/v1/app", bearer, `{"name": "a", "uid": "a", "UID": "other"}`); code != 201 || servetest.JSON(t, body)["uid"] != "a" {
		t.Fatalf(`app {"uid": "a", "UID": "other"}: %d %s, want uid a`, code, body)
	}
	if code, body := e.Do("POST", "/api/v1/app/a/endpoint", bearer, `{"URL": "`+e.Recv.URL+`"}`); code != 422 || loc(body) != "body.url" {
		t.Errorf(`endpoint {"URL"}: %d %s, want 422 at body.url`, code, body)
	}
	code, body := e.Do("POST", "/api/v1/app/a/endpoint", bearer, `{"url": "`+e.Recv.URL+`/a", "URL": "`+e.Recv.URL+`/b", "Description": "no"}`)
	if code != 201 {
		t.Fatalf("endpoint: %d %s", code, body)
	}
	if ep := servetest.JSON(t, body); ep["url"] != e.Recv.URL+"/a" || ep["description"] != "" {
		t.Errorf(`endpoint {"url": a, "URL": b, "Description"}: %s, want url a and no description`, body)
	}
	if code, body := e.Do("POST", "/api/v1/app/a/msg", bearer, `{"EventType": "x.y", "payload": {}}`); code != 422 || loc(body) != "body.eventType" {
		t.Errorf(`msg {"EventType"}: %d %s, want 422 at body.eventType`, code, body)
	}
	// The payload's own keys are the sender's: kept as sent.
	code, body = e.Do("POST", "/api/v1/app/a/msg", bearer, `{"eventType": "x.y", "payload": {"URL": 1, "EventType": "kept"}}`)
	if code != 202 || !strings.Contains(string(body), `"EventType":"kept"`) {
		t.Errorf("msg with capitalised payload keys: %d %s", code, body)
	}
}

// TestSvixleftFieldGivenTwiceIsRefused: Svix (serde) answers 422 to an
// object giving a field twice ({"url": a, "url": b}); serve kept the
// last one and created the endpoint.
func TestSvixleftFieldGivenTwiceIsRefused(t *testing.T) {
	e := servetest.Start(t, nil)
	if code, body := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": "a", "uid": "a"}); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	code, body := e.Do("POST", "/api/v1/app/a/endpoint", bearer, `{"url": "`+e.Recv.URL+`/a", "url": "`+e.Recv.URL+`/b"}`)
	var v struct {
		Detail []struct {
			Loc []string `json:"loc"`
			Msg string   `json:"msg"`
		} `json:"detail"`
	}
	if code != 422 || json.Unmarshal(body, &v) != nil || len(v.Detail) != 1 || strings.Join(v.Detail[0].Loc, ".") != "body.url" || v.Detail[0].Msg != "duplicate field `url`" {
		t.Errorf("endpoint with url twice: %d %s, want 422 at body.url", code, body)
	}
	if code, body := e.Do("GET", "/api/v1/app/a/endpoint", bearer, nil); code != 200 || !strings.Contains(string(body), `"data":[]`) {
		t.Errorf("after the refused create: %d %s, want no endpoint", code, body)
	}
}
