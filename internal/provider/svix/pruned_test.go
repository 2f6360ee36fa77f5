package svix_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
)

// An iterator keeps its place when the message (or attempt) it names is
// pruned between pages (hookctl store prune), as Svix's time-sorted ids
// do: the next page goes on after where it stood, and the page before
// it is the newer ones. It started the list over from the newest (its
// message unknown), listing again what the caller had read. Messages,
// an endpoint's attempts and an endpoint's messages alike.
func TestIteratorOfPrunedItemKeepsItsPlace(t *testing.T) {
	e := servetest.Start(t, func(o *serve.Options) { o.NoWorker = true })
	ctx := t.Context()
	if code, body := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": "a", "uid": "a"}); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	code, body := e.Do("POST", "/api/v1/app/a/endpoint", bearer, map[string]any{"url": e.Recv.URL})
	if code != 201 {
		t.Fatalf("endpoint: %d %s", code, body)
	}
	ep := servetest.JSON(t, body)["id"].(string)
	var msgs []string // oldest first
	for i := range 6 {
		code, body := e.Do("POST", "/api/v1/app/a/msg", bearer, map[string]any{"eventType": "a.b", "payload": map[string]any{"i": i}})
		if code != 202 {
			t.Fatalf("msg: %d %s", code, body)
		}
		msgs = append(msgs, servetest.JSON(t, body)["id"].(string))
	}
	// One attempt each, a second apart: m3 and m4 succeed (a prune
	// deletes them), the others failed and are retried later (pending:
	// a prune keeps them).
	ds, err := e.Store.ClaimDue(ctx, "test", time.Now(), time.Minute, 100, "")
	if err != nil || len(ds) != 6 {
		t.Fatalf("claimed %d, %v", len(ds), err)
	}
	base := time.Now().Add(-time.Hour)
	for _, d := range ds {
		i := slices.Index(msgs, d.EventID)
		at := &store.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: base.Add(time.Duration(i) * time.Second), ResponseStatus: 500}
		u := store.DeliveryUpdate{Status: store.DeliveryPending, NextAttemptAt: time.Now().Add(time.Hour), LastStatus: 500}
		if i == 3 || i == 4 {
			at.ResponseStatus, u = 200, store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200}
		}
		if err := e.Store.RecordAttempt(ctx, "test", at, u); err != nil {
			t.Fatal(err)
		}
	}
	type list struct {
		path string
		id   func(map[string]any) string // the item's message
		it   string                      // the first page's iterator
	}
	lists := []*list{
		{path: "/api/v1/app/a/msg", id: func(m map[string]any) string { return m["id"].(string) }},
		{path: "/api/v1/app/a/attempt/endpoint/" + ep, id: func(m map[string]any) string { return m["msgId"].(string) }},
		{path: "/api/v1/app/a/endpoint/" + ep + "/msg", id: func(m map[string]any) string { return m["id"].(string) }},
	}
	get := func(l *list, q url.Values) (got []string, next string, done bool) {
		t.Helper()
		code, body := e.Do("GET", l.path+"?"+q.Encode(), bearer, nil)
		var p struct {
			Data     []map[string]any
			Iterator *string
			Done     bool
		}
		if code != 200 || json.Unmarshal(body, &p) != nil {
			t.Fatalf("%s?%s: %d %s", l.path, q.Encode(), code, body)
		}
		for _, d := range p.Data {
			got = append(got, l.id(d))
		}
		if p.Iterator != nil {
			next = *p.Iterator
		}
		return got, next, p.Done
	}
	for _, l := range lists {
		got, next, _ := get(l, url.Values{"limit": {"2"}})
		if want := []string{msgs[5], msgs[4]}; !slices.Equal(got, want) {
			t.Fatalf("%s: first page %v, want %v", l.path, got, want)
		}
		l.it = next
	}
	// m3 and m4 are pruned (with their deliveries and attempts).
	pc, err := e.Store.(store.Pruner).Prune(ctx, time.Now().Add(time.Hour), 0, false)
	if err != nil || pc.Events != 2 {
		t.Fatalf("prune: %+v %v", pc, err)
	}
	for _, l := range lists {
		// Page by page from the first page's iterator, the list is what
		// it would be without the pruned messages: m2, m1, m0.
		var rest []string
		for n, it := 0, l.it; ; n++ {
			if n > 6 {
				t.Fatalf("%s: no end: %v", l.path, rest)
			}
			got, next, done := get(l, url.Values{"limit": {"2"}, "iterator": {it}})
			rest = append(rest, got...)
			if done {
				break
			}
			it = next
		}
		if want := []string{msgs[2], msgs[1], msgs[0]}; !slices.Equal(rest, want) {
			t.Errorf("%s: after the pruned m4: %v, want %v (m0..m5: %v)", l.path, rest, want, msgs)
		}
		// The page before that iterator: what is newer than m4 (m5).
		if before, _, done := get(l, url.Values{"limit": {"2"}, "iterator": {"-" + l.it}}); !slices.Equal(before, []string{msgs[5]}) || !done {
			t.Errorf("%s: before the pruned m4: %v done %v, want [m5] done", l.path, before, done)
		}
	}
}

// The application list's iterator keeps its place when the application
// it names is deleted between pages (its tombstone keeps where it stood),
// in either order and either way; it started the list over.
func TestIteratorOfDeletedApplicationKeepsItsPlace(t *testing.T) {
	e := servetest.Start(t, nil)
	var apps []string // oldest first
	for i := range 5 {
		code, body := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": fmt.Sprint("app", i)})
		if code != 201 {
			t.Fatalf("app: %d %s", code, body)
		}
		apps = append(apps, servetest.JSON(t, body)["id"].(string))
	}
	if code, body := e.Do("DELETE", "/api/v1/app/"+apps[1], bearer, nil); code != 204 {
		t.Fatalf("delete: %d %s", code, body)
	}
	page := func(q url.Values) ([]string, bool) {
		t.Helper()
		code, body := e.Do("GET", "/api/v1/app?"+q.Encode(), bearer, nil)
		var p struct {
			Data []struct{ ID string }
			Done bool
		}
		if code != 200 || json.Unmarshal(body, &p) != nil {
			t.Fatalf("%s: %d %s", q.Encode(), code, body)
		}
		var ids []string
		for _, d := range p.Data {
			ids = append(ids, d.ID)
		}
		return ids, p.Done
	}
	for _, tc := range []struct {
		q    url.Values
		want []string
		done bool
	}{
		{url.Values{"limit": {"2"}, "iterator": {apps[1]}}, []string{apps[2], apps[3]}, false},
		{url.Values{"limit": {"2"}, "iterator": {"-" + apps[1]}}, []string{apps[0]}, true},
		{url.Values{"limit": {"2"}, "iterator": {apps[1]}, "order": {"descending"}}, []string{apps[0]}, true},
		{url.Values{"limit": {"2"}, "iterator": {"-" + apps[1]}, "order": {"descending"}}, []string{apps[3], apps[2]}, false},
		{url.Values{"limit": {"2"}, "iterator": {"-" + apps[3]}}, []string{apps[0], apps[2]}, true},
	} {
		if got, done := page(tc.q); !slices.Equal(got, tc.want) || done != tc.done {
			t.Errorf("%s: %v done %v, want %v done %v", tc.q.Encode(), got, done, tc.want, tc.done)
		}
	}
}
