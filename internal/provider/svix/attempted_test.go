package svix_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	svixgo "github.com/svix/svix-webhooks/go"
	"github.com/svix/svix-webhooks/go/models"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
)

// An endpoint's message list (ListAttemptedMessages) filters as Svix
// documents it: tag, event_types, channel, status (of the message's
// delivery there) and before/after. It filtered by nothing: ?tag=x
// listed every message.
func TestAttemptedMessagesFilters(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	app, ep := failedMessage(t, e, sv) // one x.y message, failed
	// The library sends before/after in whole seconds: the next second.
	mid := time.Now().Truncate(time.Second).Add(time.Second)
	time.Sleep(time.Until(mid) + 10*time.Millisecond)
	var ids []string
	for i, in := range []models.MessageIn{
		{EventType: "x.y", Payload: map[string]any{"i": 1}, Tags: []string{"project_1", "vip"}},
		{EventType: "a.b", Payload: map[string]any{"i": 2}, Tags: []string{"project_2"}, Channels: []string{"eu"}},
		{EventType: "a.b", Payload: map[string]any{"i": 3}},
	} {
		m, err := sv.Message.Create(ctx, app.Id, in, nil)
		if err != nil {
			t.Fatal(i, err)
		}
		ids = append(ids, m.Id)
		e.Recv.Next(t, 5*time.Second)
	}
	list := func(o svixgo.MessageAttemptListAttemptedMessagesOptions) []string {
		t.Helper()
		var out []string
		for range 100 { // until the last delivery is recorded
			l, err := sv.MessageAttempt.ListAttemptedMessages(ctx, app.Id, ep.Id, &o)
			if err != nil {
				t.Fatal(err)
			}
			out = out[:0]
			pending := false
			for _, m := range l.Data {
				out = append(out, m.Id)
				pending = pending || m.Status == models.MESSAGESTATUS_PENDING
			}
			if !pending {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		return out
	}
	all := list(svixgo.MessageAttemptListAttemptedMessagesOptions{})
	if len(all) != 4 {
		t.Fatalf("unfiltered: %v, want 4 messages", all)
	}
	vip, p2, eu := "vip", "project_2", "eu"
	failed, succeeded := models.MESSAGESTATUS_FAIL, models.MESSAGESTATUS_SUCCESS
	for name, tc := range map[string]struct {
		o    svixgo.MessageAttemptListAttemptedMessagesOptions
		want []string
	}{
		"tag=vip":         {svixgo.MessageAttemptListAttemptedMessagesOptions{Tag: &vip}, []string{ids[0]}},
		"tag=project_2":   {svixgo.MessageAttemptListAttemptedMessagesOptions{Tag: &p2}, []string{ids[1]}},
		"event_types=a.b": {svixgo.MessageAttemptListAttemptedMessagesOptions{EventTypes: &[]string{"a.b"}}, []string{ids[2], ids[1]}},
		"channel=eu":      {svixgo.MessageAttemptListAttemptedMessagesOptions{Channel: &eu}, []string{ids[1]}},
		"status=2":        {svixgo.MessageAttemptListAttemptedMessagesOptions{Status: &failed}, []string{all[3]}},
		"status=0":        {svixgo.MessageAttemptListAttemptedMessagesOptions{Status: &succeeded}, []string{ids[2], ids[1], ids[0]}},
		"after":           {svixgo.MessageAttemptListAttemptedMessagesOptions{After: &mid}, []string{ids[2], ids[1], ids[0]}},
		"before":          {svixgo.MessageAttemptListAttemptedMessagesOptions{Before: &mid}, []string{all[3]}},
	} {
		if got := list(tc.o); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
	if code, body := e.Do("GET", "/api/v1/app/"+app.Id+"/endpoint/"+ep.Id+"/msg?tag=a%20b", bearer, nil); code != 422 {
		t.Errorf("an invalid tag: %d %s, want 422", code, body)
	}
}

// A message resent while its delivery was in flight has two deliveries to
// the endpoint; the endpoint's message list shows it once, where it was
// first sent, with the latest delivery's status: paging listed it twice
// (once per delivery, the second time with the older delivery's status).
func TestAttemptedMessagesOncePerMessage(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	got := make(chan struct{}, 16)
	release := make(chan struct{})
	var n atomic.Int32
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		got <- struct{}{}
		if n.Add(1) == 1 {
			<-release // the first message's first delivery hangs
		}
	}))
	defer slow.Close()
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "Twice"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: slow.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	send := func(i int) string {
		m, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "a.b", Payload: map[string]any{"i": i}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		<-got
		return m.Id
	}
	m1 := send(1)
	m2, m3 := send(2), send(3)
	if _, err := sv.MessageAttempt.Resend(ctx, app.Id, m1, ep.Id, nil); err != nil {
		t.Fatal(err)
	}
	<-got
	m4 := send(4)
	close(release)
	for range 200 {
		ds, err := e.Store.ListDeliveries(ctx, store.DeliveryFilter{Status: store.DeliverySucceeded})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) == 5 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ds, _ := e.Store.ListDeliveries(ctx, store.DeliveryFilter{EventID: m1}); len(ds) != 2 {
		t.Fatalf("the first message has %d deliveries, want 2 (the resend while in flight)", len(ds))
	}
	want := []string{m4, m3, m2, m1}
	for _, limit := range []uint64{1, 2, 3, 50} {
		var ids []string
		o := svixgo.MessageAttemptListAttemptedMessagesOptions{Limit: &limit}
		for range 10 {
			p, err := sv.MessageAttempt.ListAttemptedMessages(ctx, app.Id, ep.Id, &o)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range p.Data {
				ids = append(ids, m.Id)
				if m.Status != models.MESSAGESTATUS_SUCCESS {
					t.Errorf("limit %d: %s listed as %v, want success", limit, m.Id, m.Status)
				}
			}
			if p.Done {
				break
			}
			o.Iterator = p.Iterator
		}
		if !slices.Equal(ids, want) {
			t.Errorf("limit %d: %v, want %v", limit, ids, want)
		}
	}
}

