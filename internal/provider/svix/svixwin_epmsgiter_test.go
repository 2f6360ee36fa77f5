package svix_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	svixgo "github.com/svix/svix-webhooks/go"
	"github.com/svix/svix-webhooks/go/models"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// An endpoint's message list (GET …/endpoint/{id}/msg/, the libraries'
// MessageAttempt.ListAttemptedMessages) gives Svix's iterators: the page's
// last message's id, and "-" and its first's, as the other lists do;
// they gave "msg_…~SEQ". Paged with the official library both ways, every
// message comes once, in order; a message id that never went to the
// endpoint (or was pruned since) still places a page, by the time its id
// carries.
func TestSvixwinEndpointMessageIterators(t *testing.T) {
	svixwinEndpointMessageIterators(t, servetest.Start(t, nil))
}

func TestSvixwinEndpointMessageIteratorsPostgres(t *testing.T) {
	pgtest.ServerURL(t)
	st, err := postgres.Open(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	svixwinEndpointMessageIterators(t, servetest.StartWith(t, st, nil))
}

func svixwinEndpointMessageIterators(t *testing.T, e *servetest.Env) {
	sv := client(t, e)
	ctx := t.Context()
	declare(t, e, "a.x", "b.x")
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "iter"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: e.Recv.URL + "/a", FilterTypes: []string{"a.x"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: e.Recv.URL + "/b", FilterTypes: []string{"b.x"}}, nil); err != nil {
		t.Fatal(err)
	}
	var toA, toB []string // oldest first
	for i := range 10 {
		typ := "a.x"
		if i%3 == 1 {
			typ = "b.x"
		}
		m, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: typ, Payload: map[string]any{"i": i}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if typ == "a.x" {
			toA = append(toA, m.Id)
		} else {
			toB = append(toB, m.Id)
		}
	}
	newest := slices.Clone(toA)
	slices.Reverse(newest)
	two := uint64(2)
	page := func(it *string) *models.ListResponseEndpointMessageOut {
		t.Helper()
		r, err := sv.MessageAttempt.ListAttemptedMessages(ctx, app.Id, ep.Id, &svixgo.MessageAttemptListAttemptedMessagesOptions{Limit: &two, Iterator: it})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Data) > 0 {
			first, last := r.Data[0].Id, r.Data[len(r.Data)-1].Id
			if r.Iterator == nil || *r.Iterator != last || r.PrevIterator == nil || *r.PrevIterator != "-"+first {
				t.Fatalf("page %v: iterator %v, prevIterator %v; want %s and -%s (Svix's: the ids)", svixwinIDs(r), svixwinDeref(r.Iterator), svixwinDeref(r.PrevIterator), last, first)
			}
		}
		return r
	}
	// Forwards, newest first.
	var got []string
	var pages []*models.ListResponseEndpointMessageOut
	var it *string
	for n := 0; ; n++ {
		if n > len(toA) {
			t.Fatalf("no end: %v", got)
		}
		r := page(it)
		pages = append(pages, r)
		got = append(got, svixwinIDs(r)...)
		if r.Done {
			break
		}
		it = r.Iterator
	}
	if fmt.Sprint(got) != fmt.Sprint(newest) {
		t.Fatalf("pages forwards:\n got %v\nwant %v (newest first, each once)", got, newest)
	}
	// Backwards from the last page, by the prevIterators.
	var back []string
	it = pages[len(pages)-1].PrevIterator
	for n := 0; ; n++ {
		if n > len(toA) {
			t.Fatalf("no end backwards: %v", back)
		}
		r := page(it)
		back = append(svixwinIDs(r), back...)
		if r.Done {
			break
		}
		it = r.PrevIterator
	}
	want := newest[:len(newest)-len(pages[len(pages)-1].Data)]
	if fmt.Sprint(back) != fmt.Sprint(want) {
		t.Fatalf("pages backwards:\n got %v\nwant %v", back, want)
	}
	// A message the endpoint never got places the page by its time: the
	// endpoint's messages just older, and with "-", just newer.
	b := toB[1] // message 4: a.x 0 2 3 | b.x 1 4 7 | a.x 5 6 8 9
	older := page(&b)
	if fmt.Sprint(svixwinIDs(older)) != fmt.Sprint([]string{toA[2], toA[1]}) {
		t.Errorf("after %s (not the endpoint's): %v, want %v", b, svixwinIDs(older), []string{toA[2], toA[1]})
	}
	prevB := "-" + b
	newer := page(&prevB)
	if fmt.Sprint(svixwinIDs(newer)) != fmt.Sprint([]string{toA[4], toA[3]}) {
		t.Errorf("before %s (not the endpoint's): %v, want %v", b, svixwinIDs(newer), []string{toA[4], toA[3]})
	}
}

func svixwinIDs(r *models.ListResponseEndpointMessageOut) []string {
	var out []string
	for _, m := range r.Data {
		out = append(out, m.Id)
	}
	return out
}

func svixwinDeref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return strings.Clone(*s)
}
