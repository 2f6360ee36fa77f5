package svix_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
)

// Every page of GET …/endpoint (limit, iterator) is what cutting the
// application's whole list, oldest first, gives, as the list did before
// the store read pages itself: an endpoint id that is not one of the
// application's reads on from where it sorts among the ids, as in Svix
// (one that is no endpoint id at all, such as a uid, is a 422). Other
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
	// An iterator is an endpoint id a page gave, never a uid: one that is
	// no endpoint id at all is Svix's 422 at query.iterator.
	if code, body := e.Do("GET", "/api/v1/app/a/endpoint?iterator=u1", bearer, nil); code != 422 || !strings.Contains(string(body), `"query","iterator"`) {
		t.Fatalf("iterator=u1: %d %s, want 422 at query.iterator", code, body)
	}
	for _, limit := range []int{1, 2, 4, 50} {
		for _, it := range append([]string{"", "ep_unknown", other}, ids...) {
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
			if it == "ep_unknown" || it == other {
				// Where it sorts among the ids, as Svix reads it
				// (TestSvixleftUnknownIteratorKeepsItsPlace): "ep_u…"
				// after every KSUID, other (b's newest) after a's.
				start = len(ids)
			}
			end := min(start+limit, len(ids))
			got, body := get(q)
			if got.Done != (end >= len(ids)) || len(got.Data) != end-start || (end > start) != (got.Prev != nil) {
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

// A message list pages through the application's own messages, with
// every filter, and reads about a page of rows however many events the
// store holds: the store selects by the application and pages by its
// cursor. Before, every list page, eventId de-duplication and
// application look-up decoded every event in the store (0.2–0.8 s a
// request with 20,000 events).
func TestMessagePagesReadOnlyTheirRows(t *testing.T) {
	e, rc := servetest.StartCounting(t, nil)
	for _, app := range []string{"a", "b"} {
		if code, body := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": app, "uid": app}); code != 201 {
			t.Fatalf("app: %d %s", code, body)
		}
	}
	send := func(app string, in map[string]any) string {
		t.Helper()
		code, body := e.Do("POST", "/api/v1/app/"+app+"/msg", bearer, in)
		if code != 202 {
			t.Fatalf("msg: %d %s", code, body)
		}
		return servetest.JSON(t, body)["id"].(string)
	}
	var mine, paid []string // newest first
	for i := 0; i < 9; i++ {
		in := map[string]any{"eventType": "order.created", "payload": map[string]any{"i": i}, "eventId": fmt.Sprintf("ord-%d", i)}
		if i%3 == 0 {
			in["eventType"], in["channels"] = "order.paid", []string{"vip"}
		}
		id := send("a", in)
		mine = append([]string{id}, mine...)
		if i%3 == 0 {
			paid = append([]string{id}, paid...)
		}
	}
	for i := 0; i < 300; i++ {
		send("b", map[string]any{"eventType": "order.created", "payload": map[string]any{}, "eventId": fmt.Sprintf("ord-%d", i)})
	}
	walk := func(q url.Values) ([]string, int64) { return walkPages(t, e, rc, "/api/v1/app/a/msg", q) }
	for _, tc := range []struct {
		q    url.Values
		want []string
	}{
		{url.Values{"limit": {"2"}}, mine},
		{url.Values{"limit": {"2"}, "event_types": {"order.paid"}}, paid},
		{url.Values{"limit": {"1"}, "channel": {"vip"}}, paid},
	} {
		got, rows := walk(tc.q)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: %v, want %v", tc.q.Encode(), got, tc.want)
		}
		// The application's own 9 messages, a cursor's worth more per page
		// at most: never the other application's 300.
		if rows > 9*int64(len(tc.want)+1) || rows >= 300 {
			t.Errorf("%s: the pages read %d events", tc.q.Encode(), rows)
		}
	}
	// eventId de-duplication: 409, one row read.
	rc.Take()
	code, body := e.Do("POST", "/api/v1/app/a/msg", bearer, map[string]any{"eventType": "order.created", "payload": map[string]any{}, "eventId": "ord-4"})
	if code != 409 {
		t.Fatalf("eventId ord-4 again: %d %s, want 409", code, body)
	}
	if n := rc.Take(); n > 1 {
		t.Errorf("the eventId look-up read %d events", n)
	}
	// A message by its eventId, within its application only.
	if code, body := e.Do("GET", "/api/v1/app/a/msg/ord-299", bearer, nil); code != 404 {
		t.Errorf("app b's eventId found in app a: %d %s", code, body)
	}
}

// An endpoint's attempts page newest first, with the filters, and a page
// reads about a page of rows however many other attempts the store
// holds: the store selects by endpoint and pages by the attempt. It read
// every delivery of the endpoint and then each one's attempts (0.8 s a
// page with 20,000 deliveries). An iterator that is no attempt starts
// from the newest, as before.
func TestEndpointAttemptPagesReadOnlyTheirRows(t *testing.T) {
	e, rc := servetest.StartCounting(t, func(o *serve.Options) { o.NoWorker = true })
	ctx := t.Context()
	eps := map[string]string{}
	for _, app := range []string{"a", "b"} {
		if code, body := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": app, "uid": app}); code != 201 {
			t.Fatalf("app: %d %s", code, body)
		}
		code, body := e.Do("POST", "/api/v1/app/"+app+"/endpoint", bearer, map[string]any{"url": e.Recv.URL})
		if code != 201 {
			t.Fatalf("endpoint: %d %s", code, body)
		}
		eps[app] = servetest.JSON(t, body)["id"].(string)
	}
	send := func(app, typ string) {
		t.Helper()
		if code, body := e.Do("POST", "/api/v1/app/"+app+"/msg", bearer, map[string]any{"eventType": typ, "payload": map[string]any{}}); code != 202 {
			t.Fatalf("msg: %d %s", code, body)
		}
	}
	for i := 0; i < 60; i++ {
		send("a", []string{"order.created", "order.paid", "order.created"}[i%3])
	}
	for i := 0; i < 40; i++ {
		send("b", "order.created")
	}
	// Two attempts per delivery (a failure, then a success), recorded as
	// a worker would, a second apart in creation order.
	ds, err := e.Store.ListDeliveries(ctx, store.DeliveryFilter{})
	if err != nil || len(ds) != 100 {
		t.Fatalf("%d deliveries, %v", len(ds), err)
	}
	base := time.Now().Add(-time.Hour)
	for i, d := range ds {
		for n := 1; n <= 2; n++ {
			at := &store.Attempt{DeliveryID: d.ID, Number: n, StartedAt: base.Add(time.Duration(2*i+n) * time.Second), ResponseStatus: 500 - 300*(n-1)}
			if err := e.Store.Import(ctx, store.Record{Attempt: at}); err != nil {
				t.Fatal(err)
			}
		}
	}
	walk := func(q url.Values) ([]string, int64) {
		return walkPages(t, e, rc, "/api/v1/app/a/attempt/endpoint/"+eps["a"], q)
	}
	all, _ := walk(url.Values{"limit": {"250"}})
	// Each attempt's status code, by id: the second attempt of a
	// delivery succeeded (200), the first failed (500).
	codeOf := map[string]float64{}
	_, page := e.Do("GET", "/api/v1/app/a/attempt/endpoint/"+eps["a"]+"?limit=250", bearer, nil)
	for _, d := range servetest.JSON(t, page)["data"].([]any) {
		codeOf[d.(map[string]any)["id"].(string)] = d.(map[string]any)["responseStatusCode"].(float64)
	}
	second := func(id string) bool { return codeOf[id] == 200 }
	if len(all) != 120 || !second(all[0]) || second(all[119]) {
		t.Fatalf("all %d attempts to a: %v", len(all), all)
	}
	// 40 pages of 3, each reading its page and one row more (the old
	// code read the endpoint's 60 deliveries and 120 attempts a page).
	got, rows := walk(url.Values{"limit": {"3"}})
	if fmt.Sprint(got) != fmt.Sprint(all) {
		t.Errorf("pages of 3: %v, want %v", got, all)
	}
	if rows > 2*120 {
		t.Errorf("40 pages of 3 read %d rows", rows)
	}
	var succeeded, paid []string
	for i, id := range all {
		if second(id) {
			succeeded = append(succeeded, id)
		}
		if (59-i/2)%3 == 1 { // message i/2 from the newest is order.paid
			paid = append(paid, id)
		}
	}
	for _, tc := range []struct {
		q    url.Values
		want []string
	}{
		{url.Values{"limit": {"7"}, "status": {"0"}}, succeeded},
		{url.Values{"limit": {"5"}, "event_types": {"order.paid"}}, paid},
	} {
		if got, _ := walk(tc.q); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: %v, want %v", tc.q.Encode(), got, tc.want)
		}
	}
	if got, _ := walk(url.Values{"limit": {"250"}, "iterator": {"atmpt_0123456789abcdef0123456789abcdef_1"}}); fmt.Sprint(got) != fmt.Sprint(all) {
		t.Errorf("an iterator naming no attempt: %v", got)
	}
	if code, body := e.Do("GET", "/api/v1/app/a/attempt/endpoint/"+eps["a"]+"?iterator=atmpt_nope", bearer, nil); code != 422 || !strings.Contains(string(body), `"query","iterator"`) {
		t.Errorf("an iterator that is no attempt id: %d %s, want 422 at query.iterator", code, body)
	}
}

