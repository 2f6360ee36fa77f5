package svix_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// prevIterator is Svix's (list_response): "-" and the page's first id,
// and an iterator "-id" reads the page just before id, in the list's
// order, done when nothing is before it. Applications, endpoints (both
// orders), messages, attempts and an endpoint's messages give and take it; it was always null,
// and "-id" was an unknown iterator (the first page).
func TestPrevIterator(t *testing.T) {
	e := servetest.Start(t, nil)
	var apps, eps, msgs []string
	for i := range 5 {
		code, body := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": fmt.Sprint("app", i), "uid": fmt.Sprint("a", i)})
		if code != 201 {
			t.Fatalf("app: %d %s", code, body)
		}
		apps = append(apps, servetest.JSON(t, body)["id"].(string))
		code, body = e.Do("POST", "/api/v1/app/a0/endpoint", bearer, map[string]any{"url": e.Recv.URL + "/closed"})
		if code != 201 {
			t.Fatalf("endpoint: %d %s", code, body)
		}
		eps = append(eps, servetest.JSON(t, body)["id"].(string))
		code, body = e.Do("POST", "/api/v1/app/a0/msg", bearer, map[string]any{"eventType": "a.b", "payload": map[string]any{"i": i}})
		if code != 202 {
			t.Fatalf("msg: %d %s", code, body)
		}
		msgs = append([]string{servetest.JSON(t, body)["id"].(string)}, msgs...) // newest first
	}
	desc := slices.Clone(eps)
	slices.Reverse(desc)
	// Attempts: five to one endpoint that answers 200, newest first.
	code, body := e.Do("POST", "/api/v1/app/a1/endpoint", bearer, map[string]any{"url": e.Recv.URL})
	if code != 201 {
		t.Fatalf("endpoint: %d %s", code, body)
	}
	ep := servetest.JSON(t, body)["id"].(string)
	attemptsPath := "/api/v1/app/a1/attempt/endpoint/" + ep + "?"
	var sent []string // the messages sent to it, newest first
	for i := range 5 {
		code, body := e.Do("POST", "/api/v1/app/a1/msg", bearer, map[string]any{"eventType": "a.b", "payload": map[string]any{"i": i}})
		if code != 202 {
			t.Fatalf("msg: %d %s", code, body)
		}
		sent = append([]string{servetest.JSON(t, body)["id"].(string)}, sent...)
		e.Recv.Next(t, 5*time.Second)
	}
	var attempts []string
	for try := 0; len(attempts) < 5; try++ {
		if try == 100 {
			t.Fatalf("attempts: %v", attempts)
		}
		time.Sleep(20 * time.Millisecond)
		_, body := e.Do("GET", attemptsPath, bearer, nil)
		var p struct{ Data []struct{ ID string } }
		json.Unmarshal(body, &p)
		attempts = attempts[:0]
		for _, d := range p.Data {
			attempts = append(attempts, d.ID)
		}
	}
	for _, l := range []struct {
		path string
		ids  []string // the whole list, in its order
	}{
		{"/api/v1/app?", apps},
		{"/api/v1/app/a0/endpoint?", eps},
		{"/api/v1/app/a0/endpoint?order=descending&", desc},
		{"/api/v1/app/a0/msg?", msgs},
		{attemptsPath, attempts},
		{"/api/v1/app/a1/endpoint/" + ep + "/msg?", sent},
	} {
		for _, limit := range []int{1, 2, 10} {
			for k := 0; k <= len(l.ids); k++ {
				q := url.Values{"limit": {fmt.Sprint(limit)}}
				start, end := 0, min(limit, len(l.ids)) // the first page
				if k > 0 {
					q.Set("iterator", "-"+l.ids[k-1])
					start, end = max(0, k-1-limit), k-1
				}
				code, body := e.Do("GET", l.path+q.Encode(), bearer, nil)
				var p struct {
					Data []struct {
						ID string `json:"id"`
					}
					Iterator, PrevIterator *string
					Done                   bool
				}
				if code != 200 || json.Unmarshal(body, &p) != nil {
					t.Fatalf("%s%s: %d %s", l.path, q.Encode(), code, body)
				}
				var got []string
				for _, d := range p.Data {
					got = append(got, d.ID)
				}
				want := l.ids[start:end]
				if !slices.Equal(got, want) {
					t.Fatalf("%s%s: %v, want %v", l.path, q.Encode(), got, want)
				}
				if len(want) == 0 {
					if p.PrevIterator != nil || p.Iterator != nil {
						t.Fatalf("%s%s: an empty page has iterators: %s", l.path, q.Encode(), body)
					}
					continue
				}
				// An iterator is the item's id, and for messages and
				// attempts "~" and its place (which outlives the item).
				if p.PrevIterator == nil || itemOf(*p.PrevIterator) != "-"+want[0] || p.Iterator == nil || itemOf(*p.Iterator) != want[len(want)-1] {
					t.Fatalf("%s%s: iterators %s", l.path, q.Encode(), body)
				}
				wantDone := end == len(l.ids) // read forward: nothing after
				if k > 0 {
					wantDone = start == 0 // read back: nothing before
				}
				if p.Done != wantDone {
					t.Fatalf("%s%s: done %v, want %v: %s", l.path, q.Encode(), p.Done, wantDone, body)
				}
			}
		}
	}
}

// itemOf is the id an iterator names: up to its place ("~…"), if any.
func itemOf(it string) string {
	if i := strings.LastIndexByte(it, '~'); i >= 0 {
		return it[:i]
	}
	return it
}
