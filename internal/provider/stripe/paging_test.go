package stripe_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v85"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
)

// Every page of GET /v1/webhook_endpoints (limit, starting_after,
// ending_before) is what slicing the whole list, newest first, gives, as
// the list did before the store read pages itself, with has_more true when
// there are more in the direction of travel; other providers'
// subscriptions in the store are not Stripe endpoints.
func TestListPagesAreSlicesOfTheWholeList(t *testing.T) {
	e := servetest.Start(t, nil)
	if code, body := e.Do("POST", "/api/v1/app", map[string]string{"Authorization": "Bearer k"}, map[string]any{"name": "A", "uid": "a"}); code != 201 {
		t.Fatalf("svix app: %d %s", code, body)
	}
	for i := 0; i < 7; i++ {
		if code, body := e.Do("POST", "/v1/webhook_endpoints", formH, fmt.Sprintf("url=%s/%d&enabled_events[]=*&metadata[n]=%d", e.Recv.URL, i, i)); code != 200 {
			t.Fatalf("create: %d %s", code, body)
		}
		if code, body := e.Do("POST", "/api/v1/app/a/endpoint", map[string]string{"Authorization": "Bearer k"}, map[string]any{"url": e.Recv.URL}); code != 201 {
			t.Fatalf("svix endpoint: %d %s", code, body)
		}
	}
	type list struct {
		Object  string            `json:"object"`
		URL     string            `json:"url"`
		HasMore bool              `json:"has_more"`
		Data    []json.RawMessage `json:"data"`
	}
	get := func(q url.Values) (int, list, []byte) {
		t.Helper()
		code, body := e.Do("GET", "/v1/webhook_endpoints?"+q.Encode(), bearer, nil)
		var l list
		if code == 200 {
			if err := json.Unmarshal(body, &l); err != nil {
				t.Fatalf("%s: %v", body, err)
			}
		}
		return code, l, body
	}
	_, whole, _ := get(url.Values{"limit": {"100"}})
	if len(whole.Data) != 7 || whole.HasMore {
		t.Fatalf("whole list: %d endpoints, has_more %v", len(whole.Data), whole.HasMore)
	}
	ids := []string{}
	for _, d := range whole.Data {
		var ep struct{ ID string }
		json.Unmarshal(d, &ep)
		ids = append(ids, ep.ID)
	}
	cursors := append([]string{"", "we_unknown"}, ids...)
	index := func(id string) int {
		for i, x := range ids {
			if x == id {
				return i
			}
		}
		return -1
	}
	n := 0
	for _, limit := range []int{1, 2, 3, 10} {
		for _, after := range cursors {
			for _, before := range cursors {
				q := url.Values{"limit": {fmt.Sprint(limit)}}
				start, end := 0, len(ids)
				wantCode := 200
				if after != "" {
					q.Set("starting_after", after)
					if start = index(after) + 1; start == 0 {
						wantCode = 400
					}
				}
				// has_more says whether there are more in the direction
				// of travel: older ones after starting_after, newer ones
				// before ending_before (it was always false there).
				more := false
				if before != "" && wantCode == 200 {
					if end = index(before); end < 0 {
						wantCode = 400
					}
					more = end-limit > start
					start = max(start, end-limit)
				}
				if before != "" {
					q.Set("ending_before", before)
				}
				if after != "" && before != "" {
					// Both cursors: Stripe's 400 ("Received both
					// starting_after and ending_before parameters").
					wantCode = 400
				}
				if wantCode == 200 && start > end {
					continue // slicing failed there (a panic): not a page to compare with
				}
				code, got, body := get(q)
				if code != wantCode {
					t.Fatalf("%s: %d %s, want %d", q.Encode(), code, body, wantCode)
				}
				if code != 200 {
					continue
				}
				page := whole.Data[start:end]
				if len(page) > limit {
					page, more = page[:limit], true
				}
				if got.HasMore != more || len(got.Data) != len(page) || got.Object != "list" || got.URL != "/v1/webhook_endpoints" {
					t.Fatalf("%s: %s, want %d endpoints from %d, has_more %v", q.Encode(), body, len(page), start, more)
				}
				for i := range page {
					if !bytes.Equal(got.Data[i], page[i]) {
						t.Fatalf("%s: endpoint %d is %s, want %s", q.Encode(), i, got.Data[i], page[i])
					}
				}
				n++
			}
		}
	}
	if n < 50 {
		t.Fatalf("only %d pages compared", n)
	}
}