// walkPages follows a Svix list's iterator from q to the last page: the
// ids listed, and the rows the store handed back meanwhile.
func walkPages(t *testing.T, e *servetest.Env, rc *servetest.Rows, path string, q url.Values) (ids []string, rows int64) {
	t.Helper()
	rc.Take()
	for n := 0; ; n++ {
		code, body := e.Do("GET", path+"?"+q.Encode(), bearer, nil)
		var p struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
			Iterator *string `json:"iterator"`
			Done     bool    `json:"done"`
		}
		if code != 200 || json.Unmarshal(body, &p) != nil || n > 100 {
			t.Fatalf("%s: %d %s", q.Encode(), code, body)
		}
		for _, m := range p.Data {
			ids = append(ids, m.ID)
		}
		if p.Done {
			return ids, rc.Take()
		}
		q.Set("iterator", *p.Iterator)
	}
}

// Paging an endpoint's messages (ListAttemptedMessages) with a small
// limit over messages created concurrently lists every one exactly once:
// the cursor was the last delivery's creation time, which messages
// written together share, so some were skipped and some listed twice.
func TestAttemptedMessagesPagesOverConcurrentMessages(t *testing.T) {
	e := servetest.Start(t, nil)
	if code, body := e.Do("POST", "/api/v1/app", bearer, map[string]any{"name": "a", "uid": "a"}); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	code, body := e.Do("POST", "/api/v1/app/a/endpoint", bearer, map[string]any{"url": e.Recv.URL})
	if code != 201 {
		t.Fatalf("endpoint: %d %s", code, body)
	}
	ep := servetest.JSON(t, body)["id"].(string)
	const n, workers = 60, 12
	ids := make(chan string, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				req, _ := http.NewRequest("POST", e.URL+"/api/v1/app/a/msg", strings.NewReader(fmt.Sprintf(`{"eventType":"a.b","payload":{"i":%d}}`, i)))
				req.Header.Set("Authorization", bearer["Authorization"])
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					errs <- err
					continue
				}
				var m struct{ ID string }
				err = json.NewDecoder(resp.Body).Decode(&m)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 202 {
					errs <- fmt.Errorf("message %d: %d %v", i, resp.StatusCode, err)
					continue
				}
				ids <- m.ID
			}
		}()
	}
	wg.Wait()
	close(ids)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for id := range ids {
		want[id] = true
	}
	got, _ := walkPages(t, e, &servetest.Rows{}, "/api/v1/app/a/endpoint/"+ep+"/msg", url.Values{"limit": {"4"}})
	count := map[string]int{}
	for _, id := range got {
		count[id]++
	}
	for id := range want {
		if count[id] != 1 {
			t.Errorf("message %s listed %d times", id, count[id])
		}
	}
	if len(got) != n {
		t.Errorf("%d messages listed, want %d", len(got), n)
	}
}
