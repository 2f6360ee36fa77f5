package svix_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	svixgo "github.com/svix/svix-webhooks/go"
	"github.com/svix/svix-webhooks/go/models"
	"github.com/svix/svix-webhooks/go/utils"

	"github.com/hookctl/hookctl/internal/provider/svix"
	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// A PUT replaces the endpoint, as Svix's update does (EndpointUpdate into
// the model, every field set): what the body leaves out is cleared or
// back to its default (uid, channels, filterTypes, description,
// metadata, version, disabled, rateLimit); the secret and the custom
// headers are not part of it and stay. PUT of an endpoint that does not
// exist creates it (201). The PUT kept every field it was not given.
func TestEndpointPutReplaces(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	uid := "a"
	if _, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "A", Uid: &uid}, nil); err != nil {
		t.Fatal(err)
	}
	declare(t, e, "a.b")
	code, body := e.Do("POST", "/api/v1/app/a/endpoint", bearer, map[string]any{"url": e.Recv.URL, "uid": "e1",
		"filterTypes": []string{"a.b"}, "channels": []string{"c1"}, "description": "d", "metadata": map[string]string{"k": "v"},
		"version": 2, "disabled": true, "rateLimit": 5, "headers": map[string]string{"X-Team": "t"}})
	if code != 201 {
		t.Fatalf("endpoint: %d %s", code, body)
	}
	ep := servetest.JSON(t, body)
	if ep["rateLimit"] != 5.0 || ep["version"] != 2.0 || ep["uid"] != "e1" {
		t.Fatalf("created: %s", body)
	}
	id := ep["id"].(string)
	secret, err := sv.Endpoint.GetSecret(ctx, uid, id)
	if err != nil {
		t.Fatal(err)
	}
	up, err := sv.Endpoint.Update(ctx, uid, id, models.EndpointUpdate{Url: e.Recv.URL + "/v2"})
	if err != nil {
		t.Fatal(err)
	}
	if up.Url != e.Recv.URL+"/v2" || up.Uid != nil || up.Channels != nil || up.FilterTypes != nil || up.Description != "" ||
		len(up.Metadata) != 0 || up.Version != 1 || up.Disabled == nil || *up.Disabled || up.RateLimit != nil {
		t.Fatalf("after a PUT with only url: %+v", up)
	}
	if code, body := e.Do("GET", "/api/v1/app/a/endpoint/e1", bearer, nil); code != 404 {
		t.Fatalf("the cleared uid still names it: %d %s", code, body)
	}
	if s, err := sv.Endpoint.GetSecret(ctx, uid, id); err != nil || s.Key != secret.Key {
		t.Fatalf("secret after PUT: %+v %v", s, err)
	}
	if h, err := sv.Endpoint.GetHeaders(ctx, uid, id); err != nil || h.Headers["X-Team"] != "t" {
		t.Fatalf("headers after PUT: %+v %v", h, err)
	}
	// Sent everywhere again: no filterTypes, no channels, enabled.
	if code, body := e.Do("POST", "/api/v1/app/a/msg", bearer, map[string]any{"eventType": "x.y", "payload": map[string]any{}}); code != 202 {
		t.Fatalf("msg: %d %s", code, body)
	}
	if got := e.Recv.Next(t, 5e9); got.Header.Get("svix-id") == "" {
		t.Fatalf("delivery: %v", got.Header)
	}
	// PUT of an endpoint that is not there creates it.
	code, body = e.Do("PUT", "/api/v1/app/a/endpoint/ep_none", bearer, map[string]any{"url": e.Recv.URL, "uid": "e2"})
	if code != 201 || servetest.JSON(t, body)["uid"] != "e2" {
		t.Fatalf("PUT of a missing endpoint: %d %s", code, body)
	}
}