// GET /v1/events pages with starting_after / ending_before like every
// Stripe list: the official libraries' iterators ask for the page after
// the last id until has_more is false (the cursor was once ignored, so
// they fetched the first page forever). The store selects Stripe's events
// and pages: a page reads about a page of rows, not the other providers'
// events (it read every event in the store, 0.2 s a page with 20,000).
func TestEventsListPages(t *testing.T) {
	e, rc := servetest.StartCounting(t, nil)
	var bond string
	for i := range 300 {
		ev := &store.Event{ID: fmt.Sprintf("bond-%d", i), Type: "card.created", Provider: "bond", Payload: []byte(`{}`), Source: store.SourceTriggered}
		if err := e.Store.CreateEvent(t.Context(), ev, nil); err != nil {
			t.Fatal(err)
		}
		bond = ev.ID
	}
	if code, body := e.Do("POST", "/v1/webhook_endpoints", formH, "url="+e.Recv.URL+"&enabled_events[]=*"); code != 200 {
		t.Fatalf("create: %d %s", code, body)
	}
	var want []string // newest first
	for range 7 {
		code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "payment.succeeded", "provider": "saas"})
		if code != 201 {
			t.Fatalf("trigger: %d %s", code, body)
		}
		want = append([]string{servetest.JSON(t, body)["event"].(map[string]any)["id"].(string)}, want...)
	}
	type list struct {
		HasMore bool `json:"has_more"`
		Data    []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	get := func(q string) (int, list, []byte) {
		t.Helper()
		code, body := e.Do("GET", "/v1/events?"+q, bearer, nil)
		var l list
		json.Unmarshal(body, &l)
		return code, l, body
	}
	ids := func(l list) string {
		var out []string
		for _, d := range l.Data {
			out = append(out, d.ID)
		}
		return fmt.Sprint(out)
	}
	var got []string
	q := "limit=3"
	rc.Take()
	for page := 0; ; page++ {
		if page > 5 {
			t.Fatalf("still paging after %d pages: %v", page, got)
		}
		code, l, body := get(q)
		if code != 200 {
			t.Fatalf("%s: %d %s", q, code, body)
		}
		for _, d := range l.Data {
			got = append(got, d.ID)
		}
		if !l.HasMore {
			break
		}
		q = "limit=3&starting_after=" + got[len(got)-1]
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("pages gave %v, want %v", got, want)
	}
	if n := rc.Take(); n > 40 {
		t.Errorf("3 pages of 7 events read %d events", n)
	}
	if code, _, body := get("starting_after=" + bond); code != 400 || !bytes.Contains(body, []byte("resource_missing")) {
		t.Fatalf("another API's event as the cursor: %d %s", code, body)
	}
	if code, l, _ := get("limit=2&ending_before=" + want[4]); code != 200 || ids(l) != fmt.Sprint(want[2:4]) || !l.HasMore {
		t.Fatalf("ending_before: %d %v more=%v; want %v more", code, ids(l), l.HasMore, want[2:4])
	}
	if code, l, _ := get("limit=5&ending_before=" + want[2]); code != 200 || ids(l) != fmt.Sprint(want[:2]) || l.HasMore {
		t.Fatalf("ending_before near the start: %d %v more=%v", code, ids(l), l.HasMore)
	}
	if code, _, body := get("starting_after=evt_nope"); code != 400 || !bytes.Contains(body, []byte("resource_missing")) {
		t.Fatalf("unknown cursor: %d %s", code, body)
	}
	// stripe-go's iterator sees each event once and stops.
	sc := client(e)
	n := 0
	for _, err := range sc.V1Events.List(t.Context(), &stripego.EventListParams{ListParams: stripego.ListParams{Limit: stripego.Int64(2)}}).All(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n > 20 {
			t.Fatal("stripe-go's iterator does not stop")
		}
	}
	if n != 7 {
		t.Fatalf("stripe-go iterated %d events, want 7", n)
	}
}

// GET /v1/events filters by types[] (as the libraries send it: types[0]=…)
// and created[gt|gte|lt|lte]; both were ignored, so every event came back.
func TestEventsListFilters(t *testing.T) {
	e := servetest.Start(t, nil)
	if code, body := e.Do("POST", "/v1/webhook_endpoints", formH, "url="+e.Recv.URL+"&enabled_events[]=*"); code != 200 {
		t.Fatalf("create: %d %s", code, body)
	}
	for _, typ := range []string{"payment.succeeded", "payment.failed", "refund.initiated", "payment.succeeded"} {
		if code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": typ, "provider": "saas"}); code != 201 {
			t.Fatalf("trigger: %d %s", code, body)
		}
	}
	sc := client(e)
	n := 0
	for ev, err := range sc.V1Events.List(t.Context(), &stripego.EventListParams{Types: stripego.StringSlice([]string{"payment.failed", "refund.initiated"})}).All(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type != "payment.failed" && ev.Type != "refund.initiated" {
			t.Fatalf("types filter let %s through", ev.Type)
		}
		n++
	}
	if n != 2 {
		t.Fatalf("types: %d events, want 2", n)
	}
	now := time.Now().Unix()
	for q, want := range map[string]int{
		fmt.Sprintf("created[gt]=%d", now+100):                            0,
		fmt.Sprintf("created[lte]=%d&created[gte]=%d", now+100, now-100):  4,
		fmt.Sprintf("created[lt]=%d", now-100):                            0,
		fmt.Sprintf("created[gte]=%d&types[]=payment.succeeded", now-100): 2,
	} {
		code, body := e.Do("GET", "/v1/events?"+q, bearer, nil)
		var l struct{ Data []json.RawMessage }
		json.Unmarshal(body, &l)
		if code != 200 || len(l.Data) != want {
			t.Fatalf("%s: %d, %d events; want %d", q, code, len(l.Data), want)
		}
	}
	if code, body := e.Do("GET", "/v1/events?created[gt]=soon", bearer, nil); code != 400 || !bytes.Contains(body, []byte("created[gt]")) {
		t.Fatalf("bad created: %d %s", code, body)
	}
}
