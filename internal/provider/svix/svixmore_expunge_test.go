package svix_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	svixgo "github.com/svix/svix-webhooks/go"
	"github.com/svix/svix-webhooks/go/models"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// svixmoreReceiver answers every request with status (200 by default)
// and a body that an attempt keeps, and hands each request's body on.
type svixmoreReceiver struct {
	URL    string
	status atomic.Int32
	got    chan string
	n      atomic.Int32
}

func newSvixmoreReceiver(t *testing.T) *svixmoreReceiver {
	r := &svixmoreReceiver{got: make(chan string, 100)}
	r.status.Store(200)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.n.Add(1)
		r.got <- string(b)
		w.WriteHeader(int(r.status.Load()))
		io.WriteString(w, `{"session":"s3cret"}`)
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

func (r *svixmoreReceiver) next(t *testing.T) string {
	t.Helper()
	select {
	case b := <-r.got:
		return b
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery arrived within 10s")
	}
	return ""
}

// svixmoreAttempts polls the message's attempts until there are n.
func svixmoreAttempts(t *testing.T, sv *svixgo.Svix, app, msg string, n int) []models.MessageAttemptOut {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		l, err := sv.MessageAttempt.ListByMsg(t.Context(), app, msg, nil)
		if err == nil && len(l.Data) == n {
			return l.Data
		}
		if time.Now().After(deadline) {
			t.Fatalf("attempts of %s: %+v %v, want %d", msg, l, err, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func svixmoreStatus(err error) (int, string) {
	var se *svixgo.Error
	if !errors.As(err, &se) {
		return 0, ""
	}
	return se.Status(), string(se.Body())
}

// The official library's Message.ExpungeContent (DELETE
// …/msg/{msg_id}/content) is served as Svix serves it: 204, the
// message's payload reads {"expired":true} since (svix-server's
// MessageOut for a payload it no longer has), a resend is Svix's 400
// missing_payload, recover and replay-missing leave the message out, a
// scheduled delivery of it is not sent, and a replay of it through
// hookctl's own API sends nothing (the engine records it unsent rather
// than send the payload it cached when it first sent the message). The
// route answered 404 before.
func TestSvixmoreExpungeMessageContent(t *testing.T) {
	svixmoreExpungeMessageContent(t, servetest.Start(t, nil))
}

func TestSvixmoreExpungeMessageContentPostgres(t *testing.T) {
	pgtest.ServerURL(t)
	st, err := postgres.Open(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	svixmoreExpungeMessageContent(t, servetest.StartWith(t, st, nil))
}

func svixmoreExpungeMessageContent(t *testing.T, e *servetest.Env) {
	sv := client(t, e)
	ctx := t.Context()
	recv := newSvixmoreReceiver(t)
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "a"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: recv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "card.updated", Payload: map[string]any{"card": "4242"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b := recv.next(t); !strings.Contains(b, "4242") {
		t.Fatalf("first delivery: %s", b)
	}
	svixmoreAttempts(t, sv, app.Id, msg.Id, 1)

	if err := sv.Message.ExpungeContent(ctx, app.Id, msg.Id); err != nil {
		t.Fatalf("expunge: %v", err)
	}
	got, err := sv.Message.Get(ctx, app.Id, msg.Id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(got.Payload); string(b) != `{"expired":true}` || got.EventType != "card.updated" {
		t.Errorf("expunged message reads payload %s, type %q; want {\"expired\":true}, card.updated", b, got.EventType)
	}
	list, err := sv.Message.List(ctx, app.Id, nil)
	if err != nil || len(list.Data) != 1 {
		t.Fatalf("list: %+v %v", list, err)
	}
	if v, _ := list.Data[0].Payload["expired"].(bool); !v || list.Data[0].Payload["card"] != nil {
		t.Errorf("listed expunged message: payload %v", list.Data[0].Payload)
	}
	// No copy of the payload is left where the store keeps the message.
	ev, err := e.Store.GetEvent(ctx, msg.Id)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Payload) != 0 {
		t.Errorf("the store still has the payload: %q", ev.Payload)
	}
	// Again: 204 too.
	if err := sv.Message.ExpungeContent(ctx, app.Id, msg.Id); err != nil {
		t.Errorf("expunge again: %v", err)
	}

	// A resend is refused as Svix refuses it, and nothing is queued.
	_, err = sv.MessageAttempt.Resend(ctx, app.Id, msg.Id, ep.Id, nil)
	if code, body := svixmoreStatus(err); code != 400 || !strings.Contains(body, `"code":"missing_payload"`) ||
		!strings.Contains(body, `"detail":"Unable to resend message. Payload is missing (probably expired)."`) {
		t.Errorf("resend of an expunged message: %v (%d %s), want Svix's 400 missing_payload", err, code, body)
	}
	ds, err := e.Store.ListDeliveries(ctx, store.DeliveryFilter{EventID: msg.Id})
	if err != nil || len(ds) != 1 || ds[0].Status != store.DeliverySucceeded {
		t.Fatalf("deliveries after the refused resend: %+v %v", ds, err)
	}

	// A replay through hookctl's own API sends nothing and records why.
	replayedUnsent := func(id string, attempts int) {
		t.Helper()
		sent := recv.n.Load()
		code, body := e.Do("POST", "/_hookctl/replay", nil, map[string]any{"ids": []string{id}, "force": true})
		if code != 200 {
			t.Fatalf("replay: %d %s", code, body)
		}
		var d struct {
			Attempts []struct {
				Error string `json:"error"`
			} `json:"attempts"`
		}
		for deadline := time.Now().Add(15 * time.Second); ; {
			code, body := e.Do("GET", "/_hookctl/deliveries/"+id, nil, nil)
			if code == 200 && json.Unmarshal(body, &d) == nil && len(d.Attempts) == attempts+1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the replay's attempt was never recorded: %d %s", code, body)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if got := d.Attempts[attempts].Error; got != store.ExpungedError {
			t.Errorf("the replay's attempt: error %q, want %q", got, store.ExpungedError)
		}
		if n := recv.n.Load(); n != sent {
			t.Errorf("the receiver got %d more requests, want none (the replay of an expunged message sent it)", n-sent)
		}
	}
	replayedUnsent(ds[0].ID, 1)

	// recover and replay-missing leave an expunged message out: a failed
	// message that is expunged, beside one that is not.
	recv.status.Store(500)
	failedMsg := func(n int) string {
		m, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "card.updated", Payload: map[string]any{"n": n}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 { // the test schedule: 3 attempts
			recv.next(t)
		}
		svixmoreAttempts(t, sv, app.Id, m.Id, 3)
		for deadline := time.Now().Add(15 * time.Second); ; {
			ds, err := e.Store.ListDeliveries(ctx, store.DeliveryFilter{EventID: m.Id})
			if err == nil && len(ds) == 1 && ds[0].Status == store.DeliveryFailed {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("message %d never failed: %+v %v", n, ds, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		return m.Id
	}
	gone, kept := failedMsg(1), failedMsg(2)
	recv.status.Store(200)
	if err := sv.Message.ExpungeContent(ctx, app.Id, gone); err != nil {
		t.Fatal(err)
	}
	since := time.Now().Add(-time.Hour)
	task, err := sv.Endpoint.Recover(ctx, app.Id, ep.Id, models.RecoverIn{Since: since}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b := recv.next(t); !strings.Contains(b, `"n":2`) {
		t.Errorf("recovered: %s, want the message not expunged", b)
	}
	bt, err := sv.BackgroundTask.Get(ctx, task.Id)
	if err != nil || bt.Data["messagesSent"] != float64(1) {
		t.Errorf("recover task: %+v %v, want messagesSent 1", bt, err)
	}
	if ds, err := e.Store.ListDeliveries(ctx, store.DeliveryFilter{EventID: gone}); err != nil || len(ds) != 1 || ds[0].Status != store.DeliveryFailed || ds[0].AttemptCount != 3 {
		t.Errorf("the expunged message's delivery after recover: %+v %v, want failed after its 3 attempts", ds, err)
	}
	svixmoreAttempts(t, sv, app.Id, kept, 4)
	// A new endpoint: replay-missing sends it the messages it never got
	// but the expunged ones.
	ep2, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: recv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sv.Endpoint.ReplayMissing(ctx, app.Id, ep2.Id, models.ReplayIn{Since: since}, nil); err != nil {
		t.Fatal(err)
	}
	if b := recv.next(t); !strings.Contains(b, `"n":2`) {
		t.Errorf("replayed to the new endpoint: %s, want the message not expunged", b)
	}
	sub, err := e.Store.ListSubscriptions(ctx, store.SubscriptionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sub {
		if s.Metadata["svix_id"] != ep2.Id {
			continue
		}
		ds, err := e.Store.ListDeliveries(ctx, store.DeliveryFilter{SubscriptionID: s.ID})
		if err != nil || len(ds) != 1 || ds[0].EventID != kept {
			t.Errorf("the new endpoint's deliveries: %+v %v, want the one of %s", ds, err, kept)
		}
	}

	// A delivery scheduled for later (deliverAt) is not sent once the
	// message is expunged: it fails, saying why.
	later := time.Now().Add(time.Hour)
	sched, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "card.updated", Payload: map[string]any{"n": 3}, DeliverAt: &later}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sv.Message.ExpungeContent(ctx, app.Id, sched.Id); err != nil {
		t.Fatal(err)
	}
	ds, err = e.Store.ListDeliveries(ctx, store.DeliveryFilter{EventID: sched.Id})
	if err != nil || len(ds) != 2 {
		t.Fatalf("the scheduled message's deliveries: %+v %v", ds, err)
	}
	for _, d := range ds {
		if d.Status != store.DeliveryFailed || d.LastError != store.ExpungedError || d.AttemptCount != 0 {
			t.Errorf("a scheduled delivery after expunge: %s %q after %d attempts", d.Status, d.LastError, d.AttemptCount)
		}
	}
	// The engine cached this message when it was scheduled (not sent
	// then): a replay of it reads it expunged all the same.
	replayedUnsent(ds[0].ID, 0)

	// bulk-replay sends the first endpoint again what it got but the
	// expunged messages (three of its four).
	rt, err := sv.Endpoint.BulkReplay(ctx, app.Id, ep.Id, models.BulkReplayIn{Since: since}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b := recv.next(t); !strings.Contains(b, `"n":2`) {
		t.Errorf("bulk-replayed: %s, want the message not expunged", b)
	}
	if bt, err := sv.BackgroundTask.Get(ctx, rt.Id); err != nil || bt.Data["messagesSent"] != float64(1) {
		t.Errorf("bulk-replay task: %+v %v, want messagesSent 1", bt, err)
	}

	// Unknown messages, and another application's, are Svix's 404.
	other, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "b"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ app, msg string }{{app.Id, "msg_nope"}, {other.Id, kept}, {"app_nope", kept}} {
		err := sv.Message.ExpungeContent(ctx, tc.app, tc.msg)
		if code, body := svixmoreStatus(err); code != 404 || !strings.Contains(body, `"code":"not_found"`) {
			t.Errorf("expunge %s of %s: %v (%d %s), want 404 not_found", tc.msg, tc.app, err, code, body)
		}
	}
	if got, err := sv.Message.Get(ctx, app.Id, kept, nil); err != nil || got.Payload["n"] != float64(2) {
		t.Errorf("a message not expunged: %+v %v", got, err)
	}
	// No credential: 401, nothing expunged.
	code, body := e.Do("DELETE", "/api/v1/app/"+app.Id+"/msg/"+kept+"/content", nil, nil)
	if code != 401 {
		t.Errorf("without a credential: %d %s", code, body)
	}
}

// The official library's MessageAttempt.ExpungeContent (DELETE
// …/msg/{msg_id}/attempt/{attempt_id}/content) is served: 204, and the
// attempt's response reads "EXPUNGED" since, as svix-server writes it;
// the message's other attempts keep theirs. A message or attempt that is
// not there is Svix's 404 ("Message not found", "Message attempt not
// found"). The route answered 404 before.
func TestSvixmoreExpungeAttemptContent(t *testing.T) {
	svixmoreExpungeAttemptContent(t, servetest.Start(t, nil))
}

func TestSvixmoreExpungeAttemptContentPostgres(t *testing.T) {
	pgtest.ServerURL(t)
	st, err := postgres.Open(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	svixmoreExpungeAttemptContent(t, servetest.StartWith(t, st, nil))
}

func svixmoreExpungeAttemptContent(t *testing.T, e *servetest.Env) {
	sv := client(t, e)
	ctx := t.Context()
	recv := newSvixmoreReceiver(t)
	recv.status.Store(500)
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "a"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: recv.URL}, nil); err != nil {
		t.Fatal(err)
	}
	msg, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "x.y", Payload: map[string]any{"n": 1}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		recv.next(t)
	}
	atts := svixmoreAttempts(t, sv, app.Id, msg.Id, 3)
	for _, a := range atts {
		if a.Response != `{"session":"s3cret"}` {
			t.Fatalf("attempt %s's response: %q", a.Id, a.Response)
		}
	}
	target := atts[1]
	if err := sv.MessageAttempt.ExpungeContent(ctx, app.Id, msg.Id, target.Id); err != nil {
		t.Fatalf("expunge attempt: %v", err)
	}
	got, err := sv.MessageAttempt.Get(ctx, app.Id, msg.Id, target.Id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Response != "EXPUNGED" || got.ResponseStatusCode != 500 || got.Id != target.Id {
		t.Errorf("expunged attempt: response %q status %d", got.Response, got.ResponseStatusCode)
	}
	for i, a := range svixmoreAttempts(t, sv, app.Id, msg.Id, 3) {
		want := `{"session":"s3cret"}`
		if a.Id == target.Id {
			want = "EXPUNGED"
		}
		if a.Response != want {
			t.Errorf("listed attempt %d: response %q, want %q", i, a.Response, want)
		}
	}
	// The message itself keeps its payload.
	if m, err := sv.Message.Get(ctx, app.Id, msg.Id, nil); err != nil || m.Payload["n"] != float64(1) {
		t.Errorf("the message after its attempt's expunge: %+v %v", m, err)
	}
	other, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "x.y", Payload: map[string]any{"n": 2}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	last := target.Id[:strings.LastIndex(target.Id, "_")+1]
	for _, tc := range []struct{ msg, attempt, detail string }{
		{"msg_nope", target.Id, "Message not found"},
		{other.Id, target.Id, "Message attempt not found"}, // another message's attempt
		{msg.Id, last + "9", "Message attempt not found"},  // no such number
		{msg.Id, "atmpt_nope", "Message attempt not found"},
		{msg.Id, "atmpt_" + strings.Repeat("0", 32) + "_1", "Message attempt not found"},
	} {
		err := sv.MessageAttempt.ExpungeContent(ctx, app.Id, tc.msg, tc.attempt)
		if code, body := svixmoreStatus(err); code != 404 || !strings.Contains(body, `"code":"not_found"`) || !strings.Contains(body, tc.detail) {
			t.Errorf("expunge %s of %s: %v (%d %s), want 404 %q", tc.attempt, tc.msg, err, code, body, tc.detail)
		}
	}
}
