package svix_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	svixgo "github.com/svix/svix-webhooks/go"
	"github.com/svix/svix-webhooks/go/models"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

var bearer = map[string]string{"Authorization": "Bearer testsk_local"}

func client(t *testing.T, e *servetest.Env) *svixgo.Svix {
	u, _ := url.Parse(e.URL)
	sv, err := svixgo.New("testsk_local", &svixgo.SvixOptions{ServerUrl: u})
	if err != nil {
		t.Fatal(err)
	}
	return sv
}

// The "done when": an app using the official svix library creates
// an endpoint and sends a message; its receiver gets a Standard Webhooks
// delivery that the same library verifies with the secret from
// GET …/secret/.
func TestOfficialGoClientEndToEnd(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	uid := "my-app"
	app, err := sv.Application.GetOrCreate(ctx, models.ApplicationIn{Name: "My app", Uid: &uid}, nil)
	if err != nil {
		t.Fatal(err)
	}
	again, err := sv.Application.GetOrCreate(ctx, models.ApplicationIn{Name: "My app", Uid: &uid}, nil)
	if err != nil || again.Id != app.Id {
		t.Fatalf("get_if_exists: %+v %v", again, err)
	}
	if got, err := sv.Application.Get(ctx, uid); err != nil || got.Id != app.Id {
		t.Fatalf("app by uid: %+v %v", got, err)
	}
	epUID := "orders-ep"
	declare(t, e, "order.created", "order.paid")
	ep, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: e.Recv.URL + "/svix", FilterTypes: []string{"order.created", "order.paid"}, Uid: &epUID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ep.Id, "ep_") || len(ep.FilterTypes) != 2 || ep.Uid == nil || *ep.Uid != epUID {
		t.Fatalf("endpoint: %+v", ep)
	}
	sec, err := sv.Endpoint.GetSecret(ctx, app.Id, ep.Id)
	if err != nil || !strings.HasPrefix(sec.Key, "whsec_") {
		t.Fatalf("secret: %+v %v", sec, err)
	}
	msg, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "order.created", Payload: map[string]any{"order": "o-1", "amount": 12.5}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := e.Recv.Next(t, 5*time.Second)
	wh, err := svixgo.NewWebhook(sec.Key)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(rec.Body, rec.Header); err != nil {
		t.Fatalf("svix library does not verify the delivery: %v (headers %v)", err, rec.Header)
	}
	// Svix's own header names (webhook-* are its paid white-label
	// option): an app reading svix-id, as Svix's guides do, finds it.
	if rec.Header.Get("svix-id") != msg.Id || rec.Header.Get("svix-timestamp") == "" || rec.Header.Get("svix-signature") == "" ||
		rec.Header.Get("webhook-id") != "" {
		t.Fatalf("the message id is the svix-id idempotency key: %v", rec.Header)
	}
	// A type the endpoint does not filter for is not delivered.
	if _, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "user.signup", Payload: map[string]any{}}, nil); err != nil {
		t.Fatal(err)
	}
	e.Recv.None(t, 300*time.Millisecond)

	got, err := sv.Message.Get(ctx, app.Id, msg.Id, nil)
	if err != nil || got.EventType != "order.created" || got.Payload["order"] != "o-1" {
		t.Fatalf("msg get: %+v %v", got, err)
	}
	msgs, err := sv.Message.List(ctx, app.Id, nil)
	if err != nil || len(msgs.Data) != 2 || !msgs.Done {
		t.Fatalf("msg list: %+v %v", msgs, err)
	}
	var atts *models.ListResponseMessageAttemptOut
	for range 50 { // the attempt is recorded just after the answer
		atts, err = sv.MessageAttempt.ListByMsg(ctx, app.Id, msg.Id, nil)
		if err != nil || len(atts.Data) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || len(atts.Data) != 1 || atts.Data[0].Status != models.MESSAGESTATUS_SUCCESS || atts.Data[0].EndpointId != ep.Id || atts.Data[0].ResponseStatusCode != 200 {
		t.Fatalf("attempts by msg: %+v %v", atts, err)
	}
	byEp, err := sv.MessageAttempt.ListByEndpoint(ctx, app.Id, epUID, nil)
	if err != nil || len(byEp.Data) != 1 {
		t.Fatalf("attempts by endpoint (by uid): %+v %v", byEp, err)
	}
	if _, err := sv.MessageAttempt.Resend(ctx, app.Id, msg.Id, ep.Id, nil); err != nil {
		t.Fatal(err)
	}
	again2 := e.Recv.Next(t, 5*time.Second)
	if string(again2.Body) != string(rec.Body) || wh.Verify(again2.Body, again2.Header) != nil {
		t.Fatalf("resend: the same bytes, signed afresh: %s", again2.Body)
	}

	// Rotation: the new secret verifies the next delivery.
	if err := sv.Endpoint.RotateSecret(ctx, app.Id, ep.Id, models.EndpointSecretRotateIn{}, nil); err != nil {
		t.Fatal(err)
	}
	sec2, err := sv.Endpoint.GetSecret(ctx, app.Id, ep.Id)
	if err != nil || sec2.Key == sec.Key {
		t.Fatalf("rotated secret: %+v %v", sec2, err)
	}
	sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "order.paid", Payload: map[string]any{"order": "o-1"}}, nil)
	rec3 := e.Recv.Next(t, 5*time.Second)
	wh2, _ := svixgo.NewWebhook(sec2.Key)
	if err := wh2.Verify(rec3.Body, rec3.Header); err != nil {
		t.Fatalf("after rotation: %v", err)
	}

	// Update, patch, list, delete.
	desc := "orders"
	up, err := sv.Endpoint.Update(ctx, app.Id, ep.Id, models.EndpointUpdate{Url: e.Recv.URL + "/v2", Description: &desc})
	if err != nil || up.Url != e.Recv.URL+"/v2" || up.Description != "orders" || len(up.FilterTypes) != 0 {
		t.Fatalf("update (PUT replaces filterTypes): %+v %v", up, err)
	}
	// A resend goes where the endpoint is now, not where the message
	// first went.
	if _, err := sv.MessageAttempt.Resend(ctx, app.Id, msg.Id, ep.Id, nil); err != nil {
		t.Fatal(err)
	}
	if moved := e.Recv.Next(t, 5*time.Second); moved.Path != "/v2" || string(moved.Body) != string(rec.Body) {
		t.Fatalf("a resend after the endpoint moved went to %s, want /v2", moved.Path)
	}
	dis := true
	pt, err := sv.Endpoint.Patch(ctx, app.Id, ep.Id, models.EndpointPatch{Disabled: &dis})
	if err != nil || pt.Disabled == nil || !*pt.Disabled || pt.Url != e.Recv.URL+"/v2" {
		t.Fatalf("patch: %+v %v", pt, err)
	}
	list, err := sv.Endpoint.List(ctx, app.Id, nil)
	if err != nil || len(list.Data) != 1 || !list.Done {
		t.Fatalf("endpoint list: %+v %v", list, err)
	}
	if err := sv.Endpoint.Delete(ctx, app.Id, ep.Id); err != nil {
		t.Fatal(err)
	}
	_, err = sv.Endpoint.Get(ctx, app.Id, ep.Id)
	var se *svixgo.Error
	if !errors.As(err, &se) || se.Status() != 404 {
		t.Fatalf("get after delete: %v", err)
	}
}

