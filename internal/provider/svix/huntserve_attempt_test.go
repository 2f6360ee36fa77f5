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

// The official library's MessageAttempt.Get (GET
// …/msg/{msg_id}/attempt/{attempt_id}) reads back an attempt an attempt
// list gave, and ListByEndpoint's WithMsg answers each attempt's message.
// Before, the route was not served (404 "Entity not found" for an attempt
// the list had just shown) and with_msg was ignored (no msg).
func TestHuntserveAttemptGetAndWithMsg(t *testing.T) {
	huntserveAttemptGetAndWithMsg(t, servetest.Start(t, nil))
}

func TestHuntserveAttemptGetAndWithMsgPostgres(t *testing.T) {
	pgtest.ServerURL(t)
	st, err := postgres.Open(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	huntserveAttemptGetAndWithMsg(t, servetest.StartWith(t, st, nil))
}

func huntserveAttemptGetAndWithMsg(t *testing.T, e *servetest.Env) {
	sv := client(t, e)
	ctx := t.Context()
	app, ep := failedMessage(t, e, sv) // three failed attempts of {"n":1}
	msgs, err := sv.Message.List(ctx, app.Id, nil)
	if err != nil || len(msgs.Data) != 1 {
		t.Fatalf("messages: %+v %v", msgs, err)
	}
	msg := msgs.Data[0]
	// A resend that succeeds: a fourth attempt, manual.
	if _, err := sv.MessageAttempt.Resend(ctx, app.Id, msg.Id, ep.Id, nil); err != nil {
		t.Fatal(err)
	}
	e.Recv.Next(t, 5*time.Second)
	var atts *models.ListResponseMessageAttemptOut
	for range 250 { // the attempt is recorded just after the answer
		if atts, err = sv.MessageAttempt.ListByMsg(ctx, app.Id, msg.Id, nil); err != nil || len(atts.Data) == 4 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || len(atts.Data) != 4 {
		t.Fatalf("attempts by msg: %+v %v", atts, err)
	}
	for _, want := range atts.Data {
		got, err := sv.MessageAttempt.Get(ctx, app.Id, msg.Id, want.Id, nil)
		if err != nil {
			t.Fatalf("get %s (listed): %v", want.Id, err)
		}
		if g, w := jsonOf(t, got), jsonOf(t, want); g != w {
			t.Errorf("get %s:\n got %s\nwant %s (as listed)", want.Id, g, w)
		}
	}
	// The newest is the resend's: succeeded, manual, at the endpoint.
	if a := atts.Data[0]; a.Status != models.MESSAGESTATUS_SUCCESS || a.TriggerType != models.MESSAGEATTEMPTTRIGGERTYPE_MANUAL || a.EndpointId != ep.Id {
		t.Errorf("newest attempt: %+v", a)
	}
	// An attempt id that is not one of this message's is Svix's 404.
	other, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "x.y", Payload: map[string]any{"n": 2}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.Recv.Next(t, 5*time.Second)
	for range 250 { // its attempt recorded
		if l, err := sv.MessageAttempt.ListByEndpoint(ctx, app.Id, ep.Id, nil); err != nil || len(l.Data) == 5 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, tc := range []struct{ msg, attempt string }{
		{other.Id, atts.Data[0].Id},                              // another message's attempt
		{msg.Id, strings.TrimSuffix(atts.Data[0].Id, "4") + "9"}, // no such number
		{msg.Id, "atmpt_nope"},
		{msg.Id, "msg_" + msg.Id},
	} {
		_, err := sv.MessageAttempt.Get(ctx, app.Id, tc.msg, tc.attempt, nil)
		var se *svixgo.Error
		if !errors.As(err, &se) || se.Status() != 404 {
			t.Errorf("get %s of %s: %v, want 404", tc.attempt, tc.msg, err)
		}
	}

	// with_msg: each attempt carries its message, with its payload unless
	// with_content=false.
	yes, no := true, false
	for _, withContent := range []*bool{nil, &no} {
		l, err := sv.MessageAttempt.ListByEndpoint(ctx, app.Id, ep.Id, &svixgo.MessageAttemptListByEndpointOptions{WithMsg: &yes, WithContent: withContent})
		if err != nil || len(l.Data) < 5 {
			t.Fatalf("with_msg: %+v %v", l, err)
		}
		for _, a := range l.Data {
			if a.Msg == nil || a.Msg.Id != a.MsgId || a.Msg.EventType != "x.y" {
				t.Fatalf("with_msg: attempt %s has msg %+v", a.Id, a.Msg)
			}
			wantN := map[string]float64{msg.Id: 1, other.Id: 2}[a.MsgId]
			if withContent == nil && a.Msg.Payload["n"] != wantN {
				t.Errorf("with_msg: attempt %s's msg payload %v, want n=%v", a.Id, a.Msg.Payload, wantN)
			}
			if withContent != nil && len(a.Msg.Payload) != 0 {
				t.Errorf("with_msg, with_content=false: attempt %s's msg payload %v, want {}", a.Id, a.Msg.Payload)
			}
		}
	}
	// Without it, no msg (as before, and as Svix answers).
	l, err := sv.MessageAttempt.ListByEndpoint(ctx, app.Id, ep.Id, nil)
	if err != nil || len(l.Data) == 0 || l.Data[0].Msg != nil {
		t.Fatalf("without with_msg: %+v %v", l, err)
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A call of the official library that hookctl serve does not play
// (Statistics.AggregateEventTypes, EventType.ImportOpenapi) gets Svix's 404 saying the
// route is not served, not "Entity not found", which sent its user
// looking for a wrong id; a path served with another method says which
// it takes.
func TestHuntserveUnservedRouteSaysSo(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "a"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "x.y", Payload: map[string]any{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"stats-event-types": func() error {
			_, err := sv.Statistics.AggregateEventTypes(ctx)
			return err
		},
		"import-openapi": func() error {
			_, err := sv.EventType.ImportOpenapi(ctx, models.EventTypeImportOpenApiIn{}, nil)
			return err
		},
	} {
		err := call()
		var se *svixgo.Error
		if !errors.As(err, &se) || se.Status() != 404 || !strings.Contains(string(se.Body()), `"code":"not_found"`) ||
			!strings.Contains(string(se.Body()), "hookctl serve has no route") || !strings.Contains(string(se.Body()), "/_hookctl/openapi.json") {
			t.Errorf("%s: %v, want Svix's 404 naming the route hookctl does not serve", name, err)
		}
	}
	code, body := e.Do("PUT", "/api/v1/app/"+app.Id+"/msg/"+msg.Id, bearer, map[string]any{})
	if code != 404 || !strings.Contains(string(body), "(that path takes GET, HEAD)") {
		t.Errorf("PUT on a message: %d %s", code, body)
	}
	// An id that names nothing on a route it serves is still Svix's
	// "Entity not found".
	code, body = e.Do("GET", "/api/v1/app/"+app.Id+"/msg/msg_nope", bearer, nil)
	if code != 404 || !strings.Contains(string(body), `"detail":"Entity not found"`) {
		t.Errorf("unknown message: %d %s", code, body)
	}
}