// Recovering an endpoint resends the messages whose latest delivery there
// failed: a message resent while in flight whose resend succeeded is not
// sent again when its first delivery then fails. Recover resent every
// failed delivery, so the receiver got that message once more.
func TestRecoverSkipsMessagesResentSince(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	got := make(chan struct{}, 16)
	release := make(chan struct{})
	var n atomic.Int32
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		got <- struct{}{}
		switch n.Add(1) {
		case 1:
			<-release // the first delivery hangs, then fails (as its retries do)
			w.WriteHeader(500)
		case 2: // the resend
		default:
			w.WriteHeader(500)
		}
	}))
	defer slow.Close()
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "Recover"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: slow.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	since := time.Now().Add(-time.Minute)
	m, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "a.b", Payload: map[string]any{"i": 1}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	<-got
	if _, err := sv.MessageAttempt.Resend(ctx, app.Id, m.Id, ep.Id, nil); err != nil {
		t.Fatal(err)
	}
	<-got
	close(release)
	for i := 0; ; i++ {
		ds, err := e.Store.ListDeliveries(ctx, store.DeliveryFilter{EventID: m.Id})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) == 2 && ds[0].Status == store.DeliveryFailed && ds[1].Status == store.DeliverySucceeded {
			break
		}
		if i == 250 {
			t.Fatalf("want the first delivery failed, the resend succeeded: %+v", ds)
		}
		time.Sleep(20 * time.Millisecond)
	}
	sent := n.Load()
	if _, err := sv.Endpoint.Recover(ctx, app.Id, ep.Id, models.RecoverIn{Since: since}, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if now := n.Load(); now != sent {
		t.Fatalf("recover sent the message again (%d requests, then %d): its resend had succeeded", sent, now)
	}
}