func TestRecoverFailed(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	since := time.Now().Add(-time.Minute)
	app, ep := failedMessage(t, e, sv)
	out, err := sv.Endpoint.Recover(ctx, app.Id, ep.Id, models.RecoverIn{Since: since}, nil)
	if err != nil || out.Task != "endpoint.recover" {
		t.Fatalf("recover: %+v %v", out, err)
	}
	rec := e.Recv.Next(t, 5*time.Second)
	if string(rec.Body) != `{"n":1}` {
		t.Fatalf("recovered body: %s", rec.Body)
	}
}

// failedMessage creates an application and an endpoint at e's receiver
// and sends it {"n":1}, which fails all three attempts of the test
// schedule; the receiver answers 200 again afterwards.
func failedMessage(t *testing.T, e *servetest.Env, sv *svixgo.Svix) (*models.ApplicationOut, *models.EndpointOut) {
	t.Helper()
	ctx := t.Context()
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "a"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: e.Recv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.Recv.SetStatus(500)
	if _, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "x.y", Payload: map[string]any{"n": 1}}, nil); err != nil {
		t.Fatal(err)
	}
	for range 3 { // the test schedule: 3 attempts
		e.Recv.Next(t, 5*time.Second)
	}
	waitFailed(t, e)
	e.Recv.SetStatus(200)
	return app, ep
}

func waitFailed(t *testing.T, e *servetest.Env) {
	t.Helper()
	for range 200 {
		_, body := e.Do("GET", "/_hookctl/deliveries?status=failed", nil, nil)
		if strings.Contains(string(body), `"status":"failed"`) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the delivery never failed")
}

func TestShapesAndTrailingSlashes(t *testing.T) {
	e := servetest.Start(t, nil)
	code, body := e.Do("POST", "/api/v1/app/", bearer, map[string]any{"name": "A", "uid": "a"})
	if code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	servetest.Golden(t, "app", body)
	declare(t, e, "a.b")
	code, body = e.Do("POST", "/api/v1/app/a/endpoint/", bearer, map[string]any{"url": e.Recv.URL, "filterTypes": []string{"a.b"}, "metadata": map[string]string{"k": "v"}})
	if code != 201 {
		t.Fatalf("endpoint: %d %s", code, body)
	}
	servetest.Golden(t, "endpoint", body)
	ep := servetest.JSON(t, body)["id"].(string)
	code, body = e.Do("GET", "/api/v1/app/a/endpoint?limit=10", bearer, nil)
	if code != 200 {
		t.Fatalf("list: %d %s", code, body)
	}
	servetest.Golden(t, "endpoint_list", body)
	code, body = e.Do("GET", "/api/v1/app/a/endpoint/"+ep+"/secret/", bearer, nil)
	if code != 200 {
		t.Fatalf("secret: %d %s", code, body)
	}
	servetest.Golden(t, "secret", body)
	code, body = e.Do("POST", "/api/v1/app/a/msg?with_content=false", bearer, map[string]any{"eventType": "a.b", "payload": map[string]any{"x": 1}, "eventId": "evt-1"})
	if code != 202 {
		t.Fatalf("msg: %d %s", code, body)
	}
	servetest.Golden(t, "msg", body)
	msg := servetest.JSON(t, body)["id"].(string)
	e.Recv.Next(t, 5*time.Second)
	// An eventId is unique within its application: sent again, Svix's
	// 409 conflict, and nothing is delivered.
	code, body = e.Do("POST", "/api/v1/app/a/msg/", bearer, map[string]any{"eventType": "a.b", "payload": map[string]any{"x": 1}, "eventId": "evt-1"})
	if code != 409 || servetest.JSON(t, body)["code"] != "conflict" {
		t.Fatalf("same eventId: %d %s, want 409 conflict", code, body)
	}
	e.Recv.None(t, 200*time.Millisecond)
	// The same idempotency-key (what a library's retry sends) replays
	// the first answer instead.
	idem := map[string]string{"Authorization": bearer["Authorization"], "Idempotency-Key": "auto_k1"}
	in := map[string]any{"eventType": "a.b", "payload": map[string]any{"x": 2}, "eventId": "evt-2"}
	code, first := e.Do("POST", "/api/v1/app/a/msg/", idem, in)
	e.Recv.Next(t, 5*time.Second)
	if code2, again := e.Do("POST", "/api/v1/app/a/msg/", idem, in); code != 202 || code2 != 202 || string(again) != string(first) {
		t.Fatalf("retry with the idempotency-key: %d %s, then %d %s", code, first, code2, again)
	}
	e.Recv.None(t, 200*time.Millisecond)
	code, body = e.Do("GET", "/api/v1/app/a/msg/"+msg+"/", bearer, nil)
	if code != 200 || !strings.Contains(string(body), `"payload":{"x":1}`) {
		t.Fatalf("msg get: %d %s", code, body)
	}
	var atts []byte
	for range 50 {
		code, atts = e.Do("GET", "/api/v1/app/a/attempt/msg/"+msg+"/", bearer, nil)
		if strings.Contains(string(atts), "atmpt_") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code != 200 {
		t.Fatalf("attempts: %d %s", code, atts)
	}
	servetest.Golden(t, "attempts", atts)
	code, body = e.Do("GET", "/api/v1/app/a/endpoint/nope/", bearer, nil)
	if code != 404 {
		t.Fatalf("404: %d %s", code, body)
	}
	servetest.Golden(t, "error", body)
}

func TestBadInput(t *testing.T) {
	e := servetest.Start(t, func(o *serve.Options) { o.APIKey = "testsk_local" })
	if code, body := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": "A", "uid": "a"}); code != 201 {
		t.Fatalf("%d %s", code, body)
	}
	for _, tc := range []struct {
		name, method, path string
		hdr                map[string]string
		body               any
		status             int
		code               string
	}{
		{"no token", "GET", "/api/v1/app", nil, nil, 401, "authentication_failed"},
		{"wrong token", "GET", "/api/v1/app", map[string]string{"Authorization": "Bearer x"}, nil, 401, "authentication_failed"},
		{"unknown app", "GET", "/api/v1/app/nope/endpoint", bearer, nil, 404, "not_found"},
		{"app without name", "POST", "/api/v1/app", bearer, `{}`, 422, "validation"},
		{"duplicate app uid", "POST", "/api/v1/app", bearer, `{"name":"B","uid":"a"}`, 409, "conflict"},
		{"endpoint without url", "POST", "/api/v1/app/a/endpoint", bearer, `{}`, 422, "validation"},
		{"endpoint bad url", "POST", "/api/v1/app/a/endpoint", bearer, `{"url":"localhost:3000"}`, 422, "validation"},
		{"endpoint bad secret", "POST", "/api/v1/app/a/endpoint", bearer, `{"url":"http://x.test","secret":"nope"}`, 422, "validation"},
		{"endpoint bad json", "POST", "/api/v1/app/a/endpoint", bearer, `{"url":`, 422, "validation"},
		{"endpoint wrong type", "POST", "/api/v1/app/a/endpoint", bearer, `{"url":"http://x.test","filterTypes":"a"}`, 422, "validation"},
		{"msg without type", "POST", "/api/v1/app/a/msg", bearer, `{"payload":{}}`, 422, "validation"},
		{"msg payload not object", "POST", "/api/v1/app/a/msg", bearer, `{"eventType":"a","payload":[1]}`, 422, "validation"},
		{"unknown msg", "GET", "/api/v1/app/a/msg/msg_nope", bearer, nil, 404, "not_found"},
		{"bad limit", "GET", "/api/v1/app/a/endpoint?limit=1000", bearer, nil, 422, "validation"},
		{"recover without since", "POST", "/api/v1/app/a/endpoint/nope/recover", bearer, `{}`, 404, "not_found"},
		{"unknown route", "GET", "/api/v1/nothing", bearer, nil, 404, "not_found"},
		{"too large", "POST", "/api/v1/app/a/msg", bearer, `{"eventType":"a","payload":{"x":"` + strings.Repeat("x", 1<<20) + `"}}`, 413, "payload_too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := e.Do(tc.method, tc.path, tc.hdr, tc.body)
			m := servetest.JSON(t, body)
			if code != tc.status || m["code"] != tc.code || m["detail"] == "" {
				t.Fatalf("got %d %s; want %d with code %q", code, body, tc.status, tc.code)
			}
			if code != 422 {
				if _, ok := m["detail"].(string); !ok {
					t.Fatalf("detail is not a string: %s", body)
				}
				return
			}
			// Svix's HTTPValidationError: detail is a list of {loc, msg,
			// type}, as svix-python iterates it (a string there made
			// its error handling fail with AttributeError).
			var v struct {
				Detail []struct {
					Loc       []string
					Msg, Type string
				}
			}
			if err := json.Unmarshal(body, &v); err != nil || len(v.Detail) != 1 || len(v.Detail[0].Loc) == 0 || v.Detail[0].Msg == "" || v.Detail[0].Type == "" {
				t.Fatalf("not Svix's validation envelope: %s (%v)", body, err)
			}
		})
	}
	for path, want := range map[string]string{
		"/api/v1/app/a/endpoint?limit=0": `["query","limit"]`,
		"/api/v1/app/%FF":                `["path"]`,
	} {
		if code, body := e.Do("GET", path, bearer, nil); code != 422 || !strings.Contains(string(body), `"loc":`+want) {
			t.Errorf("GET %s: %d %s, want loc %s", path, code, body, want)
		}
	}
	if code, body := e.Do("POST", "/api/v1/app/a/endpoint", bearer, `{"url":"nope"}`); code != 422 || !strings.Contains(string(body), `"loc":["body","url"]`) {
		t.Errorf("bad url: %d %s, want loc body.url", code, body)
	}
}

