package svix_test

import (
	"strings"
	"testing"

	"github.com/svix/svix-webhooks/go/models"
	"github.com/svix/svix-webhooks/go/utils"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// throttleRate is Svix's current name for rateLimit: the SDKs send and
// read either. An application or endpoint created, replaced or patched
// with one answers both; throttleRate wins when both are given; a null
// in a PATCH clears it; an out-of-range value is a 422 naming the field
// given.
func TestThrottleRate(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	u16 := func(n uint16) *uint16 { return &n }
	uid := "a"
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "A", Uid: &uid, ThrottleRate: u16(3)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if app.ThrottleRate == nil || *app.ThrottleRate != 3 || app.RateLimit == nil || *app.RateLimit != 3 {
		t.Fatalf("application created with throttleRate 3: %+v", app)
	}
	if got, err := sv.Application.Get(ctx, uid); err != nil || got.ThrottleRate == nil || *got.ThrottleRate != 3 {
		t.Fatalf("application read back: %+v %v", got, err)
	}
	ep, err := sv.Endpoint.Create(ctx, uid, models.EndpointIn{Url: e.Recv.URL, ThrottleRate: u16(7)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ep.ThrottleRate == nil || *ep.ThrottleRate != 7 || ep.RateLimit == nil || *ep.RateLimit != 7 {
		t.Fatalf("endpoint created with throttleRate 7: %+v", ep)
	}
	up, err := sv.Endpoint.Update(ctx, uid, ep.Id, models.EndpointUpdate{Url: e.Recv.URL, RateLimit: u16(4), ThrottleRate: u16(9)})
	if err != nil {
		t.Fatal(err)
	}
	if up.ThrottleRate == nil || *up.ThrottleRate != 9 || *up.RateLimit != 9 {
		t.Fatalf("PUT with rateLimit 4 and throttleRate 9: %+v", up)
	}
	var null utils.Nullable[uint16]
	null.Set(nil)
	p, err := sv.Endpoint.Patch(ctx, uid, ep.Id, models.EndpointPatch{ThrottleRate: null})
	if err != nil {
		t.Fatal(err)
	}
	if p.ThrottleRate != nil || p.RateLimit != nil {
		t.Fatalf("PATCH throttleRate null: %+v", p)
	}
	code, body := e.Do("POST", "/api/v1/app/a/endpoint", bearer, map[string]any{"url": e.Recv.URL, "throttleRate": 0})
	if code != 422 || !strings.Contains(string(body), `"throttleRate"`) {
		t.Fatalf("throttleRate 0: %d %s", code, body)
	}
	code, body = e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": "B", "throttleRate": 70000})
	if code != 422 || !strings.Contains(string(body), `"throttleRate"`) {
		t.Fatalf("application throttleRate 70000: %d %s", code, body)
	}
}

// An endpoint's lists follow Svix's rules as sent: filterTypes, if given,
// is not empty (an empty list was taken as "every event type");
// channels, if given, has 1 to 10 valid names (a comma in one split it
// in two). null still clears either in a PATCH, and an endpoint refused
// is not created or changed.
func TestEndpointListRules(t *testing.T) {
	e := servetest.Start(t, nil)
	ctx := t.Context()
	uid := "a"
	if _, err := client(t, e).Application.Create(ctx, models.ApplicationIn{Name: "A", Uid: &uid}, nil); err != nil {
		t.Fatal(err)
	}
	code, body := e.Do("POST", "/api/v1/app/a/endpoint", bearer, map[string]any{"url": e.Recv.URL, "uid": "e1", "channels": []string{"vip", "eu:west"}})
	if code != 201 {
		t.Fatalf("two channels: %d %s", code, body)
	}
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = "c" + string(rune('a'+i))
	}
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"filterTypes": []string{}}, "filterTypes"},
		{map[string]any{"channels": []string{}}, "channels"},
		{map[string]any{"channels": eleven}, "channels"},
		{map[string]any{"channels": []string{"a,b"}}, "channels"},
		{map[string]any{"channels": []string{"a b"}}, "channels"},
	} {
		tc.body["url"] = e.Recv.URL
		for _, method := range []string{"POST", "PUT", "PATCH"} {
			path := "/api/v1/app/a/endpoint"
			if method != "POST" {
				path += "/e1"
			}
			code, body := e.Do(method, path, bearer, tc.body)
			if code != 422 || !strings.Contains(string(body), `"`+tc.field+`"`) {
				t.Fatalf("%s %v: %d %s", method, tc.body, code, body)
			}
		}
	}
	code, body = e.Do("GET", "/api/v1/app/a/endpoint", bearer, nil)
	if n := len(servetest.JSON(t, body)["data"].([]any)); code != 200 || n != 1 {
		t.Fatalf("refused endpoints were created: %d %s", code, body)
	}
	code, body = e.Do("GET", "/api/v1/app/a/endpoint/e1", bearer, nil)
	if ep := servetest.JSON(t, body); code != 200 || len(ep["channels"].([]any)) != 2 || ep["url"] != e.Recv.URL {
		t.Fatalf("after refused PUTs and PATCHes: %d %s", code, body)
	}
	if code, body := e.Do("PATCH", "/api/v1/app/a/endpoint/e1", bearer, `{"channels":null}`); code != 200 || strings.Contains(string(body), `"channels"`) {
		t.Fatalf("PATCH channels null: %d %s", code, body)
	}
}