// filterTypes must name declared event types, as Svix's
// validate_event_types checks on create, update and patch: an undeclared
// (or archived) one is a 422 at body.filterTypes naming it. They were
// taken as given, so a typo in a type silently filtered every message
// out.
func TestFilterTypesMustBeDeclared(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	uid := "a"
	if _, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "A", Uid: &uid}, nil); err != nil {
		t.Fatal(err)
	}
	declare(t, e, "order.created", "order.old")
	if code, body := e.Do("DELETE", "/api/v1/event-type/order.old", bearer, nil); code != 204 {
		t.Fatalf("archive: %d %s", code, body)
	}
	want422 := func(what string, err error, names ...string) {
		t.Helper()
		var se *svixgo.Error
		if !errors.As(err, &se) || se.Status() != 422 {
			t.Fatalf("%s: %v, want a 422", what, err)
		}
		b := string(se.Body())
		if !strings.Contains(b, `"loc":["body","filterTypes"]`) {
			t.Fatalf("%s: %s", what, b)
		}
		for _, n := range names {
			if !strings.Contains(b, n) {
				t.Fatalf("%s: %s does not name %s", what, b, n)
			}
		}
	}
	_, err := sv.Endpoint.Create(ctx, uid, models.EndpointIn{Url: e.Recv.URL, FilterTypes: []string{"order.created", "order.craeted"}}, nil)
	want422("create with a typo", err, "order.craeted")
	_, err = sv.Endpoint.Create(ctx, uid, models.EndpointIn{Url: e.Recv.URL, FilterTypes: []string{"order.old"}}, nil)
	want422("create with an archived type", err, "order.old")
	ep, err := sv.Endpoint.Create(ctx, uid, models.EndpointIn{Url: e.Recv.URL, FilterTypes: []string{"order.created"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = sv.Endpoint.Update(ctx, uid, ep.Id, models.EndpointUpdate{Url: e.Recv.URL, FilterTypes: []string{"nope"}})
	want422("update", err, "nope")
	_, err = sv.Endpoint.Patch(ctx, uid, ep.Id, models.EndpointPatch{FilterTypes: utils.NewNullable([]string{"nope"})})
	want422("patch", err, "nope")
	if got, err := sv.Endpoint.Get(ctx, uid, ep.Id); err != nil || len(got.FilterTypes) != 1 || got.FilterTypes[0] != "order.created" {
		t.Fatalf("after the refused changes: %+v %v", got, err)
	}
	// Messages are not gated: any type is sent (as in Svix).
	if code, body := e.Do("POST", "/api/v1/app/a/msg", bearer, map[string]any{"eventType": "never.declared", "payload": map[string]any{}}); code != 202 {
		t.Fatalf("msg: %d %s", code, body)
	}
}

// An application an earlier hookctl kept in memory is known to the store
// only by its endpoints' metadata and its messages' headers: it is still
// found (by id and uid, and listed), then kept as a store object, so its
// delete holds after a restart though its messages name it.
func TestApplicationOfAnEarlierHookctl(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hookctl.db")
	open := func() store.Store {
		st, err := sqlite.Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	st := open()
	ctx := t.Context()
	sub := &store.Subscription{CallbackURL: "http://127.0.0.1:1/old", Events: []string{"*"}, Provider: "standard", Scheme: "svix",
		Metadata: map[string]string{svix.MetaID: "ep_old", svix.MetaApp: "app_old", "svix_app_uid": "old", "svix_app_name": "Old"}}
	if err := st.CreateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	ev := &store.Event{ID: "msg_quiet", Type: "a.b", Provider: "standard", Payload: []byte(`{}`), Source: store.SourceTriggered,
		Headers: map[string][]string{"X-Hookctl-Svix-App": {"app_quiet"}, "X-Hookctl-Svix-App-Uid": {"quiet"}, "X-Hookctl-Svix-App-Name": {"Quiet"}}}
	if err := st.CreateEvent(ctx, ev, nil); err != nil {
		t.Fatal(err)
	}
	e := servetest.StartWith(t, st, nil)
	for _, id := range []string{"old", "app_old", "quiet"} {
		if code, body := e.Do("GET", "/api/v1/app/"+id, bearer, nil); code != 200 {
			t.Fatalf("get %s: %d %s", id, code, body)
		}
	}
	code, body := e.Do("GET", "/api/v1/app", bearer, nil)
	if code != 200 || !strings.Contains(string(body), `"app_old"`) || !strings.Contains(string(body), `"app_quiet"`) {
		t.Fatalf("list: %d %s", code, body)
	}
	if code, body := e.Do("DELETE", "/api/v1/app/quiet", bearer, nil); code != 204 {
		t.Fatalf("delete: %d %s", code, body)
	}
	e2 := servetest.StartWith(t, open(), nil)
	if code, body := e2.Do("GET", "/api/v1/app/quiet", bearer, nil); code != 404 {
		t.Fatalf("the deleted application after a restart: %d %s", code, body)
	}
	if code, body := e2.Do("GET", "/api/v1/app/old", bearer, nil); code != 200 || servetest.JSON(t, body)["name"] != "Old" {
		t.Fatalf("the other: %d %s", code, body)
	}
}