// A Svix endpoint receives what its application sends (and standard
// events hookctl triggers), never another provider's events: an endpoint
// without filterTypes once got every Bond card.created as a Standard
// Webhooks message, and showed up in Bond's webhook list.
func TestEndpointGetsNoOtherProvidersEvents(t *testing.T) {
	e := servetest.Start(t, nil)
	if code, body := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": "A", "uid": "a"}); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	if code, body := e.Do("POST", "/api/v1/app/a/endpoint", bearer, map[string]any{"url": e.Recv.URL + "/svix"}); code != 201 {
		t.Fatalf("endpoint: %d %s", code, body)
	}
	code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "card.created"})
	if code == 201 {
		t.Fatalf("a Bond event went to the Svix endpoint: %s", body)
	}
	bond := map[string]string{"Identity": "i", "Authorization": "k"}
	if code, body := e.Do("GET", "/api/v0/webhooks/", bond, nil); code != 200 || strings.TrimSpace(string(body)) != "[]" {
		t.Fatalf("Bond's list shows the Svix endpoint: %d %s", code, body)
	}
	if code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "ping", "provider": "standard"}); code != 201 {
		t.Fatalf("a standard event: %d %s", code, body)
	}
	if got := e.Recv.Next(t, 5*time.Second); got.Path != "/svix" || got.Header.Get("Svix-Signature") == "" {
		t.Fatalf("standard event: %+v", got)
	}
	if code, body := e.Do("POST", "/api/v1/app/a/msg", bearer, map[string]any{"eventType": "order.created", "payload": map[string]any{}}); code != 202 {
		t.Fatalf("msg: %d %s", code, body)
	}
	e.Recv.Next(t, 5*time.Second)
}

