package svix_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	svixgo "github.com/svix/svix-webhooks/go"
	"github.com/svix/svix-webhooks/go/models"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// Svix's time-limited lists read 90 days by default, as its API documents
// them ("by default this endpoint is limited to retrieving 90 days' worth
// of data relative to now or, if an iterator is provided, 90 days
// before/after the time indicated by the iterator ID. If you require data
// beyond those time ranges, you will need to explicitly set the before or
// after parameter"): a message 100 days old is left out of the message
// list and of the list's next page after a message 100 days newer, and
// its attempt out of the attempt lists, until before or after asks for
// it. serve listed everything.
func TestSvixwinListsReadNinetyDays(t *testing.T) {
	svixwinListsReadNinetyDays(t, nil)
}

func TestSvixwinListsReadNinetyDaysPostgres(t *testing.T) {
	pgtest.ServerURL(t)
	st, err := postgres.Open(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	svixwinListsReadNinetyDays(t, st)
}

func svixwinListsReadNinetyDays(t *testing.T, st store.Store) {
	var mu sync.Mutex
	now := time.Now().UTC()
	t0 := now
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	opt := func(o *serve.Options) { o.Now = clock }
	var e *servetest.Env
	if st == nil {
		e = servetest.Start(t, opt)
	} else {
		e = servetest.StartWith(t, st, opt)
	}
	sv := client(t, e)
	ctx := t.Context()
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "window"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: e.Recv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	send := func() string {
		t.Helper()
		m, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "x.y", Payload: map[string]any{}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return m.Id
	}
	old := send()
	e.Recv.Next(t, 10*time.Second)
	deadline := time.Now().Add(30 * time.Second)
	for { // its attempt is recorded just after the answer
		atts, err := sv.MessageAttempt.ListByMsg(ctx, app.Id, old, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(atts.Data) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the old message's attempt was never recorded")
		}
		time.Sleep(20 * time.Millisecond)
	}
	advance(100 * 24 * time.Hour)
	mid, recent := send(), send()
	early, late := t0.Add(-time.Hour), t0.Add(time.Hour)
	ids := func(r *models.ListResponseMessageOut, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range r.Data {
			out = append(out, m.Id)
		}
		return fmt.Sprint(out, " done=", r.Done)
	}
	list := func(o *svixgo.MessageListOptions) string { return ids(sv.Message.List(ctx, app.Id, o)) }
	check := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", what, got, want)
		}
	}
	check("messages by default", list(nil), fmt.Sprint([]string{recent, mid}, " done=true"))
	check("messages after an early time", list(&svixgo.MessageListOptions{After: &early}), fmt.Sprint([]string{recent, mid, old}, " done=true"))
	check("messages before a late time", list(&svixgo.MessageListOptions{Before: &late}), fmt.Sprint([]string{old}, " done=true"))
	one := uint64(1)
	check("the page after the middle message (90 days before it)", list(&svixgo.MessageListOptions{Limit: &one, Iterator: &mid}), "[] done=true")
	check("the page after the middle message, after an early time", list(&svixgo.MessageListOptions{Limit: &one, Iterator: &mid, After: &early}), fmt.Sprint([]string{old}, " done=true"))
	prevOld := "-" + old
	check("the page before the old message (90 days after it)", list(&svixgo.MessageListOptions{Iterator: &prevOld}), "[] done=true")

	// The old message's attempt (made 100 days before serve's now).
	n := func(r *models.ListResponseMessageAttemptOut, err error) int {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return len(r.Data)
	}
	if got := n(sv.MessageAttempt.ListByMsg(ctx, app.Id, old, nil)); got != 0 {
		t.Errorf("the old message's attempts by default: %d, want none (100 days old)", got)
	}
	if got := n(sv.MessageAttempt.ListByMsg(ctx, app.Id, old, &svixgo.MessageAttemptListByMsgOptions{After: &early})); got != 1 {
		t.Errorf("the old message's attempts after an early time: %d, want 1", got)
	}
	if got := n(sv.MessageAttempt.ListByEndpoint(ctx, app.Id, ep.Id, nil)); got != 0 {
		t.Errorf("the endpoint's attempts by default: %d, want none (the one made is 100 days old)", got)
	}
	if got := n(sv.MessageAttempt.ListByEndpoint(ctx, app.Id, ep.Id, &svixgo.MessageAttemptListByEndpointOptions{After: &early})); got != 1 {
		t.Errorf("the endpoint's attempts after an early time: %d, want 1", got)
	}
}

// An endpoint's message list reads 90 days by default too (Svix documents
// it so): a message created 100 days ago is left out, by default and
// after a message 100 days newer, until after asks for it. The store
// dates deliveries by its own clock, so serve's clock here goes back 100
// days for the old message (its delivery is made now, as a replayed old
// message's would be) rather than forward 100 days after it.
func TestSvixwinEndpointMessagesReadNinetyDays(t *testing.T) {
	var mu sync.Mutex
	now := time.Now().UTC().Add(-100 * 24 * time.Hour)
	t0 := now
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := servetest.Start(t, func(o *serve.Options) { o.Now = clock })
	sv := client(t, e)
	ctx := t.Context()
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "window"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: e.Recv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	send := func() string {
		t.Helper()
		m, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "x.y", Payload: map[string]any{}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return m.Id
	}
	old := send()
	mu.Lock()
	now = time.Now().UTC()
	mu.Unlock()
	mid, recent := send(), send()
	early := t0.Add(-time.Hour)
	epMsgs := func(o *svixgo.MessageAttemptListAttemptedMessagesOptions) string {
		t.Helper()
		r, err := sv.MessageAttempt.ListAttemptedMessages(ctx, app.Id, ep.Id, o)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range r.Data {
			out = append(out, m.Id)
		}
		return fmt.Sprint(out, " done=", r.Done)
	}
	for _, c := range []struct {
		what, got, want string
	}{
		{"by default", epMsgs(nil), fmt.Sprint([]string{recent, mid}, " done=true")},
		{"after an early time", epMsgs(&svixgo.MessageAttemptListAttemptedMessagesOptions{After: &early}), fmt.Sprint([]string{recent, mid, old}, " done=true")},
		{"after the middle message (90 days before it)", epMsgs(&svixgo.MessageAttemptListAttemptedMessagesOptions{Iterator: &mid}), "[] done=true"},
		{"after the middle message, after an early time", epMsgs(&svixgo.MessageAttemptListAttemptedMessagesOptions{Iterator: &mid, After: &early}), fmt.Sprint([]string{old}, " done=true")},
	} {
		if c.got != c.want {
			t.Errorf("the endpoint's messages %s:\n got %s\nwant %s", c.what, c.got, c.want)
		}
	}
}
