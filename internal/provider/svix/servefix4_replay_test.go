package svix_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	svixgo "github.com/svix/svix-webhooks/go"
	"github.com/svix/svix-webhooks/go/models"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// endpoint.replayMissing (the official Go library) sends an endpoint
// the application's messages since a time that it takes and never got:
// the ones sent before it existed, not the one its filterTypes leave out,
// not one it already has, not one before since. Each arrives signed with
// the endpoint's secret, the message's id as svix-id. Before, serve had no
// route: the library's call was a 404 "hookctl serve has no route".
func TestServefix4ReplayMissing(t *testing.T) {
	replayMissing(t, servetest.Start(t, nil))
}

// The same over PostgreSQL (HOOKCTL_TEST_POSTGRES; skipped without it):
// the messages are read a page at a time through its event filter.
func TestServefix4ReplayMissingPostgres(t *testing.T) {
	pgtest.ServerURL(t)
	st, err := postgres.Open(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	replayMissing(t, servetest.StartWith(t, st, nil))
}

func replayMissing(t *testing.T, e *servetest.Env) {
	sv := client(t, e)
	ctx := t.Context()
	declare(t, e, "order.created", "order.paid")
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "shop"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	send := func(typ, order string) *models.MessageOut {
		t.Helper()
		m, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: typ, Payload: map[string]any{"order": order}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	before := send("order.created", "o-0") // before since
	time.Sleep(20 * time.Millisecond)
	since := time.Now().UTC()
	time.Sleep(20 * time.Millisecond)
	missed := send("order.created", "o-1")
	send("order.paid", "o-2") // the endpoint's filterTypes leave it out

	recv := servetest.NewReceiver(t)
	ep, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: recv.URL + "/b", FilterTypes: []string{"order.created"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sec, err := sv.Endpoint.GetSecret(ctx, app.Id, ep.Id)
	if err != nil {
		t.Fatal(err)
	}
	wh, err := svixgo.NewWebhook(sec.Key)
	if err != nil {
		t.Fatal(err)
	}
	got := send("order.created", "o-3") // sent to it as usual
	if rec := recv.Next(t, 5*time.Second); rec.Header.Get("svix-id") != got.Id {
		t.Fatalf("first delivery: svix-id %q, want %s", rec.Header.Get("svix-id"), got.Id)
	}

	out, err := sv.Endpoint.ReplayMissing(ctx, app.Id, ep.Id, models.ReplayIn{Since: since}, nil)
	if err != nil {
		t.Fatalf("replay-missing: %v", err)
	}
	if out.Task != models.BACKGROUNDTASKTYPE_ENDPOINT_REPLAY || !strings.HasPrefix(out.Id, "qtask_") {
		t.Fatalf("replay-missing answered %+v", out)
	}
	rec := recv.Next(t, 5*time.Second)
	if rec.Header.Get("svix-id") != missed.Id || !strings.Contains(string(rec.Body), `"o-1"`) {
		t.Fatalf("replayed %q %s, want %s (o-1)", rec.Header.Get("svix-id"), rec.Body, missed.Id)
	}
	if err := wh.Verify(rec.Body, rec.Header); err != nil {
		t.Fatalf("the replayed message does not verify with the endpoint's secret: %v", err)
	}
	recv.None(t, 500*time.Millisecond) // not o-0 (before since), o-2 (filtered), o-3 (got it)

	// Asked again, nothing is missing any more.
	if _, err := sv.Endpoint.ReplayMissing(ctx, app.Id, ep.Id, models.ReplayIn{Since: since.Add(-time.Hour)}, nil); err != nil {
		t.Fatal(err)
	}
	rec = recv.Next(t, 5*time.Second) // o-0 is missing since an hour ago
	if rec.Header.Get("svix-id") != before.Id {
		t.Fatalf("replayed %q, want o-0's %s", rec.Header.Get("svix-id"), before.Id)
	}
	recv.None(t, 500*time.Millisecond)

	// A window that ends before it starts is Svix's 422.
	until := since.Add(-time.Minute)
	_, err = sv.Endpoint.ReplayMissing(ctx, app.Id, ep.Id, models.ReplayIn{Since: since, Until: &until}, nil)
	var se *svixgo.Error
	if !errors.As(err, &se) || se.Status() != 422 {
		t.Fatalf("until before since: %v, want 422", err)
	}
}

// endpoint.sendExample sends an example of an event type to the endpoint:
// the declared event type's schema example, as Svix does, else the body
// hookctl's catalog builds for the type; a type with neither is a 422 at
// body.eventType. Endpoint transformations: GET says none is enabled, and
// setting one is a 403 saying serve runs none. Before, all three were 404s
// "hookctl serve has no route".
func TestServefix4SendExampleAndTransformation(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	schemas := map[string]any{"1": map[string]any{"type": "object", "examples": []any{
		map[string]any{"order": "o-example-0"}, map[string]any{"order": "o-example-1"}}}}
	if _, err := sv.EventType.Create(ctx, models.EventTypeIn{Name: "order.created", Description: "An order", Schemas: &schemas}, nil); err != nil {
		t.Fatal(err)
	}
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "shop"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: e.Recv.URL + "/ex"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sec, err := sv.Endpoint.GetSecret(ctx, app.Id, ep.Id)
	if err != nil {
		t.Fatal(err)
	}
	wh, _ := svixgo.NewWebhook(sec.Key)
	check := func(msg *models.MessageOut, want string) map[string]any {
		t.Helper()
		rec := e.Recv.Next(t, 5*time.Second)
		if err := wh.Verify(rec.Body, rec.Header); err != nil {
			t.Fatalf("the example does not verify: %v", err)
		}
		if rec.Header.Get("svix-id") != msg.Id || !strings.Contains(string(rec.Body), want) {
			t.Fatalf("example %q %s, want %s holding %s", rec.Header.Get("svix-id"), rec.Body, msg.Id, want)
		}
		var body map[string]any
		if err := json.Unmarshal(rec.Body, &body); err != nil {
			t.Fatal(err)
		}
		return body
	}

	second := uint64(1)
	msg, err := sv.Endpoint.SendExample(ctx, app.Id, ep.Id, models.EventExampleIn{EventType: "order.created", ExampleIndex: &second}, nil)
	if err != nil {
		t.Fatalf("send-example: %v", err)
	}
	if msg.EventType != "order.created" {
		t.Fatalf("send-example answered %+v", msg)
	}
	check(msg, `"o-example-1"`)

	// A type with no schema: the catalog's example (Standard Webhooks'
	// invoice.paid).
	msg, err = sv.Endpoint.SendExample(ctx, app.Id, ep.Id, models.EventExampleIn{EventType: "invoice.paid"}, nil)
	if err != nil {
		t.Fatalf("send-example invoice.paid: %v", err)
	}
	if body := check(msg, `"invoice.paid"`); body["data"] == nil {
		t.Fatalf("the catalog's invoice.paid has data: %v", body)
	}
	// It is one of the application's messages.
	if got, err := sv.Message.Get(ctx, app.Id, msg.Id, nil); err != nil || got.EventType != "invoice.paid" {
		t.Fatalf("the example message: %+v %v", got, err)
	}

	var se *svixgo.Error
	_, err = sv.Endpoint.SendExample(ctx, app.Id, ep.Id, models.EventExampleIn{EventType: "nothing.here"}, nil)
	if !errors.As(err, &se) || se.Status() != 422 || !strings.Contains(string(se.Body()), `"loc":["body","eventType"],"msg":"event type nothing.here has no example`) {
		t.Fatalf("no example: %v %s", err, body(se))
	}
	third := uint64(2)
	_, err = sv.Endpoint.SendExample(ctx, app.Id, ep.Id, models.EventExampleIn{EventType: "order.created", ExampleIndex: &third}, nil)
	if !errors.As(err, &se) || se.Status() != 422 || !strings.Contains(string(se.Body()), "exampleIndex 2 is out of range") {
		t.Fatalf("exampleIndex out of range: %v %s", err, body(se))
	}
	e.Recv.None(t, 300*time.Millisecond)

	tr, err := sv.Endpoint.TransformationGet(ctx, app.Id, ep.Id)
	if err != nil || tr.Enabled == nil || *tr.Enabled || tr.Code != nil {
		t.Fatalf("transformation: %+v %v", tr, err)
	}
	on, off := true, false
	err = sv.Endpoint.PatchTransformation(ctx, app.Id, ep.Id, models.EndpointTransformationPatch{Enabled: &on})
	if !errors.As(err, &se) || se.Status() != 403 || !strings.Contains(string(se.Body()), "transformations are not enabled") {
		t.Fatalf("enabling a transformation: %v %s", err, body(se))
	}
	if err := sv.Endpoint.PatchTransformation(ctx, app.Id, ep.Id, models.EndpointTransformationPatch{Enabled: &off}); err != nil {
		t.Fatalf("disabling: %v", err)
	}
	// An endpoint that is not there is still Entity not found.
	if _, err := sv.Endpoint.TransformationGet(ctx, app.Id, "ep_nothere"); !errors.As(err, &se) || se.Status() != 404 || !strings.Contains(string(se.Body()), "Entity not found") {
		t.Fatalf("unknown endpoint: %v", err)
	}
}

func body(se *svixgo.Error) string {
	if se == nil {
		return ""
	}
	return string(se.Body())
}