// A message's channels are null or 1 to 5 names, as Svix's MessageIn
// says (an empty list was taken as none, six went out).
func TestMessageChannelCount(t *testing.T) {
	e := servetest.Start(t, nil)
	uid := "a"
	if _, err := client(t, e).Application.Create(t.Context(), models.ApplicationIn{Name: "A", Uid: &uid}, nil); err != nil {
		t.Fatal(err)
	}
	for _, ch := range [][]string{{}, {"a", "b", "c", "d", "e", "f"}} {
		code, body := e.Do("POST", "/api/v1/app/a/msg", bearer, map[string]any{"eventType": "x.y", "payload": map[string]any{}, "channels": ch})
		if code != 422 || !strings.Contains(string(body), `"channels"`) {
			t.Fatalf("channels %v: %d %s", ch, code, body)
		}
	}
	for _, body := range []any{
		map[string]any{"eventType": "x.y", "payload": map[string]any{}, "channels": []string{"a", "b", "c", "d", "e"}},
		`{"eventType":"x.y","payload":{},"channels":null}`,
	} {
		if code, out := e.Do("POST", "/api/v1/app/a/msg", bearer, body); code != 202 {
			t.Fatalf("%v: %d %s", body, code, out)
		}
	}
}

// Svix's EndpointIn and ApplicationIn rules: an endpoint version is at
// least 1 (0 was kept); a description or application name holds no
// control character 0x00-0x08 (only NUL was refused); a tab or newline
// is fine.
func TestEndpointVersionAndControlCharacters(t *testing.T) {
	e := servetest.Start(t, nil)
	uid := "a"
	if _, err := client(t, e).Application.Create(t.Context(), models.ApplicationIn{Name: "A", Uid: &uid}, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, path, body, field string
	}{
		{"POST", "/api/v1/app/a/endpoint", `{"url":"` + e.Recv.URL + `","version":0}`, "version"},
		{"POST", "/api/v1/app/a/endpoint", `{"url":"` + e.Recv.URL + `","description":"a\u0001b"}`, "description"},
		{"POST", "/api/v1/app/a/endpoint", `{"url":"` + e.Recv.URL + `","description":"a\u0000b"}`, "description"},
		{"POST", "/api/v1/app", `{"name":"a\u0008b"}`, "name"},
		{"PATCH", "/api/v1/app/a", `{"name":"a\u0002"}`, "name"},
	} {
		code, body := e.Do(tc.method, tc.path, bearer, tc.body)
		if code != 422 || !strings.Contains(string(body), `["body","`+tc.field+`"]`) || !strings.Contains(string(body), "Control characters") && tc.field != "version" {
			t.Errorf("%s %s %s: %d %s", tc.method, tc.path, tc.body, code, body)
		}
	}
	code, body := e.Do("POST", "/api/v1/app/a/endpoint", bearer, `{"url":"`+e.Recv.URL+`","version":2,"description":"line one\n\tline two"}`)
	if ep := servetest.JSON(t, body); code != 201 || ep["version"] != 2.0 || ep["description"] != "line one\n\tline two" {
		t.Fatalf("version 2, tab and newline: %d %s", code, body)
	}
	code, body = e.Do("PATCH", "/api/v1/app/a/endpoint/"+servetest.JSON(t, body)["id"].(string), bearer, `{"version":0}`)
	if code != 422 {
		t.Fatalf("PATCH version 0: %d %s", code, body)
	}
}

// A null in an application PATCH clears the field, as in Svix's
// ApplicationPatch: uid (its endpoints forget it too) and throttleRate.
// A field not sent stays.
func TestApplicationPatchNull(t *testing.T) {
	e := servetest.Start(t, nil)
	code, body := e.Do("POST", "/api/v1/app", bearer, `{"name":"A","uid":"a","throttleRate":4}`)
	if code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	id := servetest.JSON(t, body)["id"].(string)
	if code, body := e.Do("POST", "/api/v1/app/a/endpoint", bearer, map[string]any{"url": e.Recv.URL, "uid": "e1"}); code != 201 {
		t.Fatalf("endpoint: %d %s", code, body)
	}
	code, body = e.Do("PATCH", "/api/v1/app/a", bearer, `{"throttleRate":null}`)
	if got := servetest.JSON(t, body); code != 200 || got["throttleRate"] != nil || got["rateLimit"] != nil || got["uid"] != "a" {
		t.Fatalf("PATCH throttleRate null: %d %s", code, body)
	}
	code, body = e.Do("PATCH", "/api/v1/app/a", bearer, `{"uid":null}`)
	if got := servetest.JSON(t, body); code != 200 || got["uid"] != nil || got["name"] != "A" {
		t.Fatalf("PATCH uid null: %d %s", code, body)
	}
	if code, body := e.Do("GET", "/api/v1/app/a", bearer, nil); code != 404 {
		t.Fatalf("the cleared uid still names it: %d %s", code, body)
	}
	code, body = e.Do("GET", "/api/v1/app/"+id+"/endpoint/e1", bearer, nil)
	if code != 200 {
		t.Fatalf("its endpoint: %d %s", code, body)
	}
	// The uid is free again.
	if code, body := e.Do("POST", "/api/v1/app", bearer, `{"name":"B","uid":"a"}`); code != 201 {
		t.Fatalf("the freed uid: %d %s", code, body)
	}
}
