package svix_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestIteratorsRoundTripInQueryStrings: every iterator and prevIterator a
// Svix list gives reads the same page whether a client puts it in the
// query string URL-encoded (svix-go, the Python svix package) or as it
// is (curl by hand, a browser's address bar), and a walk one item at a
// time that way visits every item. An event type named "-early" had the
// forward iterator "+-early": unencoded, the "+" is a space, and the
// list answered 422.
func TestIteratorsRoundTripInQueryStrings(t *testing.T) {
	e := servetest.Start(t, nil)
	for _, n := range []string{"-early", "a.one", "b.two"} {
		if code, body := e.Do("POST", "/api/v1/event-type", bearer, map[string]any{"name": n, "description": n}); code != 201 {
			t.Fatalf("event type %s: %d %s", n, code, body)
		}
	}
	for _, uid := range []string{"a", "b"} {
		if code, body := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": uid, "uid": uid}); code != 201 {
			t.Fatalf("app: %d %s", code, body)
		}
	}
	var eps, msgs []string
	for range 2 {
		code, body := e.Do("POST", "/api/v1/app/a/endpoint", bearer, map[string]any{"url": e.Recv.URL})
		if code != 201 {
			t.Fatalf("endpoint: %d %s", code, body)
		}
		eps = append(eps, servetest.JSON(t, body)["id"].(string))
	}
	for _, typ := range []string{"a.one", "-early"} {
		code, body := e.Do("POST", "/api/v1/app/a/msg", bearer, map[string]any{"eventType": typ, "payload": map[string]any{}})
		if code != 202 {
			t.Fatalf("msg: %d %s", code, body)
		}
		msgs = append(msgs, servetest.JSON(t, body)["id"].(string))
	}
	for range 4 {
		e.Recv.Next(t, 10*time.Second)
	}
	// The attempts are recorded once the receiver has answered.
	for _, ep := range eps {
		for deadline := time.Now().Add(10 * time.Second); ; {
			_, body := e.Do("GET", "/api/v1/app/a/attempt/endpoint/"+ep+"/?limit=250", bearer, nil)
			if strings.Count(string(body), `"msgId"`) == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("attempts to %s not recorded: %s", ep, body)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	type page struct {
		Data                   []json.RawMessage
		Iterator, PrevIterator *string
		Done                   bool
	}
	get := func(path string) (page, []byte) {
		t.Helper()
		code, body := e.Do("GET", path, bearer, nil)
		var p page
		if code != 200 || json.Unmarshal(body, &p) != nil {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
		return p, body
	}
	// both reads the page at iterator it written as it is and encoded,
	// and checks that they agree.
	both := func(list, it string) page {
		t.Helper()
		p, raw := get(list + "&iterator=" + it)
		if _, enc := get(list + "&iterator=" + url.QueryEscape(it)); !bytes.Equal(raw, enc) {
			t.Fatalf("%s iterator %q: as it is\n%s\nURL-encoded\n%s", list, it, raw, enc)
		}
		return p
	}
	lists := []string{
		"/api/v1/event-type?limit=1",
		"/api/v1/event-type?limit=1&order=descending",
		"/api/v1/app/?limit=1",
		"/api/v1/app/a/endpoint/?limit=1",
		"/api/v1/app/a/msg/?limit=1",
		"/api/v1/app/a/attempt/msg/" + msgs[0] + "/?limit=1",
		"/api/v1/app/a/attempt/endpoint/" + eps[0] + "/?limit=1",
		"/api/v1/app/a/endpoint/" + eps[0] + "/msg/?limit=1",
		"/api/v1/app/a/msg/" + msgs[0] + "/endpoint/?limit=1",
	}
	for _, list := range lists {
		all, _ := get(strings.Replace(list, "limit=1", "limit=250", 1))
		if len(all.Data) < 2 {
			t.Fatalf("%s: %d items, want 2 or more", list, len(all.Data))
		}
		p, _ := get(list)
		seen := len(p.Data)
		for !p.Done {
			if p.Iterator == nil {
				t.Fatalf("%s: no iterator on a page not done", list)
			}
			if p.PrevIterator != nil {
				both(list, *p.PrevIterator)
			}
			p = both(list, *p.Iterator)
			seen += len(p.Data)
		}
		if p.PrevIterator != nil {
			both(list, *p.PrevIterator)
		}
		if seen != len(all.Data) {
			t.Errorf("%s: a walk one item at a time saw %d items, want %d", list, seen, len(all.Data))
		}
	}
	// The event types' old forward iterator, "+-early", still reads the
	// page after -early, encoded or not.
	for _, it := range []string{"%2B-early", "+-early", "~-early"} {
		if p, body := get("/api/v1/event-type?limit=1&iterator=" + it); len(p.Data) != 1 || !strings.Contains(string(p.Data[0]), `"name":"a.one"`) {
			t.Errorf("iterator=%s: %s, want the page after -early (a.one)", it, body)
		}
	}
}