// Applications outlive the server: after a restart over the same store,
// getOrCreate by uid finds the same application (id, uid, name) with its
// endpoints, and one that has only messages is found too. Before, the
// uid and name were kept in memory only, so getOrCreate made a new
// application and the old one's endpoints were out of reach.
func TestApplicationsSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hookctl.db")
	open := func() store.Store {
		st, err := sqlite.Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	e := servetest.StartWith(t, open(), nil)
	sv := client(t, e)
	ctx := t.Context()
	uid, lonelyUID := "shop", "lonely"
	app, err := sv.Application.GetOrCreate(ctx, models.ApplicationIn{Name: "Shop", Uid: &uid}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: e.Recv.URL + "/svix"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	lonely, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "Lonely", Uid: &lonelyUID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := sv.Message.Create(ctx, lonely.Id, models.MessageIn{EventType: "a.b", Payload: map[string]any{}}, nil)
	if err != nil {
		t.Fatal(err)
	}

	e2 := servetest.StartWith(t, open(), nil) // a new server: nothing in memory
	sv2 := client(t, e2)
	// Both are in the store (an application with no endpoint too).
	if got, err := sv2.Application.List(ctx, nil); err != nil || len(got.Data) != 2 || got.Data[0].Id != app.Id || got.Data[0].Name != "Shop" || got.Data[1].Id != lonely.Id {
		t.Fatalf("list after restart: %+v %v", got, err)
	}
	again, err := sv2.Application.GetOrCreate(ctx, models.ApplicationIn{Name: "Shop", Uid: &uid}, nil)
	if err != nil || again.Id != app.Id || again.Name != "Shop" || again.Uid == nil || *again.Uid != uid {
		t.Fatalf("getOrCreate after restart: %+v %v; want %s", again, err, app.Id)
	}
	eps, err := sv2.Endpoint.List(ctx, uid, nil)
	if err != nil || len(eps.Data) != 1 || eps.Data[0].Id != ep.Id {
		t.Fatalf("endpoints after restart: %+v %v", eps, err)
	}
	got, err := sv2.Application.Get(ctx, lonelyUID)
	if err != nil || got.Id != lonely.Id || got.Name != "Lonely" {
		t.Fatalf("app with messages only, after restart: %+v %v", got, err)
	}
	if m, err := sv2.Message.Get(ctx, lonelyUID, msg.Id, nil); err != nil || m.Id != msg.Id {
		t.Fatalf("its message: %+v %v", m, err)
	}
	if _, err := sv2.Application.Create(ctx, models.ApplicationIn{Name: "Dup", Uid: &uid}, nil); err == nil {
		t.Fatal("a second application with the uid of a stored one was created")
	}
}

// The message and attempt lists filter as the official libraries ask:
// event_types (sent comma-joined: event_types=a,b, which once matched
// nothing), channel, before/after, an attempt's status and status code
// class, and listByMsg's endpoint_id.
func TestListFilters(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "a"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	good, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: e.Recv.URL + "/good"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The receiver answers 200; a closed port fails the bad endpoint.
	declare(t, e, "order.created")
	bad, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: "http://127.0.0.1:1/", FilterTypes: []string{"order.created"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, typ := range []string{"order.created", "order.paid", "user.created"} {
		ch := []string{"ch-" + typ}
		m, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: typ, Payload: map[string]any{}, Channels: ch}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.Id)
		time.Sleep(5 * time.Millisecond)
	}
	msgs := func(o *svixgo.MessageListOptions) []string {
		t.Helper()
		l, err := sv.Message.List(ctx, app.Id, o)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range l.Data {
			out = append(out, m.EventType)
		}
		return out
	}
	if got := msgs(&svixgo.MessageListOptions{EventTypes: &[]string{"order.created", "order.paid"}}); strings.Join(got, ",") != "order.paid,order.created" {
		t.Fatalf("event_types=order.created,order.paid: %v", got)
	}
	ch := "ch-user.created"
	if got := msgs(&svixgo.MessageListOptions{Channel: &ch}); strings.Join(got, ",") != "user.created" {
		t.Fatalf("channel: %v", got)
	}
	// before/after (the Go library sends whole seconds; these are finer).
	m1, _ := sv.Message.Get(ctx, app.Id, ids[1], nil)
	for q, want := range map[string]string{"before": "order.created", "after": "user.created"} {
		code, body := e.Do("GET", "/api/v1/app/"+app.Id+"/msg?"+q+"="+url.QueryEscape(m1.Timestamp.Format(time.RFC3339Nano)), bearer, nil)
		if l := servetest.JSON(t, body)["data"].([]any); code != 200 || len(l) != 1 || l[0].(map[string]any)["eventType"] != want {
			t.Fatalf("%s the second message: %d %s", q, code, body)
		}
	}

	// Wait for every attempt: 3 to good, 3 (the test schedule) to bad.
	for range 300 {
		l, err := sv.MessageAttempt.ListByEndpoint(ctx, app.Id, bad.Id, nil)
		if err == nil && len(l.Data) == 3 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	failed := models.MESSAGESTATUS_FAIL
	l, err := sv.MessageAttempt.ListByEndpoint(ctx, app.Id, bad.Id, &svixgo.MessageAttemptListByEndpointOptions{Status: &failed})
	if err != nil || len(l.Data) != 3 {
		t.Fatalf("failed attempts to bad: %+v %v", l, err)
	}
	ok := models.MESSAGESTATUS_SUCCESS
	if l, err = sv.MessageAttempt.ListByEndpoint(ctx, app.Id, bad.Id, &svixgo.MessageAttemptListByEndpointOptions{Status: &ok}); err != nil || len(l.Data) != 0 {
		t.Fatalf("successful attempts to bad: %+v %v", l, err)
	}
	c2xx := models.STATUSCODECLASS_CODE2XX
	if l, err = sv.MessageAttempt.ListByEndpoint(ctx, app.Id, good.Id, &svixgo.MessageAttemptListByEndpointOptions{StatusCodeClass: &c2xx, EventTypes: &[]string{"order.paid", "user.created"}}); err != nil || len(l.Data) != 2 {
		t.Fatalf("2xx attempts of two types to good: %+v %v", l, err)
	}
	if l, err = sv.MessageAttempt.ListByMsg(ctx, app.Id, ids[0], &svixgo.MessageAttemptListByMsgOptions{EndpointId: &good.Id}); err != nil || len(l.Data) != 1 || l.Data[0].EndpointId != good.Id {
		t.Fatalf("attempts of the first message to good: %+v %v", l, err)
	}
	if code, body := e.Do("GET", "/api/v1/app/"+app.Id+"/attempt/endpoint/"+good.Id+"?status=9", bearer, nil); code != 422 {
		t.Fatalf("status=9: %d %s", code, body)
	}
}

// A uid is used in URL paths in place of the id: one that cannot be
// (empty, a slash, a space) is refused as Svix refuses it, and an
// endpoint cannot take another endpoint's uid by PATCH.
func TestUIDRules(t *testing.T) {
	e := servetest.Start(t, nil)
	for _, uid := range []string{"", "has space", "a/b", strings.Repeat("x", 257)} {
		if code, body := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": "A", "uid": uid}); code != 422 {
			t.Fatalf("app uid %q: %d %s", uid, code, body)
		}
	}
	if code, body := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": "A", "uid": "a-1_b.c"}); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	if code, body := e.Do("POST", "/api/v1/app/a-1_b.c/endpoint", bearer, map[string]any{"url": e.Recv.URL, "uid": "a b"}); code != 422 {
		t.Fatalf("endpoint uid with a space: %d %s", code, body)
	}
	if code, body := e.Do("POST", "/api/v1/app/a-1_b.c/endpoint", bearer, map[string]any{"url": e.Recv.URL, "uid": "one"}); code != 201 {
		t.Fatalf("endpoint one: %d %s", code, body)
	}
	if code, body := e.Do("POST", "/api/v1/app/a-1_b.c/endpoint", bearer, map[string]any{"url": e.Recv.URL, "uid": "two"}); code != 201 {
		t.Fatalf("endpoint two: %d %s", code, body)
	}
	if code, body := e.Do("PATCH", "/api/v1/app/a-1_b.c/endpoint/two", bearer, map[string]any{"uid": "one"}); code != 409 {
		t.Fatalf("PATCH two to one's uid: %d %s", code, body)
	}
	if code, body := e.Do("PATCH", "/api/v1/app/a-1_b.c/endpoint/two", bearer, map[string]any{"uid": "two"}); code != 200 {
		t.Fatalf("PATCH to its own uid: %d %s", code, body)
	}
}

// Parallel creates of endpoints with one uid make one endpoint; the
// others are 409.
func TestParallelCreatesWithOneUID(t *testing.T) {
	e := servetest.Start(t, nil)
	if code, body := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": "A", "uid": "a"}); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	for round := range 10 {
		uid := fmt.Sprintf("same-%d", round)
		codes := make(chan int, 16)
		var wg sync.WaitGroup
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("POST", e.URL+"/api/v1/app/a/endpoint", strings.NewReader(`{"url":"`+e.Recv.URL+`","uid":"`+uid+`"}`))
				req.Header.Set("Authorization", bearer["Authorization"])
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					codes <- 0
					return
				}
				resp.Body.Close()
				codes <- resp.StatusCode
			}()
		}
		wg.Wait()
		close(codes)
		n := map[int]int{}
		for c := range codes {
			n[c]++
		}
		if n[201] != 1 || n[409] != 15 {
			t.Fatalf("round %d: answers %v; want one 201 and fifteen 409", round, n)
		}
	}
}

// Parallel messages with one eventId are one message (and one delivery):
// one send is accepted, the others get 409.
func TestParallelMessagesWithOneEventID(t *testing.T) {
	e := servetest.Start(t, nil)
	if code, body := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": "A", "uid": "a"}); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	if code, body := e.Do("POST", "/api/v1/app/a/endpoint", bearer, map[string]any{"url": e.Recv.URL}); code != 201 {
		t.Fatalf("endpoint: %d %s", code, body)
	}
	const rounds = 8
	for round := range rounds {
		var wg sync.WaitGroup
		ids := make(chan string, 16)
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("POST", e.URL+"/api/v1/app/a/msg", strings.NewReader(fmt.Sprintf(`{"eventType":"a.b","eventId":"evt-%d","payload":{}}`, round)))
				req.Header.Set("Authorization", bearer["Authorization"])
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return
				}
				var m struct{ ID string }
				json.NewDecoder(resp.Body).Decode(&m)
				resp.Body.Close()
				if resp.StatusCode == 409 {
					m.ID = "409"
				}
				ids <- m.ID
			}()
		}
		wg.Wait()
		close(ids)
		seen := map[string]int{}
		for id := range ids {
			seen[id]++
		}
		if len(seen) != 2 || seen["409"] != 15 {
			t.Fatalf("round %d: 16 sends with one eventId: %v, want one message and 15 conflicts", round, seen)
		}
	}
	for range rounds {
		e.Recv.Next(t, 5*time.Second)
	}
	e.Recv.None(t, 300*time.Millisecond)
}

