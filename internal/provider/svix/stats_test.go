package svix_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/svix/svix-webhooks/go/models"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
)

// TestStatsCountMessages: a message resent while its delivery was in
// flight went out as a second delivery; the endpoint's stats count it
// once, by its latest delivery's status, as Svix counts messages. Before,
// they counted deliveries: success 2 for the one message.
func TestStatsCountMessages(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	got := make(chan struct{}, 4)
	release := make(chan struct{})
	var n atomic.Int32
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		got <- struct{}{}
		if n.Add(1) == 1 {
			<-release // the first request hangs until the resend arrived
		}
	}))
	defer slow.Close()
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "Stats"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: slow.URL + "/hooks"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "order.created", Payload: map[string]any{"order": "o-1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	<-got
	if _, err := sv.MessageAttempt.Resend(ctx, app.Id, msg.Id, ep.Id, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("the resend sent nothing")
	}
	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for {
		ds, err := e.Store.ListDeliveries(ctx, store.DeliveryFilter{EventID: msg.Id})
		if err != nil {
			t.Fatal(err)
		}
		done := len(ds) == 2
		for _, d := range ds {
			done = done && d.Status == store.DeliverySucceeded
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("want two succeeded deliveries of the message: %+v", ds)
		}
		time.Sleep(20 * time.Millisecond)
	}
	st, err := sv.Endpoint.GetStats(ctx, app.Id, ep.Id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Success != 1 || st.Fail != 0 || st.Pending != 0 {
		t.Fatalf("stats %+v, want the one message once: success 1", *st)
	}
}
