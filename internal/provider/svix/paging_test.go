package svix_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// Every page of GET …/endpoint (limit, iterator) is what cutting the
// application's whole list, oldest first, gives, as the list did before
// the store read pages itself: an iterator that is not one of the
// application's endpoint ids starts from the beginning. Other
// applications' endpoints and Stripe's are not in the list; an endpoint is
// found by id or uid within its application only.
func TestEndpointPagesAreCutsOfTheWholeList(t *testing.T) {
	e := servetest.Start(t, nil)
	for _, app := range []string{"a", "b"} {
		if code, body := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": app, "uid": app}); code != 201 {
			t.Fatalf("app: %d %s", code, body)
		}
	}
	var other string
	for i := 0; i < 6; i++ {
		if code, body := e.Do("POST", "/api/v1/app/a/endpoint", bearer, map[string]any{"url": e.Recv.URL, "uid": fmt.Sprintf("u%d", i)}); code != 201 {
			t.Fatalf("endpoint: %d %s", code, body)
		}
		code, body := e.Do("POST", "/api/v1/app/b/endpoint", bearer, map[string]any{"url": e.Recv.URL, "uid": fmt.Sprintf("u%d", i)})
		if code != 201 {
			t.Fatalf("endpoint b: %d %s", code, body)
		}
		other = servetest.JSON(t, body)["id"].(string)
		if code, body := e.Do("POST", "/v1/webhook_endpoints", map[string]string{"Authorization": "Bearer sk_test_1", "Content-Type": "application/x-www-form-urlencoded"},
			"url="+e.Recv.URL+"&enabled_events[]=*"); code != 200 {
			t.Fatalf("stripe: %d %s", code, body)
		}
	}
	type page struct {
		Data     []json.RawMessage `json:"data"`
		Iterator *string           `json:"iterator"`
		Prev     *string           `json:"prevIterator"`
		Done     bool              `json:"done"`
	}
	get := func(q url.Values) (page, []byte) {
		t.Helper()
		code, body := e.Do("GET", "/api/v1/app/a/endpoint?"+q.Encode(), bearer, nil)
		var p page
		if code != 200 || json.Unmarshal(body, &p) != nil {
			t.Fatalf("%s: %d %s", q.Encode(), code, body)
		}
		return p, body
	}
	whole, _ := get(url.Values{"limit": {"250"}})
	if len(whole.Data) != 6 || !whole.Done {
		t.Fatalf("whole list: %d endpoints, done %v", len(whole.Data), whole.Done)
	}
	var ids []string
	for _, d := range whole.Data {
		var ep struct{ ID, UID string }
		json.Unmarshal(d, &ep)
		ids = append(ids, ep.ID)
		// Found by id and by uid, in its application only.
		for _, key := range []string{ep.ID, ep.UID} {
			code, body := e.Do("GET", "/api/v1/app/a/endpoint/"+key, bearer, nil)
			if code != 200 || !bytes.Equal(bytes.TrimSpace(body), d) {
				t.Fatalf("get %s: %d %s, want %s", key, code, body, d)
			}
		}
	}
	if code, body := e.Do("GET", "/api/v1/app/a/endpoint/"+other, bearer, nil); code != 404 {
		t.Fatalf("another application's endpoint: %d %s", code, body)
	}
	for _, limit := range []int{1, 2, 4, 50} {
		for _, it := range append([]string{"", "ep_unknown", "u1", other}, ids...) {
			q := url.Values{"limit": {fmt.Sprint(limit)}}
			if it != "" {
				q.Set("iterator", it)
			}
			start := 0
			for i, id := range ids {
				if id == it {
					start = i + 1
				}
			}
			end := min(start+limit, len(ids))
			got, body := get(q)
			if got.Done != (end >= len(ids)) || len(got.Data) != end-start || got.Prev != nil {
				t.Fatalf("%s: %s, want %d endpoints from %d", q.Encode(), body, end-start, start)
			}
			if end > start && (got.Iterator == nil || *got.Iterator != ids[end-1]) || end == start && got.Iterator != nil {
				t.Fatalf("%s: iterator %v, want %s", q.Encode(), got.Iterator, ids[max(end-1, 0)])
			}
			for i := range got.Data {
				if !bytes.Equal(got.Data[i], whole.Data[start+i]) {
					t.Fatalf("%s: endpoint %d is %s, want %s", q.Encode(), i, got.Data[i], whole.Data[start+i])
				}
			}
		}
	}
}

// order=descending (the libraries' list option) pages newest first, with
// the iterator moving on to older endpoints; it was ignored.
func TestEndpointListOrderDescending(t *testing.T) {
	e := servetest.Start(t, nil)
	if code, body := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": "a", "uid": "a"}); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	var want []string
	for i := 0; i < 5; i++ {
		code, body := e.Do("POST", "/api/v1/app/a/endpoint", bearer, map[string]any{"url": e.Recv.URL})
		if code != 201 {
			t.Fatalf("endpoint: %d %s", code, body)
		}
		want = append([]string{servetest.JSON(t, body)["id"].(string)}, want...)
	}
	var got []string
	q := url.Values{"order": {"descending"}, "limit": {"2"}}
	for range 5 {
		code, body := e.Do("GET", "/api/v1/app/a/endpoint?"+q.Encode(), bearer, nil)
		if code != 200 {
			t.Fatalf("%d %s", code, body)
		}
		var p struct {
			Data     []struct{ ID string }
			Iterator string
			Done     bool
		}
		json.Unmarshal(body, &p)
		for _, d := range p.Data {
			got = append(got, d.ID)
		}
		if p.Done {
			break
		}
		q.Set("iterator", p.Iterator)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("descending pages: %v, want %v", got, want)
	}
	if code, body := e.Do("GET", "/api/v1/app/a/endpoint?order=sideways", bearer, nil); code != 422 || !bytes.Contains(body, []byte("order")) {
		t.Fatalf("bad order: %d %s", code, body)
	}
}