// An attempt made because somebody asked for it is reported with
// triggerType 1 (manual): a resend of a message to an endpoint it went to,
// and a resend to an endpoint created after the message (a fresh
// delivery). The first send is the schedule's, 0. Before, every attempt
// read 0.
func TestResendAttemptsAreManual(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "Trigger types"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ep1, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: e.Recv.URL + "/one"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "order.created", Payload: map[string]any{"order": "o-1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.Recv.Next(t, 5*time.Second)
	// byEndpoint waits until the endpoint has n attempts (each is
	// recorded just after its answer) and returns their trigger types,
	// newest first.
	byEndpoint := func(ep string, n int) []models.MessageAttemptTriggerType {
		t.Helper()
		for try := 0; ; try++ {
			atts, err := sv.MessageAttempt.ListByEndpoint(ctx, app.Id, ep, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(atts.Data) >= n || try == 250 {
				var out []models.MessageAttemptTriggerType
				for _, a := range atts.Data {
					if a.MsgId != msg.Id {
						t.Fatalf("attempt of message %s, want %s", a.MsgId, msg.Id)
					}
					out = append(out, a.TriggerType)
				}
				return out
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	const scheduled, manual = models.MESSAGEATTEMPTTRIGGERTYPE_SCHEDULED, models.MESSAGEATTEMPTTRIGGERTYPE_MANUAL
	if got := byEndpoint(ep1.Id, 1); !slices.Equal(got, []models.MessageAttemptTriggerType{scheduled}) {
		t.Fatalf("the first send: trigger types %v, want [0]", got)
	}
	if _, err := sv.MessageAttempt.Resend(ctx, app.Id, msg.Id, ep1.Id, nil); err != nil {
		t.Fatal(err)
	}
	e.Recv.Next(t, 5*time.Second)
	if got := byEndpoint(ep1.Id, 2); !slices.Equal(got, []models.MessageAttemptTriggerType{manual, scheduled}) {
		t.Fatalf("after a resend: trigger types %v (newest first), want [1 0]", got)
	}
	// An endpoint the message never went to: the resend is its first
	// delivery, asked for all the same.
	ep2, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: e.Recv.URL + "/two"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sv.MessageAttempt.Resend(ctx, app.Id, msg.Id, ep2.Id, nil); err != nil {
		t.Fatal(err)
	}
	if rec := e.Recv.Next(t, 5*time.Second); !strings.HasSuffix(rec.Path, "/two") {
		t.Fatalf("the resend went to %s, want the new endpoint", rec.Path)
	}
	if got := byEndpoint(ep2.Id, 1); !slices.Equal(got, []models.MessageAttemptTriggerType{manual}) {
		t.Fatalf("a resend to a new endpoint: trigger types %v, want [1]", got)
	}
}

// An application is updated (PUT: create or update; PATCH) and deleted
// as Svix does, through the official library: before, PUT, PATCH and
// DELETE /api/v1/app/{app_id} were 404, so a test suite's teardown
// (svix.Application.Delete) failed. Deleting it deletes its endpoints;
// its messages do not bring it back.
func TestApplicationUpdateAndDelete(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	uid := "shop"
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "Shop", Uid: &uid}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sv.Endpoint.Create(ctx, uid, models.EndpointIn{Url: e.Recv.URL}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := sv.Message.Create(ctx, uid, models.MessageIn{EventType: "a.b", Payload: map[string]any{}}, nil); err != nil {
		t.Fatal(err)
	}
	e.Recv.Next(t, 5*time.Second)

	status := func(err error) int {
		var se *svixgo.Error
		if errors.As(err, &se) {
			return se.Status()
		}
		return 0
	}
	up, err := sv.Application.Update(ctx, uid, models.ApplicationIn{Name: "Shop 2", Uid: &uid, Metadata: &map[string]string{"k": "v"}})
	if err != nil || up.Id != app.Id || up.Name != "Shop 2" || up.Metadata["k"] != "v" {
		t.Fatalf("update: %+v %v", up, err)
	}
	name := "Shop 3"
	if p, err := sv.Application.Patch(ctx, app.Id, models.ApplicationPatch{Name: &name}); err != nil || p.Name != name || p.Uid == nil || *p.Uid != uid || p.Metadata["k"] != "v" {
		t.Fatalf("patch: %+v %v", p, err)
	}
	if got, err := sv.Application.Get(ctx, uid); err != nil || got.Name != name {
		t.Fatalf("get after patch: %+v %v", got, err)
	}
	other := "other"
	if _, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "Other", Uid: &other}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := sv.Application.Update(ctx, uid, models.ApplicationIn{Name: "X", Uid: &other}); status(err) != 409 {
		t.Fatalf("update to another application's uid: %v, want 409", err)
	}
	// PUT of an application that does not exist creates it.
	fresh := "fresh"
	if c, err := sv.Application.Update(ctx, fresh, models.ApplicationIn{Name: "Fresh", Uid: &fresh}); err != nil || c.Uid == nil || *c.Uid != fresh {
		t.Fatalf("put of a new application: %+v %v", c, err)
	}
	if code, body := e.Do("PATCH", "/api/v1/app/nope", bearer, map[string]any{"name": "n"}); code != 404 {
		t.Fatalf("patch of no application: %d %s", code, body)
	}

	if err := sv.Application.Delete(ctx, uid); err != nil {
		t.Fatalf("delete: %v", err)
	}
	for _, id := range []string{uid, app.Id} {
		if _, err := sv.Application.Get(ctx, id); status(err) != 404 {
			t.Fatalf("get %s after delete: %v, want 404", id, err)
		}
	}
	if err := sv.Application.Delete(ctx, uid); status(err) != 404 {
		t.Fatalf("delete again: %v, want 404", err)
	}
	subs, err := e.Store.ListSubscriptions(ctx, store.SubscriptionFilter{})
	if err != nil || len(subs) != 0 {
		t.Fatalf("the application's endpoints after delete: %d %v", len(subs), err)
	}
	list, err := sv.Application.List(ctx, nil)
	if err != nil || len(list.Data) != 2 {
		t.Fatalf("list after delete: %+v %v", list, err)
	}
	// Its uid is free again, and the new application has none of the
	// old one's endpoints or messages.
	again, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "Shop", Uid: &uid}, nil)
	if err != nil || again.Id == app.Id {
		t.Fatalf("create after delete: %+v %v", again, err)
	}
	if msgs, err := sv.Message.List(ctx, uid, nil); err != nil || len(msgs.Data) != 0 {
		t.Fatalf("the new application's messages: %+v %v", msgs, err)
	}
}

// The application list pages as Svix's does (limit, iterator, done,
// order): it was every application with done true whatever the limit,
// so a client asking for 2 got them all.
func TestApplicationListPages(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	var ids []string
	for i := range 3 {
		app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: fmt.Sprintf("A%d", i)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, app.Id)
	}
	two := uint64(2)
	p1, err := sv.Application.List(ctx, &svixgo.ApplicationListOptions{Limit: &two})
	if err != nil || len(p1.Data) != 2 || p1.Done || p1.Data[0].Id != ids[0] || p1.Data[1].Id != ids[1] || p1.Iterator == nil {
		t.Fatalf("first page: %+v %v", p1, err)
	}
	p2, err := sv.Application.List(ctx, &svixgo.ApplicationListOptions{Limit: &two, Iterator: p1.Iterator})
	if err != nil || len(p2.Data) != 1 || !p2.Done || p2.Data[0].Id != ids[2] {
		t.Fatalf("second page: %+v %v", p2, err)
	}
	desc := models.ORDERING_DESCENDING
	if d, err := sv.Application.List(ctx, &svixgo.ApplicationListOptions{Order: &desc}); err != nil || len(d.Data) != 3 || d.Data[0].Id != ids[2] || !d.Done {
		t.Fatalf("descending: %+v %v", d, err)
	}
	if code, body := e.Do("GET", "/api/v1/app?limit=0", bearer, nil); code != 422 {
		t.Fatalf("limit=0: %d %s", code, body)
	}
}

// Event types are declared as in Svix (an application's start-up often
// runs svix.EventType.Create for each): create (409 event_type_exists
// when it exists), get, list by name, update, patch, archive and
// unarchive, expunge. They were 404, so that start-up failed. As in Svix,
// they do not gate messages.
func TestEventTypes(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	status := func(err error) int {
		var se *svixgo.Error
		if errors.As(err, &se) {
			return se.Status()
		}
		return 0
	}
	schemas := map[string]any{"1": map[string]any{"type": "object"}}
	for _, name := range []string{"order.created", "invoice.paid"} {
		et, err := sv.EventType.Create(ctx, models.EventTypeIn{Name: name, Description: "A " + name, Schemas: &schemas}, nil)
		if err != nil || et.Name != name || et.Description != "A "+name || et.Archived == nil || *et.Archived {
			t.Fatalf("create %s: %+v %v", name, et, err)
		}
	}
	if _, err := sv.EventType.Create(ctx, models.EventTypeIn{Name: "order.created", Description: "again"}, nil); status(err) != 409 {
		t.Fatalf("create again: %v, want 409", err)
	}
	if et, err := sv.EventType.Get(ctx, "order.created"); err != nil || et.Schemas == nil || (*et.Schemas)["1"] == nil {
		t.Fatalf("get: %+v %v", et, err)
	}
	one := uint64(1)
	l, err := sv.EventType.List(ctx, &svixgo.EventTypeListOptions{Limit: &one})
	if err != nil || len(l.Data) != 1 || l.Data[0].Name != "invoice.paid" || l.Done || l.Data[0].Schemas != nil {
		t.Fatalf("list: %+v %v", l, err)
	}
	if l2, err := sv.EventType.List(ctx, &svixgo.EventTypeListOptions{Limit: &one, Iterator: l.Iterator}); err != nil || len(l2.Data) != 1 || l2.Data[0].Name != "order.created" || !l2.Done {
		t.Fatalf("list page 2: %+v %v", l2, err)
	}
	if u, err := sv.EventType.Update(ctx, "order.created", models.EventTypeUpdate{Description: "Updated"}); err != nil || u.Description != "Updated" || u.Schemas != nil {
		t.Fatalf("update: %+v %v", u, err)
	}
	d := "Patched"
	if p, err := sv.EventType.Patch(ctx, "order.created", models.EventTypePatch{Description: &d}); err != nil || p.Description != d {
		t.Fatalf("patch: %+v %v", p, err)
	}
	if _, err := sv.EventType.Patch(ctx, "nope.nope", models.EventTypePatch{Description: &d}); status(err) != 404 {
		t.Fatalf("patch of none: %v, want 404", err)
	}
	if c, err := sv.EventType.Update(ctx, "user.signup", models.EventTypeUpdate{Description: "Put"}); err != nil || c.Name != "user.signup" {
		t.Fatalf("put of a new one: %+v %v", c, err)
	}
	// Archived: out of the list, back with include_archived, and
	// creating it again unarchives it.
	if err := sv.EventType.Delete(ctx, "order.created", nil); err != nil {
		t.Fatal(err)
	}
	if l, err := sv.EventType.List(ctx, nil); err != nil || len(l.Data) != 2 {
		t.Fatalf("list after archive: %+v %v", l, err)
	}
	yes := true
	if l, err := sv.EventType.List(ctx, &svixgo.EventTypeListOptions{IncludeArchived: &yes}); err != nil || len(l.Data) != 3 {
		t.Fatalf("list with archived: %+v %v", l, err)
	}
	if et, err := sv.EventType.Create(ctx, models.EventTypeIn{Name: "order.created", Description: "Back"}, nil); err != nil || *et.Archived || et.Description != "Back" {
		t.Fatalf("unarchive: %+v %v", et, err)
	}
	if err := sv.EventType.Delete(ctx, "invoice.paid", &svixgo.EventTypeDeleteOptions{Expunge: &yes}); err != nil {
		t.Fatal(err)
	}
	if _, err := sv.EventType.Get(ctx, "invoice.paid"); status(err) != 404 {
		t.Fatalf("get after expunge: %v, want 404", err)
	}
	for _, body := range []string{`{"description":"x"}`, `{"name":"a b","description":"x"}`, `{"name":"a.b"}`, `{"name":"a.b","description":"x","schemas":[1]}`} {
		if code, b := e.Do("POST", "/api/v1/event-type", bearer, body); code != 422 {
			t.Errorf("create %s: %d %s, want 422", body, code, b)
		}
	}
}

// An endpoint's custom headers are read and set through …/headers as in
// Svix (they were 404): PUT replaces them, PATCH changes some and drops
// deleteHeaders, GET leaves the Authorization header's value out and
// names it as sensitive; the next delivery carries them.
func TestEndpointHeaders(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	uid := "a"
	if _, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "A", Uid: &uid}, nil); err != nil {
		t.Fatal(err)
	}
	ep, err := sv.Endpoint.Create(ctx, uid, models.EndpointIn{Url: e.Recv.URL, Headers: &map[string]string{"X-Old": "1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h, err := sv.Endpoint.GetHeaders(ctx, uid, ep.Id); err != nil || h.Headers["X-Old"] != "1" {
		t.Fatalf("get: %+v %v", h, err)
	}
	if err := sv.Endpoint.UpdateHeaders(ctx, uid, ep.Id, models.EndpointHeadersIn{Headers: map[string]string{"X-Tenant": "t1", "Authorization": "Bearer s3cret", "X-Gone": "x"}}); err != nil {
		t.Fatal(err)
	}
	if err := sv.Endpoint.PatchHeaders(ctx, uid, ep.Id, models.EndpointHeadersPatchIn{Headers: map[string]string{"X-Tenant": "t2"}, DeleteHeaders: []string{"x-gone"}}); err != nil {
		t.Fatal(err)
	}
	h, err := sv.Endpoint.GetHeaders(ctx, uid, ep.Id)
	if err != nil || len(h.Headers) != 1 || h.Headers["X-Tenant"] != "t2" || !slices.Equal(h.Sensitive, []string{"Authorization"}) {
		t.Fatalf("after put and patch: %+v %v", h, err)
	}
	if _, err := sv.Message.Create(ctx, uid, models.MessageIn{EventType: "a.b", Payload: map[string]any{}}, nil); err != nil {
		t.Fatal(err)
	}
	got := e.Recv.Next(t, 5*time.Second)
	if got.Header.Get("X-Tenant") != "t2" || got.Header.Get("Authorization") != "Bearer s3cret" || got.Header.Get("X-Old") != "" || got.Header.Get("X-Gone") != "" {
		t.Fatalf("the delivery's headers: %v", got.Header)
	}
	if code, body := e.Do("PUT", "/api/v1/app/a/endpoint/"+ep.Id+"/headers", bearer, `{"headers":{"Bad Name":"v"}}`); code != 422 {
		t.Fatalf("bad header name: %d %s", code, body)
	}
	if code, body := e.Do("GET", "/api/v1/app/a/endpoint/ep_nope/headers", bearer, nil); code != 404 {
		t.Fatalf("no endpoint: %d %s", code, body)
	}
}

// The official library's health check (svix.Health.Get, which apps call
// at start-up) gets Svix's 204; it was 404.
func TestHealth(t *testing.T) {
	e := servetest.Start(t, func(o *serve.Options) { o.APIKey = "testsk_local" })
	if err := client(t, e).Health.Get(t.Context()); err != nil {
		t.Fatalf("health: %v", err)
	}
	if code, body := e.Do("GET", "/api/v1/health/", nil, nil); code != 204 {
		t.Fatalf("health without a credential: %d %s", code, body)
	}
}

// An app portal link is answered ({url, token}; Svix's app portal is not
// there, the url opens hookctl's inspector), as a page embedding Svix's
// portal asks for one: it was 404. An application the path does not name
// is created from the body's when their uids match, else 404.
func TestAppPortalAccess(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	uid := "shop"
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "Shop", Uid: &uid}, nil)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := sv.Authentication.AppPortalAccess(ctx, uid, models.AppPortalAccessIn{}, nil)
	if err != nil || acc.Token == "" || !strings.HasPrefix(acc.Url, e.URL+"/") || !strings.Contains(acc.Url, app.Id) {
		t.Fatalf("app portal access: %+v %v", acc, err)
	}
	resp, err := http.Get(acc.Url)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("the link: %v %v", resp, err)
	}
	resp.Body.Close()
	newUID := "fresh"
	if acc, err := sv.Authentication.AppPortalAccess(ctx, newUID, models.AppPortalAccessIn{Application: &models.ApplicationIn{Name: "Fresh", Uid: &newUID}}, nil); err != nil || acc.Token == "" {
		t.Fatalf("with an application to create: %+v %v", acc, err)
	}
	if got, err := sv.Application.Get(ctx, newUID); err != nil || got.Name != "Fresh" {
		t.Fatalf("the application it created: %+v %v", got, err)
	}
	var se *svixgo.Error
	if _, err := sv.Authentication.AppPortalAccess(ctx, "nope", models.AppPortalAccessIn{}, nil); !errors.As(err, &se) || se.Status() != 404 {
		t.Fatalf("no application: %v, want 404", err)
	}
	if code, body := e.Do("POST", "/api/v1/auth/app-portal-access/other", bearer, `{"application":{"name":"X","uid":"different"}}`); code != 404 {
		t.Fatalf("uids differ: %d %s, want 404", code, body)
	}
}

