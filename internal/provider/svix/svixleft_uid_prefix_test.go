package svix_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestSvixleftUIDWithTheIDPrefixIsRefused: Svix refuses an application
// uid beginning "app_" and an endpoint uid beginning "ep_" (svix-server's
// BaseUid: 422 "Uids are not allowed to have the same prefix as the ID.
// Prefix with _?"), at create, update and patch, since {app_id} and
// {endpoint_id} take either. Serve took them: an endpoint with uid
// "ep_x" answered to ep_x as if it were its id.
func TestSvixleftUIDWithTheIDPrefixIsRefused(t *testing.T) {
	e := servetest.Start(t, nil)
	refused := func(what string, code int, body []byte) {
		t.Helper()
		var v struct {
			Detail []struct {
				Loc []string `json:"loc"`
				Msg string   `json:"msg"`
			} `json:"detail"`
		}
		if code != 422 || json.Unmarshal(body, &v) != nil || len(v.Detail) != 1 || strings.Join(v.Detail[0].Loc, ".") != "body.uid" ||
			v.Detail[0].Msg != "Uids are not allowed to have the same prefix as the ID. Prefix with _?" {
			t.Errorf("%s: %d %s, want 422 at body.uid: the uid has the id's prefix", what, code, body)
		}
	}
	code, body := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": "a", "uid": "app_a"})
	refused("app create uid app_a", code, body)
	if code, body := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": "a", "uid": "a"}); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	code, body = e.Do("PUT", "/api/v1/app/a", bearer, map[string]any{"name": "a", "uid": "app_b"})
	refused("app update uid app_b", code, body)
	code, body = e.Do("PATCH", "/api/v1/app/a", bearer, map[string]any{"uid": "app_b"})
	refused("app patch uid app_b", code, body)
	code, body = e.Do("POST", "/api/v1/app/a/endpoint", bearer, map[string]any{"url": e.Recv.URL, "uid": "ep_x"})
	refused("endpoint create uid ep_x", code, body)
	code, body = e.Do("POST", "/api/v1/app/a/endpoint", bearer, map[string]any{"url": e.Recv.URL, "uid": "_ep_x"})
	if code != 201 {
		t.Fatalf("endpoint with uid _ep_x (Svix's own advice): %d %s", code, body)
	}
	id := servetest.JSON(t, body)["id"].(string)
	code, body = e.Do("PUT", "/api/v1/app/a/endpoint/"+id, bearer, map[string]any{"url": e.Recv.URL, "uid": "ep_y"})
	refused("endpoint update uid ep_y", code, body)
	code, body = e.Do("PATCH", "/api/v1/app/a/endpoint/"+id, bearer, map[string]any{"uid": "ep_y"})
	refused("endpoint patch uid ep_y", code, body)
	// The other's prefix is a uid like any.
	if code, body := e.Do("PATCH", "/api/v1/app/a/endpoint/"+id, bearer, map[string]any{"uid": "app_like"}); code != 200 {
		t.Errorf("endpoint uid app_like: %d %s", code, body)
	}
}
