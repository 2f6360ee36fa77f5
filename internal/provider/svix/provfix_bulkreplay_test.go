package svix_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	svixgo "github.com/svix/svix-webhooks/go"
	"github.com/svix/svix-webhooks/go/models"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// endpoint.bulkReplay (the official Go library) resends the messages
// created since a time that went to the endpoint, successful and failed
// ones alike, narrowed by eventTypes, channel, tag, status and
// statusCodeClass, each signed with the endpoint's secret and the
// message's id as svix-id; a message from before since, or one the
// endpoint never got, is not sent. Its task (qtask_…, endpoint.bulk-replay)
// is read back with backgroundTask.get, data.messagesSent the number
// sent, and backgroundTask.list lists it (recover's and
// replay-missing's tasks too). Before, serve had no route for either: a
// 404 "hookctl serve has no route".
func TestProvfixBulkReplay(t *testing.T) {
	bulkReplay(t, servetest.Start(t, nil))
}

// The same over PostgreSQL (HOOKCTL_TEST_POSTGRES; skipped without it):
// the tasks are store objects there too.
func TestProvfixBulkReplayPostgres(t *testing.T) {
	pgtest.ServerURL(t)
	st, err := postgres.Open(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	bulkReplay(t, servetest.StartWith(t, st, nil))
}

func bulkReplay(t *testing.T, e *servetest.Env) {
	sv := client(t, e)
	ctx := t.Context()
	declare(t, e, "order.created", "order.paid")
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "shop"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	recv := servetest.NewReceiver(t)
	ep, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: recv.URL + "/b"}, nil)
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
	send := func(typ, order string, channels ...string) *models.MessageOut {
		t.Helper()
		m, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: typ, Payload: map[string]any{"order": order}, Channels: channels}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rec := recv.Next(t, 10*time.Second); rec.Header.Get("svix-id") != m.Id {
			t.Fatalf("first delivery of %s: svix-id %q", m.Id, rec.Header.Get("svix-id"))
		}
		return m
	}
	send("order.created", "o-0") // before since
	time.Sleep(20 * time.Millisecond)
	since := time.Now().UTC()
	time.Sleep(20 * time.Millisecond)
	m1 := send("order.created", "o-1", "eu")
	m2 := send("order.paid", "o-2")
	// m3 fails: the receiver answers 500 to it and its retries.
	recv.SetStatus(500)
	m3, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "order.paid", Payload: map[string]any{"order": "o-3"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := sv.MessageAttempt.ListAttemptedMessages(ctx, app.Id, ep.Id, nil)
		if err != nil {
			t.Fatal(err)
		}
		if i := slices.IndexFunc(out.Data, func(m models.EndpointMessageOut) bool { return m.Id == m3.Id }); i >= 0 && out.Data[i].Status == models.MESSAGESTATUS_FAIL {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("o-3 did not fail within 30s: %+v", out.Data)
		}
		time.Sleep(50 * time.Millisecond)
	}
	recv.Drain()
	recv.SetStatus(200)

	// replayed runs a bulk replay and returns the svix-ids it delivered
	// (sorted) and the task as backgroundTask.get reads it.
	replayed := func(in models.BulkReplayIn, want int) ([]string, *models.BackgroundTaskOut) {
		t.Helper()
		out, err := sv.Endpoint.BulkReplay(ctx, app.Id, ep.Id, in, nil)
		if err != nil {
			t.Fatalf("bulk-replay %+v: %v", in, err)
		}
		if out.Task != models.BACKGROUNDTASKTYPE_ENDPOINT_BULK_REPLAY || !strings.HasPrefix(out.Id, "qtask_") || len(out.Id) != 33 {
			t.Fatalf("bulk-replay answered %+v", out)
		}
		var ids []string
		for range want {
			rec := recv.Next(t, 10*time.Second)
			if err := wh.Verify(rec.Body, rec.Header); err != nil {
				t.Fatalf("a replayed message does not verify with the endpoint's secret: %v", err)
			}
			ids = append(ids, rec.Header.Get("svix-id"))
		}
		recv.None(t, 300*time.Millisecond)
		slices.Sort(ids)
		task, err := sv.BackgroundTask.Get(ctx, out.Id)
		if err != nil {
			t.Fatalf("backgroundTask.get %s: %v", out.Id, err)
		}
		if task.Id != out.Id || task.Task != models.BACKGROUNDTASKTYPE_ENDPOINT_BULK_REPLAY || task.Status != models.BACKGROUNDTASKSTATUS_FINISHED ||
			fmt.Sprint(task.Data["messagesSent"]) != fmt.Sprint(want) {
			t.Fatalf("backgroundTask.get: %+v, want finished with messagesSent %d", task, want)
		}
		return ids, task
	}
	sorted := func(ids ...string) string { slices.Sort(ids); return fmt.Sprint(ids) }

	if got, _ := replayed(models.BulkReplayIn{Since: since}, 3); fmt.Sprint(got) != sorted(m1.Id, m2.Id, m3.Id) {
		t.Errorf("every message since: %v, want o-1, o-2 and o-3 (%s)", got, sorted(m1.Id, m2.Id, m3.Id))
	}
	if got, _ := replayed(models.BulkReplayIn{Since: since, EventTypes: []string{"order.created"}}, 1); fmt.Sprint(got) != sorted(m1.Id) {
		t.Errorf("eventTypes order.created: %v, want o-1", got)
	}
	eu := "eu"
	if got, _ := replayed(models.BulkReplayIn{Since: since, Channel: &eu}, 1); fmt.Sprint(got) != sorted(m1.Id) {
		t.Errorf("channel eu: %v, want o-1", got)
	}
	// o-3 succeeded when it was replayed above: nothing has failed now.
	failed := models.MESSAGESTATUS_FAIL
	replayed(models.BulkReplayIn{Since: since, Status: &failed}, 0)
	until := time.Now().UTC()
	m4 := send("order.paid", "o-4") // after until
	class := models.STATUSCODECLASS_CODE2XX
	if got, _ := replayed(models.BulkReplayIn{Since: since, Until: &until, StatusCodeClass: &class, EventTypes: []string{"order.paid"}}, 2); fmt.Sprint(got) != sorted(m2.Id, m3.Id) {
		t.Errorf("order.paid with a 2xx until %s: %v, want o-2 and o-3, not o-4 (%s)", until, got, m4.Id)
	}

	// A message scheduled for later (deliverAt) has not been sent to the
	// endpoint yet: a bulk replay leaves it to its time (it was sent at
	// once, its deliverAt lost).
	at := time.Now().Add(2 * time.Minute)
	if _, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "order.later", Payload: map[string]any{}, DeliverAt: &at}, nil); err != nil {
		t.Fatal(err)
	}
	replayed(models.BulkReplayIn{Since: since, EventTypes: []string{"order.later"}}, 0)

	// Bad input is Svix's 422.
	before := since.Add(-time.Minute)
	bad := 7
	for name, in := range map[string]models.BulkReplayIn{
		"until before since": {Since: since, Until: &before},
		"status 7":           {Since: since, Status: (*models.MessageStatus)(ptr(int64(bad)))},
		"eventTypes a b":     {Since: since, EventTypes: []string{"a b"}},
	} {
		_, err := sv.Endpoint.BulkReplay(ctx, app.Id, ep.Id, in, nil)
		var se *svixgo.Error
		if !errors.As(err, &se) || se.Status() != 422 {
			t.Errorf("%s: %v, want 422", name, err)
		}
	}
	recv.None(t, 200*time.Millisecond)

	// recover's task is read back too, and the list has them all.
	rec, err := sv.Endpoint.Recover(ctx, app.Id, ep.Id, models.RecoverIn{Since: since}, nil)
	if err != nil {
		t.Fatal(err)
	}
	task, err := sv.BackgroundTask.Get(ctx, rec.Id)
	if err != nil || task.Task != models.BACKGROUNDTASKTYPE_ENDPOINT_RECOVER || fmt.Sprint(task.Data["messagesSent"]) != "0" {
		t.Fatalf("recover's task: %+v %v", task, err)
	}
	kind := models.BACKGROUNDTASKTYPE_ENDPOINT_BULK_REPLAY
	var listed []string
	var it *string
	for {
		limit := uint64(2)
		page, err := sv.BackgroundTask.List(ctx, &svixgo.BackgroundTaskListOptions{Task: &kind, Limit: &limit, Iterator: it})
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range page.Data {
			listed = append(listed, string(tk.Task))
		}
		if page.Done {
			break
		}
		it = page.Iterator
	}
	if len(listed) != 6 || slices.ContainsFunc(listed, func(s string) bool { return s != string(kind) }) {
		t.Errorf("the bulk replays, two a page: %v, want 6", listed)
	}
	if _, err := sv.BackgroundTask.Get(ctx, "qtask_000000000000000000000000000"); err == nil {
		t.Error("an unknown task was found")
	} else if se := (*svixgo.Error)(nil); !errors.As(err, &se) || se.Status() != 404 {
		t.Errorf("an unknown task: %v, want 404", err)
	}
}

func ptr[T any](v T) *T { return &v }
