package svix_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	svixgo "github.com/svix/svix-webhooks/go"
	"github.com/svix/svix-webhooks/go/models"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
)

// TestStatsCountMessages: a message resent while its delivery was in
// flight went out as a second delivery; the endpoint's stats count it
// once, by its latest delivery's status, as Svix counts messages. Before,
// they counted deliveries: success 2 for the one message.
func TestStatsCountMessages(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	got := make(chan struct{}, 4)
	release := make(chan struct{})
	var n atomic.Int32
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		got <- struct{}{}
		if n.Add(1) == 1 {
			<-release // the first request hangs until the resend arrived
		}
	}))
	defer slow.Close()
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "Stats"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: slow.URL + "/hooks"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "order.created", Payload: map[string]any{"order": "o-1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	<-got
	if _, err := sv.MessageAttempt.Resend(ctx, app.Id, msg.Id, ep.Id, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("the resend sent nothing")
	}
	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for {
		ds, err := e.Store.ListDeliveries(ctx, store.DeliveryFilter{EventID: msg.Id})
		if err != nil {
			t.Fatal(err)
		}
		done := len(ds) == 2
		for _, d := range ds {
			done = done && d.Status == store.DeliverySucceeded
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("want two succeeded deliveries of the message: %+v", ds)
		}
		time.Sleep(20 * time.Millisecond)
	}
	st, err := sv.Endpoint.GetStats(ctx, app.Id, ep.Id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Success != 1 || st.Fail != 0 || st.Pending != 0 {
		t.Fatalf("stats %+v, want the one message once: success 1", *st)
	}
}

// TestDestinationsIteratorAfterDelete: the iterator of GET
// …/msg/{id}/endpoint/ keeps its place when the endpoint it names was
// deleted between pages. Before, the next page started over from the
// first endpoint, so a client paging to the end saw it again and looped.
func TestDestinationsIteratorAfterDelete(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "Paging"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var eps []string
	for i := range 3 {
		ep, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: e.Recv.URL + "/" + string(rune('a'+i))}, nil)
		if err != nil {
			t.Fatal(err)
		}
		eps = append(eps, ep.Id)
	}
	msg, err := sv.Message.Create(ctx, app.Id, models.MessageIn{EventType: "order.created", Payload: map[string]any{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	one := uint64(1)
	var seen []string
	var it *string
	for page := 0; ; page++ {
		l, err := sv.MessageAttempt.ListAttemptedDestinations(ctx, app.Id, msg.Id, &svixgo.MessageAttemptListAttemptedDestinationsOptions{Limit: &one, Iterator: it})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range l.Data {
			seen = append(seen, d.Id)
		}
		if page == 1 {
			// The endpoint this page ends with goes away before the next.
			if err := sv.Endpoint.Delete(ctx, app.Id, l.Data[0].Id); err != nil {
				t.Fatal(err)
			}
		}
		if l.Done || page > 5 {
			break
		}
		it = l.Iterator
	}
	slices.Sort(seen)
	slices.Sort(eps)
	if fmt.Sprint(seen) != fmt.Sprint(eps) {
		t.Fatalf("pages of 1 listed %v, want %v, each endpoint once", seen, eps)
	}
}

// TestStatsBadTimeIsQuery: a bad since or until of GET …/stats/ is a
// query parameter, and Svix's 422 says so (loc ["query", "since"]).
// Before, loc was ["body", "since"], the place recover/'s since is.
func TestStatsBadTimeIsQuery(t *testing.T) {
	e := servetest.Start(t, nil)
	if code, body := e.Do("POST", "/api/v1/app/", bearer, map[string]any{"name": "A", "uid": "a"}); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	if code, body := e.Do("POST", "/api/v1/app/a/endpoint/", bearer, map[string]any{"url": e.Recv.URL, "uid": "e1"}); code != 201 {
		t.Fatalf("endpoint: %d %s", code, body)
	}
	for _, name := range []string{"since", "until"} {
		code, body := e.Do("GET", "/api/v1/app/a/endpoint/e1/stats/?"+name+"=yesterday", bearer, nil)
		if want := `"loc":["query","` + name + `"]`; code != 422 || !strings.Contains(string(body), want) {
			t.Fatalf("%s=yesterday: %d %s, want 422 with %s", name, code, body, want)
		}
	}
}

// TestEndpointMetadataNULNamesTheKey: endpoint metadata holding a NUL is
// Svix's 422 at body.metadata.KEY, the caller's key. Before, the message
// named the key as hookctl keeps it, 'metadata "svix_meta:team"', a name
// the caller never sent.
func TestEndpointMetadataNULNamesTheKey(t *testing.T) {
	e := servetest.Start(t, nil)
	if code, body := e.Do("POST", "/api/v1/app/", bearer, map[string]any{"name": "A", "uid": "a"}); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	for _, md := range []map[string]string{{"team": "pay\x00ments"}, {"te\x00am": "payments"}} {
		code, body := e.Do("POST", "/api/v1/app/a/endpoint/", bearer, map[string]any{"url": e.Recv.URL, "metadata": md})
		if code != 422 || strings.Contains(string(body), "svix_meta") || !strings.Contains(string(body), `"loc":["body","metadata","team"]`) {
			t.Fatalf("metadata %q: %d %s, want 422 at body.metadata.team, in the caller's words", md, code, body)
		}
	}
}

// TestEndpointEmptyUIDRefused: "uid": "" in an endpoint's PUT or PATCH is
// Svix's 422 on body.uid, as at create (a uid is 1 to 256 characters),
// and the endpoint keeps its uid; a PATCH's null removes it. Before, ""
// was taken at PUT and PATCH and silently removed the uid (so the
// endpoint was no longer found by it: PATCH …/e1/ then answered 404).
func TestEndpointEmptyUIDRefused(t *testing.T) {
	e := servetest.Start(t, nil)
	if code, body := e.Do("POST", "/api/v1/app/", bearer, map[string]any{"name": "A", "uid": "a"}); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	if code, body := e.Do("POST", "/api/v1/app/a/endpoint/", bearer, map[string]any{"url": e.Recv.URL, "uid": "e1"}); code != 201 {
		t.Fatalf("endpoint: %d %s", code, body)
	}
	for _, m := range []string{"PATCH", "PUT"} {
		code, body := e.Do(m, "/api/v1/app/a/endpoint/e1/", bearer, map[string]any{"url": e.Recv.URL, "uid": ""})
		if code != 422 || !strings.Contains(string(body), `"loc":["body","uid"]`) {
			t.Fatalf("%s uid \"\": %d %s, want 422 at body.uid", m, code, body)
		}
		if code, body := e.Do("GET", "/api/v1/app/a/endpoint/e1/", bearer, nil); code != 200 || !strings.Contains(string(body), `"uid":"e1"`) {
			t.Fatalf("after the refused %s: %d %s, want the endpoint with uid e1", m, code, body)
		}
	}
	if code, body := e.Do("PATCH", "/api/v1/app/a/endpoint/e1/", bearer, `{"uid":null}`); code != 200 || strings.Contains(string(body), `"uid"`) {
		t.Fatalf("PATCH uid null: %d %s, want the uid removed", code, body)
	}
}

// TestEndpointListIteratorAfterDelete: GET …/endpoint/?iterator= keeps its
// place when the endpoint it names was deleted between pages, in either
// order (the iterator stays the last endpoint's id, as Svix's). Before,
// the list started over: e0, e1, then e0 again once e1 was deleted.
func TestEndpointListIteratorAfterDelete(t *testing.T) {
	e := servetest.Start(t, nil)
	if code, body := e.Do("POST", "/api/v1/app/", bearer, map[string]any{"name": "A", "uid": "a"}); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	for i := range 5 {
		if code, body := e.Do("POST", "/api/v1/app/a/endpoint/", bearer, map[string]any{"url": e.Recv.URL, "uid": fmt.Sprint("e", i)}); code != 201 {
			t.Fatalf("endpoint: %d %s", code, body)
		}
	}
	type page struct {
		Data []struct {
			ID  string `json:"id"`
			UID string `json:"uid"`
		} `json:"data"`
		Iterator *string `json:"iterator"`
		Done     bool    `json:"done"`
	}
	for _, tc := range []struct {
		order string
		want  string
	}{{"ascending", "[e0 e1 e2 e4]"}, {"descending", "[e4 e2 e1 e0]"}} {
		var seen []string
		q := "limit=1&order=" + tc.order
		for n := 0; n < 10; n++ {
			code, body := e.Do("GET", "/api/v1/app/a/endpoint/?"+q, bearer, nil)
			var p page
			if err := json.Unmarshal(body, &p); code != 200 || err != nil {
				t.Fatalf("%s: %d %s", q, code, body)
			}
			for _, d := range p.Data {
				seen = append(seen, d.UID)
			}
			if len(p.Data) == 1 && p.Data[0].UID == "e3" {
				// The endpoint this page ends with goes away before the
				// next page is read.
				if code, body := e.Do("DELETE", "/api/v1/app/a/endpoint/"+p.Data[0].ID+"/", bearer, nil); code != 204 {
					t.Fatalf("delete: %d %s", code, body)
				}
				seen = seen[:len(seen)-1]
			}
			if p.Done || p.Iterator == nil {
				break
			}
			q = "limit=1&order=" + tc.order + "&iterator=" + *p.Iterator
		}
		if fmt.Sprint(seen) != tc.want {
			t.Fatalf("%s, pages of 1 with e3 deleted after its page: %v, want %s", tc.order, seen, tc.want)
		}
		// e3 again, for the other order.
		if code, body := e.Do("POST", "/api/v1/app/a/endpoint/", bearer, map[string]any{"url": e.Recv.URL, "uid": "e3"}); code != 201 {
			t.Fatalf("endpoint: %d %s", code, body)
		}
	}
}

// TestRecoverUntilBeforeSince: recover/ with until before since is a 422
// at body.until, not a 202 that recovers nothing (a swapped pair).
func TestRecoverUntilBeforeSince(t *testing.T) {
	e := servetest.Start(t, nil)
	if code, body := e.Do("POST", "/api/v1/app/", bearer, map[string]any{"name": "A", "uid": "a"}); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	if code, body := e.Do("POST", "/api/v1/app/a/endpoint/", bearer, map[string]any{"url": e.Recv.URL, "uid": "e1"}); code != 201 {
		t.Fatalf("endpoint: %d %s", code, body)
	}
	code, body := e.Do("POST", "/api/v1/app/a/endpoint/e1/recover/", bearer,
		map[string]any{"since": "2020-01-01T00:00:00Z", "until": "2019-01-01T00:00:00Z"})
	if code != 422 || !strings.Contains(string(body), `"loc":["body","until"]`) || !strings.Contains(string(body), "before since") {
		t.Fatalf("until before since: %d %s, want 422 at body.until", code, body)
	}
	code, body = e.Do("POST", "/api/v1/app/a/endpoint/e1/recover/", bearer,
		map[string]any{"since": "2019-01-01T00:00:00Z", "until": "2020-01-01T00:00:00Z"})
	if code != 202 {
		t.Fatalf("a window in order: %d %s, want 202", code, body)
	}
}
