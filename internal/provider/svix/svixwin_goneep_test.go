package svix_test

import (
	"context"
	"strings"
	"testing"
	"time"

	svixgo "github.com/svix/svix-webhooks/go"
	"github.com/svix/svix-webhooks/go/models"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// An attempt to an endpoint deleted since keeps the endpoint's id, as
// Svix's attempts do: in the message's attempt list (also filtered by
// that endpoint_id) and read one by one. The endpointId was "" once the
// endpoint was gone (the store keeps the deleted subscription's id on
// its deliveries, and serve did not map it back to the ep_ id).
func TestSvixwinAttemptKeepsDeletedEndpointID(t *testing.T) {
	svixwinAttemptKeepsDeletedEndpointID(t, servetest.Start(t, nil))
}

func TestSvixwinAttemptKeepsDeletedEndpointIDPostgres(t *testing.T) {
	pgtest.ServerURL(t)
	st, err := postgres.Open(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	svixwinAttemptKeepsDeletedEndpointID(t, servetest.StartWith(t, st, nil))
}

func svixwinAttemptKeepsDeletedEndpointID(t *testing.T, e *servetest.Env) {
	sv := client(t, e)
	ctx := t.Context()
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "gone"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	gone, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: e.Recv.URL + "/gone"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: e.Recv.URL + "/kept"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "x.y", Payload: map[string]any{"n": 1}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.Recv.Next(t, 10*time.Second)
	e.Recv.Next(t, 10*time.Second)
	var atts *models.ListResponseMessageAttemptOut
	deadline := time.Now().Add(30 * time.Second)
	for { // the attempts are recorded just after the answers
		if atts, err = sv.MessageAttempt.ListByMsg(ctx, app.Id, msg.Id, nil); err != nil || len(atts.Data) == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || len(atts.Data) != 2 {
		t.Fatalf("attempts: %+v %v", atts, err)
	}
	want := map[string]string{} // attempt id → endpoint id
	for _, a := range atts.Data {
		want[a.Id] = a.EndpointId
	}
	if err := sv.Endpoint.Delete(ctx, app.Id, gone.Id); err != nil {
		t.Fatal(err)
	}
	atts, err = sv.MessageAttempt.ListByMsg(ctx, app.Id, msg.Id, nil)
	if err != nil || len(atts.Data) != 2 {
		t.Fatalf("attempts after the delete: %+v %v", atts, err)
	}
	seen := map[string]bool{}
	for _, a := range atts.Data {
		if a.EndpointId != want[a.Id] {
			t.Errorf("attempt %s after its endpoint's delete: endpointId %q, want %q", a.Id, a.EndpointId, want[a.Id])
		}
		seen[a.EndpointId] = true
		got, err := sv.MessageAttempt.Get(ctx, app.Id, msg.Id, a.Id, nil)
		if err != nil || got.EndpointId != want[a.Id] {
			t.Errorf("get %s: %+v %v, want endpointId %q", a.Id, got, err, want[a.Id])
		}
	}
	if !seen[gone.Id] || !seen[kept.Id] {
		t.Errorf("endpoint ids listed: %v, want %s (deleted) and %s", seen, gone.Id, kept.Id)
	}
	only, err := sv.MessageAttempt.ListByMsg(ctx, app.Id, msg.Id, &svixgo.MessageAttemptListByMsgOptions{EndpointId: &gone.Id})
	if err != nil || len(only.Data) != 1 || only.Data[0].EndpointId != gone.Id {
		t.Errorf("attempts to the deleted endpoint (endpoint_id): %+v %v", only, err)
	}

	// An endpoint deleted by an earlier hookctl has only the record kept
	// by its ep_ id (which names its subscription): it is found there.
	objs, err := e.Store.ListObjects(ctx, store.KindSvixEndpointGone)
	if err != nil {
		t.Fatal(err)
	}
	dropped := 0
	for _, o := range objs {
		if strings.HasPrefix(o.ID, "sub:") {
			if _, err := e.Store.ChangeObject(ctx, o.Kind, o.ID, func(*store.Object) (*store.Object, error) { return nil, nil }); err != nil {
				t.Fatal(err)
			}
			dropped++
		}
	}
	if dropped != 1 {
		t.Fatalf("%d records kept by subscription id, want 1", dropped)
	}
	atts, err = sv.MessageAttempt.ListByMsg(ctx, app.Id, msg.Id, nil)
	if err != nil || len(atts.Data) != 2 {
		t.Fatalf("attempts: %+v %v", atts, err)
	}
	for _, a := range atts.Data {
		if a.EndpointId != want[a.Id] {
			t.Errorf("attempt %s, its endpoint deleted by an earlier hookctl: endpointId %q, want %q", a.Id, a.EndpointId, want[a.Id])
		}
	}
}
