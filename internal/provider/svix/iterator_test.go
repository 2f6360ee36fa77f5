package svix_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestMalformedIteratorIsRefused: every Svix list answers an iterator it
// cannot read (not of the shape its pages give) with Svix's 422 at
// query.iterator naming it, forwards or back ("-…"); one of the right
// shape that names nothing known reads from the first page, on every
// list alike (an app_ or ep_ one from where it sorts among the ids, as
// Svix reads it: TestSvixleftUnknownIteratorKeepsItsPlace). Before, GET …/msg/?iterator=garbage started from the first
// page while …/msg/{id}/endpoint/?iterator=ep_x~5 answered an empty,
// finished page and the others each did as they pleased; "-" read the
// first page backwards, its order turned over.
func TestMalformedIteratorIsRefused(t *testing.T) {
	e := servetest.Start(t, nil)
	if code, body := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": "a", "uid": "a"}); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	code, body := e.Do("POST", "/api/v1/app/a/endpoint", bearer, map[string]any{"url": e.Recv.URL})
	if code != 201 {
		t.Fatalf("endpoint: %d %s", code, body)
	}
	ep := servetest.JSON(t, body)["id"].(string)
	code, body = e.Do("POST", "/api/v1/app/a/msg", bearer, map[string]any{"eventType": "x.y", "payload": map[string]any{}})
	if code != 202 {
		t.Fatalf("msg: %d %s", code, body)
	}
	msg := servetest.JSON(t, body)["id"].(string)
	e.Recv.Next(t, 10*time.Second)
	// The attempt is recorded once the receiver has answered.
	for deadline := time.Now().Add(10 * time.Second); ; {
		_, body := e.Do("GET", "/api/v1/app/a/attempt/endpoint/"+ep+"/", bearer, nil)
		if !strings.Contains(string(body), `"data":[]`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no attempt recorded: %s", body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	lists := map[string]string{ // list: a well-formed iterator naming nothing
		"/api/v1/app/":                               "app_" + ksuid2020, // sorts before every app
		"/api/v1/app/a/endpoint/":                    "ep_" + ksuid2020,
		"/api/v1/app/a/msg/":                         "msg_NoSuchMessage0000000000000",
		"/api/v1/app/a/attempt/msg/" + msg + "/":     "atmpt_0123456789abcdef0123456789abcdef_1",
		"/api/v1/app/a/attempt/endpoint/" + ep + "/": "atmpt_0123456789abcdef0123456789abcdef_1",
		"/api/v1/app/a/endpoint/" + ep + "/msg/":     "msg_NoSuchMessage0000000000000",
		"/api/v1/app/a/msg/" + msg + "/endpoint/":    "ep_NoSuchEndpoint00000000000000",
	}
	for list, unknown := range lists {
		for _, it := range []string{"garbage", "-garbage", "x~5", "-"} {
			code, body := e.Do("GET", list+"?iterator="+url.QueryEscape(it), bearer, nil)
			var v struct {
				Detail []struct {
					Loc []string `json:"loc"`
					Msg string   `json:"msg"`
				} `json:"detail"`
			}
			if code != 422 || json.Unmarshal(body, &v) != nil || len(v.Detail) != 1 ||
				strings.Join(v.Detail[0].Loc, ".") != "query.iterator" || !strings.Contains(v.Detail[0].Msg, `"`+it+`"`) {
				t.Errorf("%s?iterator=%s: %d %s, want 422 at query.iterator naming it", list, it, code, body)
			}
		}
		code, body := e.Do("GET", list+"?iterator="+unknown, bearer, nil)
		var p struct {
			Data []json.RawMessage `json:"data"`
			Done bool              `json:"done"`
		}
		if code != 200 || json.Unmarshal(body, &p) != nil || len(p.Data) == 0 || !p.Done {
			t.Errorf("%s?iterator=%s: %d %s, want the first page", list, unknown, code, body)
		}
	}
}
