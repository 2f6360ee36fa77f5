package svix_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	svixgo "github.com/svix/svix-webhooks/go"
	"github.com/svix/svix-webhooks/go/models"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// The official library's Message.ExpungeAllContents (POST
// …/msg/expunge-all-contents) is served: 202 with a finished task
// application.purge_content whose data.messagesPurged is the number of
// the application's messages expunged (more than one store page of
// them), each reading {"expired":true} since; another application's
// messages keep theirs; a second call purges none; an unknown
// application is 404. It answered 404 (no route) before.
func TestSvixmoreExpungeAllContents(t *testing.T) {
	svixmoreExpungeAllContents(t, servetest.Start(t, nil))
}

func TestSvixmoreExpungeAllContentsPostgres(t *testing.T) {
	pgtest.ServerURL(t)
	st, err := postgres.Open(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	svixmoreExpungeAllContents(t, servetest.StartWith(t, st, nil))
}

func svixmoreExpungeAllContents(t *testing.T, e *servetest.Env) {
	sv := client(t, e)
	ctx := t.Context()
	a, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "a"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "b"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 205 // over the purge's page of 200
	var first string
	for i := range n {
		m, err := sv.Message.Create(ctx, a.Id, models.MessageIn{EventType: "x.y", Payload: map[string]any{"n": i}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = m.Id
		}
	}
	other, err := sv.Message.Create(ctx, b.Id, models.MessageIn{EventType: "x.y", Payload: map[string]any{"keep": true}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// One expunged already is not counted again.
	if err := sv.Message.ExpungeContent(ctx, a.Id, first); err != nil {
		t.Fatal(err)
	}
	out, err := sv.Message.ExpungeAllContents(ctx, a.Id, nil)
	if err != nil {
		t.Fatalf("expunge all: %v", err)
	}
	if out.Status != models.BACKGROUNDTASKSTATUS_FINISHED || out.Task != models.BACKGROUNDTASKTYPE_APPLICATION_PURGE_CONTENT || !strings.HasPrefix(out.Id, "qtask_") {
		t.Errorf("expunge all: %+v", out)
	}
	task, err := sv.BackgroundTask.Get(ctx, out.Id)
	if err != nil || task.Data["messagesPurged"] != float64(n-1) {
		t.Errorf("the task: %+v %v, want messagesPurged %d", task, err, n-1)
	}
	seen := 0
	var it *string
	for {
		limit := uint64(250)
		l, err := sv.Message.List(ctx, a.Id, &svixgo.MessageListOptions{Limit: &limit, Iterator: it})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range l.Data {
			seen++
			if p, _ := json.Marshal(m.Payload); string(p) != `{"expired":true}` {
				t.Fatalf("message %s after expunge-all: payload %s", m.Id, p)
			}
		}
		if l.Done {
			break
		}
		it = l.Iterator
	}
	if seen != n {
		t.Errorf("listed %d messages, want %d", seen, n)
	}
	if m, err := sv.Message.Get(ctx, b.Id, other.Id, nil); err != nil || m.Payload["keep"] != true {
		t.Errorf("another application's message: %+v %v", m, err)
	}
	// Again: nothing left to purge.
	out, err = sv.Message.ExpungeAllContents(ctx, a.Id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if task, err := sv.BackgroundTask.Get(ctx, out.Id); err != nil || task.Data["messagesPurged"] != float64(0) {
		t.Errorf("the second task: %+v %v, want messagesPurged 0", task, err)
	}
	_, err = sv.Message.ExpungeAllContents(ctx, "app_nope", nil)
	if code, body := svixmoreStatus(err); code != 404 || !strings.Contains(body, `"code":"not_found"`) {
		t.Errorf("unknown application: %v (%d %s), want 404", err, code, body)
	}
}

// The official library's Message.Precheck (POST …/msg/precheck/active)
// is served: active is whether an enabled endpoint of the application
// takes such a message, by its filterTypes and channels as
// message.create picks endpoints; a bad body is Svix's 422, an unknown
// application 404. It answered 404 (no route) before.
func TestSvixmorePrecheck(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "a"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	active := func(eventType string, channels []string) bool {
		t.Helper()
		out, err := sv.Message.Precheck(ctx, app.Id, models.MessagePrecheckIn{EventType: eventType, Channels: channels}, nil)
		if err != nil {
			t.Fatalf("precheck %s %v: %v", eventType, channels, err)
		}
		return out.Active
	}
	if active("order.created", nil) {
		t.Error("no endpoint: active")
	}
	for _, name := range []string{"order.created", "order.paid"} {
		if _, err := sv.EventType.Create(ctx, models.EventTypeIn{Name: name, Description: name}, nil); err != nil {
			t.Fatal(err)
		}
	}
	ep, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: e.Recv.URL, FilterTypes: []string{"order.created"}, Channels: []string{"eu"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		eventType string
		channels  []string
		want      bool
	}{
		{"order.created", []string{"eu"}, true},
		{"order.created", []string{"us", "eu"}, true},
		{"order.created", nil, false}, // the endpoint takes channel eu only
		{"order.created", []string{"us"}, false},
		{"order.paid", []string{"eu"}, false}, // not in its filterTypes
		{"undeclared.type", []string{"eu"}, false},
	} {
		if got := active(tc.eventType, tc.channels); got != tc.want {
			t.Errorf("precheck %s %v: active %v, want %v", tc.eventType, tc.channels, got, tc.want)
		}
	}
	if code, body := e.Do("PATCH", "/api/v1/app/"+app.Id+"/endpoint/"+ep.Id, bearer, map[string]any{"disabled": true}); code != 200 {
		t.Fatalf("disable: %d %s", code, body)
	}
	if active("order.created", []string{"eu"}) {
		t.Error("the only endpoint disabled: active")
	}
	// What message.create refuses, precheck refuses alike.
	for _, body := range []map[string]any{
		{"eventType": ""},
		{"eventType": "bad type!"},
		{"eventType": "order.created", "channels": []string{}},
		{"eventType": "order.created", "channels": []string{"a", "b", "c", "d", "e", "f"}},
		{"eventType": "order.created", "channels": []string{"bad channel"}},
	} {
		code, out := e.Do("POST", "/api/v1/app/"+app.Id+"/msg/precheck/active", bearer, body)
		if code != 422 || !strings.Contains(string(out), `"loc"`) {
			t.Errorf("precheck %v: %d %s, want Svix's 422", body, code, out)
		}
	}
	_, err = sv.Message.Precheck(ctx, "app_nope", models.MessagePrecheckIn{EventType: "order.created"}, nil)
	if code, body := svixmoreStatus(err); code != 404 {
		t.Errorf("unknown application: %v (%d %s), want 404", err, code, body)
	}
	if code, body := e.Do("POST", "/api/v1/app/"+app.Id+"/msg/precheck/active", nil, map[string]any{"eventType": "x"}); code != 401 {
		t.Errorf("no credential: %d %s", code, body)
	}
}

// A store that cannot expunge (a wrapper that hides the backend's
// store.ContentExpunger, as tests use) is a 501 not_implemented saying
// so, in Svix's envelope, and the message keeps its payload: not a 500
// "store failed", nor a 204 that expunged nothing.
func TestSvixmoreExpungeUnsupportedStore(t *testing.T) {
	e, _ := servetest.StartCounting(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "a"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "x.y", Payload: map[string]any{"n": 1}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"message": func() error { return sv.Message.ExpungeContent(ctx, app.Id, msg.Id) },
		"all": func() error {
			_, err := sv.Message.ExpungeAllContents(ctx, app.Id, nil)
			return err
		},
	} {
		if code, body := svixmoreStatus(call()); code != 501 || !strings.Contains(body, `"code":"not_implemented"`) || !strings.Contains(body, "cannot expunge") {
			t.Errorf("%s: %d %s, want 501 not_implemented", name, code, body)
		}
	}
	if m, err := sv.Message.Get(ctx, app.Id, msg.Id, nil); err != nil || m.Payload["n"] != float64(1) {
		t.Errorf("the message: %+v %v", m, err)
	}
}
