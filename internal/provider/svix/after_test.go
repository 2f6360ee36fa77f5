package svix_test

import (
	"encoding/json"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
)

// after without before reads up from that time, as Svix's time-limited
// lists do (filter_and_paginate_time_limited): the page is the items
// just after it, newest first, done when none is newer, and its
// prevIterator leads on to the newer ones. It read down from the newest,
// so a client polling with after and following prevIterator never saw
// the items between after and the newest page. Messages, attempts and
// an endpoint's messages.
func TestAfterReadsUpFromIt(t *testing.T) {
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
	var msgs, stamps []string // oldest first
	for i := range 5 {
		code, body := e.Do("POST", "/api/v1/app/a/msg", bearer, map[string]any{"eventType": "a.b", "payload": map[string]any{"i": i}})
		if code != 202 {
			t.Fatalf("msg: %d %s", code, body)
		}
		m := servetest.JSON(t, body)
		msgs, stamps = append(msgs, m["id"].(string)), append(stamps, m["timestamp"].(string))
	}
	// One attempt each, m_i's at base+i seconds.
	ds, err := e.Store.ClaimDue(ctx, "test", time.Now(), time.Minute, 100, "")
	if err != nil || len(ds) != 5 {
		t.Fatalf("claimed %d, %v", len(ds), err)
	}
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, d := range ds {
		at := &store.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: base.Add(time.Duration(slices.Index(msgs, d.EventID)) * time.Second), ResponseStatus: 200}
		if err := e.Store.RecordAttempt(ctx, "test", at, store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200}); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range []struct {
		path, after string
		id          string // the field naming the message
	}{
		{"/api/v1/app/a/msg", stamps[0], "id"},
		{"/api/v1/app/a/attempt/endpoint/" + ep, base.Format(time.RFC3339Nano), "msgId"},
		{"/api/v1/app/a/endpoint/" + ep + "/msg", stamps[0], "id"},
	} {
		get := func(q url.Values) ([]string, string, bool) {
			t.Helper()
			code, body := e.Do("GET", l.path+"?"+q.Encode(), bearer, nil)
			var p struct {
				Data         []map[string]any
				PrevIterator *string
				Done         bool
			}
			if code != 200 || json.Unmarshal(body, &p) != nil {
				t.Fatalf("%s?%s: %d %s", l.path, q.Encode(), code, body)
			}
			var ids []string
			for _, d := range p.Data {
				ids = append(ids, d[l.id].(string))
			}
			prev := ""
			if p.PrevIterator != nil {
				prev = *p.PrevIterator
			}
			return ids, prev, p.Done
		}
		q := url.Values{"limit": {"2"}, "after": {l.after}}
		got, prev, done := get(q)
		if want := []string{msgs[2], msgs[1]}; !slices.Equal(got, want) || done {
			t.Errorf("%s after m0: %v done %v, want %v (m0..m4 %v) not done", l.path, got, done, want, msgs)
			continue
		}
		q.Set("iterator", prev)
		if got, _, done := get(q); !slices.Equal(got, []string{msgs[4], msgs[3]}) || !done {
			t.Errorf("%s newer: %v done %v, want [m4 m3] done", l.path, got, done)
		}
		// With before too, the list reads down from before, as before.
		q = url.Values{"limit": {"2"}, "after": {l.after}, "before": {time.Now().Add(time.Hour).Format(time.RFC3339Nano)}}
		if got, _, done := get(q); !slices.Equal(got, []string{msgs[4], msgs[3]}) || done {
			t.Errorf("%s between after and before: %v done %v, want [m4 m3] not done", l.path, got, done)
		}
	}
}