// A null in an endpoint PATCH clears the field, as in Svix (the
// libraries send one to remove an endpoint's event filter): it was read
// as a field not sent, and the filter stayed.
func TestPatchNullClears(t *testing.T) {
	e := servetest.Start(t, nil)
	if code, body := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": "A", "uid": "a"}); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	declare(t, e, "a.b")
	code, body := e.Do("POST", "/api/v1/app/a/endpoint", bearer, map[string]any{"url": e.Recv.URL, "uid": "e1", "filterTypes": []string{"a.b"}, "channels": []string{"c1"}})
	if code != 201 {
		t.Fatalf("endpoint: %d %s", code, body)
	}
	id := servetest.JSON(t, body)["id"].(string)
	code, body = e.Do("PATCH", "/api/v1/app/a/endpoint/e1", bearer, `{"filterTypes":null,"channels":null,"uid":null}`)
	if code != 200 {
		t.Fatalf("patch: %d %s", code, body)
	}
	got := servetest.JSON(t, body)
	if got["filterTypes"] != nil || got["channels"] != nil || got["uid"] != nil {
		t.Fatalf("after the nulls: %s", body)
	}
	// No filter, no channel: a message of any type reaches it.
	if code, body := e.Do("POST", "/api/v1/app/a/msg", bearer, map[string]any{"eventType": "x.y", "payload": map[string]any{}}); code != 202 {
		t.Fatalf("msg: %d %s", code, body)
	}
	e.Recv.Next(t, 5*time.Second)
	// A field not sent stays.
	if code, body := e.Do("PATCH", "/api/v1/app/a/endpoint/"+id, bearer, `{"filterTypes":["a.b"]}`); code != 200 {
		t.Fatalf("patch: %d %s", code, body)
	}
	if code, body := e.Do("PATCH", "/api/v1/app/a/endpoint/"+id, bearer, `{"description":"d"}`); code != 200 || !strings.Contains(string(body), `"filterTypes":["a.b"]`) {
		t.Fatalf("patch of another field: %d %s", code, body)
	}
}

