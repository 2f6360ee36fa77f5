package svix_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	svixgo "github.com/svix/svix-webhooks/go"
	"github.com/svix/svix-webhooks/go/models"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
)

// A message's tags are kept, answered and filtered by (GET …/msg?tag=),
// and its deliverAt schedules its deliveries for then and is answered,
// both under Svix's rules (422 otherwise). Both were dropped: the message
// went out at once, untagged.
func TestMessageTagsAndDeliverAt(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	uid := "a"
	if _, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "A", Uid: &uid}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := sv.Endpoint.Create(ctx, uid, models.EndpointIn{Url: e.Recv.URL}, nil); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(2 * time.Minute).UTC().Truncate(time.Millisecond)
	later, err := sv.Message.Create(ctx, uid, models.MessageIn{EventType: "a.b", Payload: map[string]any{"later": 1}, DeliverAt: &at}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if later.DeliverAt == nil || !later.DeliverAt.Equal(at) {
		t.Errorf("deliverAt answered %v, want %v", later.DeliverAt, at)
	}
	ds, err := e.Store.ListDeliveries(ctx, store.DeliveryFilter{EventID: later.Id})
	if err != nil || len(ds) != 1 || !ds[0].NextAttemptAt.Equal(at) || ds[0].Status != store.DeliveryPending {
		t.Fatalf("the scheduled message's delivery: %+v %v, want one pending, due %v", ds, err, at)
	}
	if _, err := sv.Message.Create(ctx, uid, models.MessageIn{EventType: "a.b", Payload: map[string]any{"plain": 1}}, nil); err != nil {
		t.Fatal(err)
	}
	tagged, err := sv.Message.Create(ctx, uid, models.MessageIn{EventType: "a.b", Payload: map[string]any{"tagged": 1}, Tags: []string{"project_1337", `a/b\c#d.e-f`}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(tagged.Tags, " ") != `project_1337 a/b\c#d.e-f` {
		t.Errorf("tags answered %q", tagged.Tags)
	}
	// The other two go out now; the scheduled one does not.
	for range 2 {
		if got := e.Recv.Next(t, 5*time.Second); strings.Contains(string(got.Body), "later") {
			t.Fatalf("the message for %v was sent at once: %s", at, got.Body)
		}
	}
	e.Recv.None(t, 500*time.Millisecond)

	for _, tag := range []string{"project_1337", `a/b\c#d.e-f`} {
		l, err := sv.Message.List(ctx, uid, &svixgo.MessageListOptions{Tag: &tag})
		if err != nil || len(l.Data) != 1 || l.Data[0].Id != tagged.Id || len(l.Data[0].Tags) != 2 {
			t.Errorf("list tag=%s: %+v %v, want the tagged message", tag, l, err)
		}
	}
	none := "other"
	if l, err := sv.Message.List(ctx, uid, &svixgo.MessageListOptions{Tag: &none}); err != nil || len(l.Data) != 0 {
		t.Errorf("list tag=other: %+v %v", l, err)
	}
	if l, err := sv.Message.List(ctx, uid, nil); err != nil || len(l.Data) != 3 {
		t.Errorf("list: %+v %v", l, err)
	}
	got, err := sv.Message.Get(ctx, uid, later.Id, nil)
	if err != nil || got.DeliverAt == nil || !got.DeliverAt.Equal(at) {
		t.Errorf("get the scheduled message: %+v %v", got, err)
	}

	now := time.Now().UTC()
	for _, tc := range []struct {
		name string
		body map[string]any
		loc  string
	}{
		{"deliverAt past", map[string]any{"deliverAt": now.Add(-time.Minute)}, "deliverAt"},
		{"deliverAt now", map[string]any{"deliverAt": now}, "deliverAt"},
		{"deliverAt in 25h", map[string]any{"deliverAt": now.Add(25 * time.Hour)}, "deliverAt"},
		{"six tags", map[string]any{"tags": []string{"a", "b", "c", "d", "e", "f"}}, "tags"},
		{"a space", map[string]any{"tags": []string{"a b"}}, "tags"},
		{"a comma", map[string]any{"tags": []string{"a,b"}}, "tags"},
		{"empty tag", map[string]any{"tags": []string{""}}, "tags"},
		{"long tag", map[string]any{"tags": []string{strings.Repeat("x", 129)}}, "tags"},
		{"twice", map[string]any{"tags": []string{"a", "a"}}, "tags"},
	} {
		body := map[string]any{"eventType": "a.b", "payload": map[string]any{}}
		for k, v := range tc.body {
			body[k] = v
		}
		code, out := e.Do("POST", "/api/v1/app/a/msg", bearer, body)
		var v struct {
			Detail []struct{ Loc []any } `json:"detail"`
		}
		if code != 422 || json.Unmarshal(out, &v) != nil || len(v.Detail) != 1 || len(v.Detail[0].Loc) < 2 || v.Detail[0].Loc[1] != tc.loc {
			t.Errorf("%s: %d %s, want Svix's 422 at body.%s", tc.name, code, out, tc.loc)
		}
	}
	if code, out := e.Do("GET", "/api/v1/app/a/msg?tag=a%20b", bearer, nil); code != 422 {
		t.Errorf("a bad tag filter: %d %s", code, out)
	}
	if l, _ := sv.Message.List(ctx, uid, nil); len(l.Data) != 3 {
		t.Errorf("refused messages were kept: %d messages", len(l.Data))
	}
}
