package svix_test

import (
	"testing"
	"time"

	"github.com/svix/svix-webhooks/go/models"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// replay-missing of a message scheduled for later (deliverAt) to an
// endpoint made after it: the endpoint gets it at its deliverAt, as every
// other endpoint does, not at once. It was sent at once.
func TestProvfixReplayMissingKeepsDeliverAt(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "shop"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	since := time.Now().Add(-time.Minute)
	at := time.Now().Add(2 * time.Minute).UTC().Truncate(time.Millisecond)
	m, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "order.later", Payload: map[string]any{"o": 1}, DeliverAt: &at}, nil)
	if err != nil {
		t.Fatal(err)
	}
	recv := servetest.NewReceiver(t)
	ep, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: recv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sv.Endpoint.ReplayMissing(ctx, app.Id, ep.Id, models.ReplayIn{Since: since}, nil); err != nil {
		t.Fatal(err)
	}
	recv.None(t, 700*time.Millisecond)
	out, err := sv.MessageAttempt.ListAttemptedMessages(ctx, app.Id, ep.Id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Data) != 1 || out.Data[0].Id != m.Id || out.Data[0].Status != models.MESSAGESTATUS_PENDING ||
		out.Data[0].NextAttempt == nil || !out.Data[0].NextAttempt.Equal(at) {
		t.Fatalf("the endpoint's messages: %+v; want %s pending, next attempt at its deliverAt %s", out.Data, m.Id, at)
	}
}