// The endpoints a message went to are listed with their delivery's
// status (svix.MessageAttempt.ListAttemptedDestinations): it was 404.
func TestAttemptedDestinations(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	uid := "a"
	if _, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "A", Uid: &uid}, nil); err != nil {
		t.Fatal(err)
	}
	good, err := sv.Endpoint.Create(ctx, uid, models.EndpointIn{Url: e.Recv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := sv.Endpoint.Create(ctx, uid, models.EndpointIn{Url: "http://127.0.0.1:1/closed"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	other := []string{"other.type"}
	declare(t, e, other...)
	if _, err := sv.Endpoint.Create(ctx, uid, models.EndpointIn{Url: e.Recv.URL, FilterTypes: other}, nil); err != nil {
		t.Fatal(err)
	}
	msg, err := sv.Message.Create(ctx, uid, models.MessageIn{EventType: "a.b", Payload: map[string]any{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.Recv.Next(t, 5*time.Second)
	want := map[string]models.MessageStatus{good.Id: models.MESSAGESTATUS_SUCCESS, bad.Id: models.MESSAGESTATUS_FAIL}
	var got map[string]models.MessageStatus
	for range 100 {
		l, err := sv.MessageAttempt.ListAttemptedDestinations(ctx, uid, msg.Id, nil)
		if err != nil {
			t.Fatal(err)
		}
		got = map[string]models.MessageStatus{}
		for _, d := range l.Data {
			got[d.Id] = d.Status
		}
		if fmt.Sprint(got) == fmt.Sprint(want) && l.Done {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("destinations: %v, want %v", got, want)
	}
	one := uint64(1)
	if l, err := sv.MessageAttempt.ListAttemptedDestinations(ctx, uid, msg.Id, &svixgo.MessageAttemptListAttemptedDestinationsOptions{Limit: &one}); err != nil || len(l.Data) != 1 || l.Done {
		t.Fatalf("a page of 1: %+v %v", l, err)
	}
	if code, body := e.Do("GET", "/api/v1/app/a/msg/msg_nope/endpoint", bearer, nil); code != 404 {
		t.Fatalf("no message: %d %s", code, body)
	}
}

// A message may name its application to create, as in Svix: a first
// message to a uid that names none creates it from the body's
// "application" (it was 404); the uids must match.
func TestMessageCreatesItsApplication(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	uid := "tenant-1"
	msg, err := sv.Message.Create(ctx, uid, models.MessageIn{EventType: "a.b", Payload: map[string]any{}, Application: &models.ApplicationIn{Name: "Tenant 1", Uid: &uid}}, nil)
	if err != nil {
		t.Fatalf("message with its application: %v", err)
	}
	app, err := sv.Application.Get(ctx, uid)
	if err != nil || app.Name != "Tenant 1" {
		t.Fatalf("the application it created: %+v %v", app, err)
	}
	if m, err := sv.Message.Get(ctx, uid, msg.Id, nil); err != nil || m.Id != msg.Id {
		t.Fatalf("its message: %+v %v", m, err)
	}
	// A second one finds the application.
	if _, err := sv.Message.Create(ctx, uid, models.MessageIn{EventType: "a.b", Payload: map[string]any{}, Application: &models.ApplicationIn{Name: "Other name", Uid: &uid}}, nil); err != nil {
		t.Fatal(err)
	}
	for body, want := range map[string]int{
		`{"eventType":"a.b","payload":{}}`:                                              404,
		`{"eventType":"a.b","payload":{},"application":{"name":"N","uid":"different"}}`: 422,
		`{"eventType":"a.b","payload":{},"application":{"name":"N"}}`:                   422,
	} {
		if code, b := e.Do("POST", "/api/v1/app/nobody/msg", bearer, body); code != want {
			t.Errorf("%s: %d %s, want %d", body, code, b, want)
		}
	}
}

// The messages sent to an endpoint are listed newest first with their
// delivery's status (svix.MessageAttempt.ListAttemptedMessages), a page
// at a time: it was 404.
func TestAttemptedMessages(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	uid := "a"
	if _, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "A", Uid: &uid}, nil); err != nil {
		t.Fatal(err)
	}
	declare(t, e, "a.b")
	ep, err := sv.Endpoint.Create(ctx, uid, models.EndpointIn{Url: e.Recv.URL, FilterTypes: []string{"a.b"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i, typ := range []string{"a.b", "other", "a.b", "a.b"} {
		m, err := sv.Message.Create(ctx, uid, models.MessageIn{EventType: typ, Payload: map[string]any{"i": i}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if typ == "a.b" {
			ids = append(ids, m.Id)
			e.Recv.Next(t, 5*time.Second)
		}
	}
	two := uint64(2)
	var p1 *models.ListResponseEndpointMessageOut
	for range 100 { // until the last delivery is recorded as succeeded
		if p1, err = sv.MessageAttempt.ListAttemptedMessages(ctx, uid, ep.Id, &svixgo.MessageAttemptListAttemptedMessagesOptions{Limit: &two}); err != nil {
			t.Fatal(err)
		}
		if len(p1.Data) == 2 && p1.Data[0].Status == models.MESSAGESTATUS_SUCCESS {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(p1.Data) != 2 || p1.Done || p1.Data[0].Id != ids[2] || p1.Data[1].Id != ids[1] || p1.Data[0].Status != models.MESSAGESTATUS_SUCCESS {
		t.Fatalf("first page: %+v", p1)
	}
	p2, err := sv.MessageAttempt.ListAttemptedMessages(ctx, uid, ep.Id, &svixgo.MessageAttemptListAttemptedMessagesOptions{Limit: &two, Iterator: p1.Iterator})
	if err != nil || len(p2.Data) != 1 || !p2.Done || p2.Data[0].Id != ids[0] {
		t.Fatalf("second page: %+v %v", p2, err)
	}
	if code, body := e.Do("GET", "/api/v1/app/a/endpoint/ep_nope/msg", bearer, nil); code != 404 {
		t.Fatalf("no endpoint: %d %s", code, body)
	}
}

// The endpoint's stats (svix.Endpoint.GetStats, an app's dashboard): its
// deliveries by status, in a time range when asked. It was 404.
func TestEndpointStats(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	before := time.Now().Add(-time.Second)
	app, ep := failedMessage(t, e, sv)
	var err error
	for i := range 2 {
		if _, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "x.y", Payload: map[string]any{"n": i + 2}}, nil); err != nil {
			t.Fatal(err)
		}
		e.Recv.Next(t, 5*time.Second)
	}
	var st *models.EndpointStats
	for range 100 { // the attempts are recorded just after they answer
		if st, err = sv.Endpoint.GetStats(ctx, app.Id, ep.Id, nil); err != nil {
			t.Fatal(err)
		}
		if st.Success == 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if *st != (models.EndpointStats{Success: 2, Fail: 1}) {
		t.Fatalf("stats %+v, want 2 succeeded, 1 failed", *st)
	}
	future := time.Now().Add(time.Hour)
	if st, err := sv.Endpoint.GetStats(ctx, app.Id, ep.Id, &svixgo.EndpointGetStatsOptions{Since: &future}); err != nil || *st != (models.EndpointStats{}) {
		t.Fatalf("stats since an hour ahead: %+v %v, want none", st, err)
	}
	if st, err := sv.Endpoint.GetStats(ctx, app.Id, ep.Id, &svixgo.EndpointGetStatsOptions{Until: &before}); err != nil || *st != (models.EndpointStats{}) {
		t.Fatalf("stats until before the messages: %+v %v, want none", st, err)
	}
	if _, err := sv.Endpoint.GetStats(ctx, app.Id, "ep_nope", nil); err == nil {
		t.Fatal("stats of an unknown endpoint: no error")
	}
}

// declare declares event types (Svix refuses an endpoint whose
// filterTypes name undeclared ones).
func declare(t *testing.T, e *servetest.Env, names ...string) {
	t.Helper()
	for _, n := range names {
		if code, body := e.Do("POST", "/api/v1/event-type", bearer, map[string]any{"name": n, "description": n}); code != 201 && code != 409 {
			t.Fatalf("event type %s: %d %s", n, code, body)
		}
	}
}

// A resend of a message whose delivery is in flight right now (sent, not
// yet answered or recorded) is sent all the same, as a fresh delivery of
// the same bytes: the requeue leaves a held delivery to its sender, so
// the resend Svix answered 202 for went nowhere.
func TestResendWhileInFlight(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	got := make(chan []byte, 4)
	release := make(chan struct{})
	var n atomic.Int32
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
		if n.Add(1) == 1 {
			<-release // the first request hangs until the resend arrived
		}
	}))
	defer slow.Close()
	defer close(release)
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "In flight"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: slow.URL + "/hooks"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "order.created", Payload: map[string]any{"order": "o-9"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	first := <-got
	if _, err := sv.MessageAttempt.Resend(ctx, app.Id, msg.Id, ep.Id, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case again := <-got:
		if string(again) != string(first) {
			t.Fatalf("the resend sent other bytes: %s, want %s", again, first)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a resend while the message's delivery was in flight sent nothing")
	}
}
