package svix_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"testing"

	svixgo "github.com/svix/svix-webhooks/go"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// GET /api/v1/event-type pages by name as Svix does (a
// ReversibleIterator of names): each page gives a prevIterator ("-" and
// its first name; it was always null) and "-name" reads the page just
// before name, in either order. A name is a place: the page after one
// archived or expunged since goes on from where it stood (it started
// over). A name beginning with "-" is a forward iterator as "~name".
func TestEventTypePages(t *testing.T) {
	e := servetest.Start(t, nil)
	names := []string{"-early", "a.one", "b.two", "c.three", "d.four", "e.five"} // by name
	for _, n := range names {
		if code, body := e.Do("POST", "/api/v1/event-type", bearer, map[string]any{"name": n, "description": n}); code != 201 {
			t.Fatalf("event type %s: %d %s", n, code, body)
		}
	}
	type page struct {
		Data []struct {
			Name string `json:"name"`
		}
		Iterator, PrevIterator *string
		Done                   bool
	}
	get := func(q url.Values) page {
		t.Helper()
		code, body := e.Do("GET", "/api/v1/event-type?"+q.Encode(), bearer, nil)
		var p page
		if code != 200 || json.Unmarshal(body, &p) != nil {
			t.Fatalf("%s: %d %s", q.Encode(), code, body)
		}
		return p
	}
	namesOf := func(p page) []string {
		var out []string
		for _, d := range p.Data {
			out = append(out, d.Name)
		}
		return out
	}
	desc := slices.Clone(names)
	slices.Reverse(desc)
	for _, l := range []struct {
		order string
		ids   []string
	}{{"", names}, {"descending", desc}} {
		for _, limit := range []int{1, 2, 4, 10} {
			// Forward through the whole list, then back from its end.
			q := url.Values{"limit": {fmt.Sprint(limit)}, "order": {l.order}}
			var fwd []string
			var last page
			for n := 0; ; n++ {
				if n > len(l.ids) {
					t.Fatalf("%s: no end", q.Encode())
				}
				p := get(q)
				fwd = append(fwd, namesOf(p)...)
				if len(p.Data) > 0 && (p.PrevIterator == nil || *p.PrevIterator != "-"+p.Data[0].Name) {
					t.Fatalf("%s: prevIterator %v for a page from %s", q.Encode(), p.PrevIterator, p.Data[0].Name)
				}
				last = p
				if p.Done {
					break
				}
				q.Set("iterator", *p.Iterator)
			}
			if !slices.Equal(fwd, l.ids) {
				t.Fatalf("order %q limit %d: %v, want %v", l.order, limit, fwd, l.ids)
			}
			var back []string
			p := last
			for n := 0; ; n++ {
				if n > len(l.ids) {
					t.Fatalf("%s: no start", q.Encode())
				}
				q.Set("iterator", *p.PrevIterator)
				if p = get(q); len(p.Data) == 0 {
					if !p.Done || p.PrevIterator != nil || p.Iterator != nil {
						t.Fatalf("%s: an empty page: %+v", q.Encode(), p)
					}
					break
				}
				back = append(namesOf(p), back...)
				if p.Done {
					break
				}
			}
			if want := l.ids[:len(l.ids)-len(namesOf(last))]; !slices.Equal(back, want) {
				t.Fatalf("order %q limit %d back: %v, want %v", l.order, limit, back, want)
			}
		}
	}
	// The page after an event type archived (and one expunged) since
	// goes on after its name.
	p := get(url.Values{"limit": {"3"}})
	if got := namesOf(p); !slices.Equal(got, names[:3]) || *p.Iterator != "b.two" {
		t.Fatalf("first page: %v %v", got, *p.Iterator)
	}
	if code, body := e.Do("DELETE", "/api/v1/event-type/b.two", bearer, nil); code != 204 {
		t.Fatalf("archive: %d %s", code, body)
	}
	if got := namesOf(get(url.Values{"limit": {"2"}, "iterator": {"b.two"}})); !slices.Equal(got, []string{"c.three", "d.four"}) {
		t.Fatalf("after archived b.two: %v", got)
	}
	if code, body := e.Do("DELETE", "/api/v1/event-type/d.four?expunge=true", bearer, nil); code != 204 {
		t.Fatalf("expunge: %d %s", code, body)
	}
	if got := namesOf(get(url.Values{"iterator": {"d.four"}})); !slices.Equal(got, []string{"e.five"}) {
		t.Fatalf("after expunged d.four: %v", got)
	}
	if got := namesOf(get(url.Values{"iterator": {"-d.four"}})); !slices.Equal(got, []string{"-early", "a.one", "c.three"}) {
		t.Fatalf("before expunged d.four: %v", got)
	}
	// The official client reads prevIterator.
	one := uint64(1)
	l, err := client(t, e).EventType.List(t.Context(), &svixgo.EventTypeListOptions{Limit: &one})
	if err != nil || l.PrevIterator == nil || *l.PrevIterator != "--early" || *l.Iterator != "~-early" {
		t.Fatalf("svix-go: %+v %v", l, err)
	}
}
