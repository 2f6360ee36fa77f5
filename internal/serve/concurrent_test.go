package serve_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// parallel sends the requests at once and returns the failures.
func parallel(e *servetest.Env, reqs []func() (*http.Request, error)) []string {
	var mu sync.Mutex
	var bad []string
	var wg sync.WaitGroup
	for _, mk := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := mk()
			if err == nil {
				var resp *http.Response
				if resp, err = http.DefaultClient.Do(req); err == nil {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode >= 300 {
						err = fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, b)
					}
				}
			}
			if err != nil {
				mu.Lock()
				bad = append(bad, err.Error())
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return bad
}

// Parallel API calls that each change one thing of the same endpoint keep
// every change: the updates go through the store's atomic update (the
// server's cache-forgetting wrapper once hid it, so each update was a
// read-modify-write of the whole row and reverted the others).
func TestParallelUpdatesKeepEveryChange(t *testing.T) {
	e := servetest.Start(t, nil)
	form := map[string]string{"Authorization": "Bearer sk_test_1", "Content-Type": "application/x-www-form-urlencoded"}
	code, body := e.Do("POST", "/v1/webhook_endpoints", form, "url="+e.Recv.URL+"&enabled_events[]=*")
	if code != 200 {
		t.Fatalf("create: %d %s", code, body)
	}
	we := servetest.JSON(t, body)["id"].(string)
	const n = 24
	var reqs []func() (*http.Request, error)
	for i := range n {
		reqs = append(reqs, func() (*http.Request, error) {
			req, err := http.NewRequest("POST", e.URL+"/v1/webhook_endpoints/"+we, strings.NewReader(fmt.Sprintf("metadata[k%d]=v%d", i, i)))
			if err == nil {
				req.Header.Set("Authorization", form["Authorization"])
				req.Header.Set("Content-Type", form["Content-Type"])
			}
			return req, err
		})
	}
	if bad := parallel(e, reqs); len(bad) > 0 {
		t.Fatal(bad)
	}
	_, body = e.Do("GET", "/v1/webhook_endpoints/"+we, form, nil)
	if md := servetest.JSON(t, body)["metadata"].(map[string]any); len(md) != n {
		t.Fatalf("Stripe: %d parallel metadata updates kept %d keys: %v", n, len(md), md)
	}

	// Svix: PATCHes of different fields of one endpoint, in rounds.
	auth := map[string]string{"Authorization": "Bearer k"}
	if code, body := e.Do("POST", "/api/v1/app", auth, map[string]any{"name": "A", "uid": "a"}); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	if code, body := e.Do("POST", "/api/v1/event-type", auth, map[string]any{"name": "x.y", "description": "x"}); code != 201 {
		t.Fatalf("event type: %d %s", code, body)
	}
	patches := []map[string]any{
		{"description": "d"}, {"filterTypes": []string{"x.y"}}, {"disabled": true}, {"metadata": map[string]string{"m": "1"}},
		{"url": e.Recv.URL + "/new"}, {"uid": "u"}, {"version": 2}, {"channels": []string{"c"}},
	}
	for round := range 4 {
		code, body := e.Do("POST", "/api/v1/app/a/endpoint", auth, map[string]any{"url": e.Recv.URL})
		if code != 201 {
			t.Fatalf("endpoint: %d %s", code, body)
		}
		ep := servetest.JSON(t, body)["id"].(string)
		reqs = nil
		for _, p := range patches {
			if p["uid"] != nil {
				p = map[string]any{"uid": fmt.Sprintf("u%d", round)}
			}
			reqs = append(reqs, func() (*http.Request, error) {
				b, _ := json.Marshal(p)
				req, err := http.NewRequest("PATCH", e.URL+"/api/v1/app/a/endpoint/"+ep, bytes.NewReader(b))
				if err == nil {
					req.Header.Set("Authorization", "Bearer k")
					req.Header.Set("Content-Type", "application/json")
				}
				return req, err
			})
		}
		if bad := parallel(e, reqs); len(bad) > 0 {
			t.Fatal(bad)
		}
		_, body = e.Do("GET", "/api/v1/app/a/endpoint/"+ep, auth, nil)
		got := servetest.JSON(t, body)
		if got["description"] != "d" || fmt.Sprint(got["filterTypes"]) != "[x.y]" || got["disabled"] != true ||
			fmt.Sprint(got["metadata"]) != "map[m:1]" || got["url"] != e.Recv.URL+"/new" || got["uid"] != fmt.Sprintf("u%d", round) ||
			got["version"] != 2.0 || fmt.Sprint(got["channels"]) != "[c]" {
			t.Fatalf("round %d: parallel PATCHes of different fields lost some: %s", round, body)
		}
	}
}

// The control API refuses fields it does not know with a 400 naming them:
// a misspelt "subscripton" once sent the event to every subscription.
func TestControlRefusesUnknownFields(t *testing.T) {
	e := servetest.Start(t, nil)
	subscribe(t, e, "card.*")
	for _, tc := range []struct{ path, body, hint string }{
		{"/_hookctl/trigger", `{"type":"card.created","subscripton":"x"}`, `unknown field \"subscripton\"; did you mean \"subscription\"?`},
		{"/_hookctl/replay", `{"failed":true,"forse":true}`, `did you mean \"force\"?`},
		{"/_hookctl/faults", `{"subscription":"x","count":1,"statuss":503}`, `did you mean \"status\"?`},
		// Not a typo: every field the request has.
		{"/_hookctl/trigger", `{"event":"card.created"}`, `unknown field \"event\"; the fields are: type, provider, `},
		{"/_hookctl/trigger", `{"type":"card.created"} {"type":"card.created"}`, ""},
	} {
		code, body := e.Do("POST", tc.path, nil, tc.body)
		if code != 400 || !strings.Contains(string(body), `"invalid_request"`) {
			t.Fatalf("%s %s: %d %s", tc.path, tc.body, code, body)
		}
		if !strings.Contains(string(body), tc.hint) {
			t.Fatalf("%s %s: %s\nwant the hint %s", tc.path, tc.body, body, tc.hint)
		}
	}
	e.Recv.None(t, 200*time.Millisecond)
}

// The control API's lists say when they were cut at the limit (has_more):
// a suite counting failed deliveries got 100 with no sign of more.
func TestControlListsSayWhenCut(t *testing.T) {
	e := servetest.Start(t, nil)
	subscribe(t, e, "card.*")
	for range 3 {
		if code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "card.created"}); code != 201 {
			t.Fatalf("trigger: %d %s", code, body)
		}
	}
	for path, want := range map[string]bool{
		"/_hookctl/events?limit=2": true, "/_hookctl/events?limit=3": false,
		"/_hookctl/deliveries?limit=2": true, "/_hookctl/deliveries": false,
	} {
		code, body := e.Do("GET", path, nil, nil)
		m := servetest.JSON(t, body)
		n := 2
		if !want {
			n = 3
		}
		if code != 200 || m["has_more"] != want || len(m["data"].([]any)) != n {
			t.Fatalf("%s: %d %s; want has_more %v and %d items", path, code, body, want, n)
		}
	}
}

// createRecorder records the status each subscription is created with.
type createRecorder struct {
	store.Store
	mu       sync.Mutex
	statuses []string
}

func (c *createRecorder) CreateSubscription(ctx context.Context, s *store.Subscription) error {
	c.mu.Lock()
	c.statuses = append(c.statuses, s.Status)
	c.mu.Unlock()
	return c.Store.CreateSubscription(ctx, s)
}

// An endpoint or webhook created with "disabled" is never enabled, not
// even between its creation and a status change (it was created enabled,
// then disabled: a message sent in between was delivered to it).
func TestCreatedDisabledIsNeverEnabled(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	rec := &createRecorder{Store: st}
	e := servetest.StartWith(t, rec, nil)
	sv := map[string]string{"Authorization": "Bearer k"}
	if code, body := e.Do("POST", "/api/v1/app", sv, map[string]any{"name": "a", "uid": "a"}); code != 201 {
		t.Fatalf("app: %d %s", code, body)
	}
	if code, body := e.Do("POST", "/api/v1/app/a/endpoint", sv, map[string]any{"url": e.Recv.URL, "disabled": true}); code != 201 || servetest.JSON(t, body)["disabled"] != true {
		t.Fatalf("svix: %d %s", code, body)
	}
	bond := map[string]string{"Identity": "i", "Authorization": "k"}
	if code, body := e.Do("POST", "/api/v0.1/webhooks", bond, map[string]any{"events": []string{"card.created"}, "url": e.Recv.URL, "status": "STATUS_DISABLED"}); code != 201 || !strings.Contains(string(body), "STATUS_DISABLED") {
		t.Fatalf("bond: %d %s", code, body)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if fmt.Sprint(rec.statuses) != "[disabled disabled]" {
		t.Fatalf("created with %v", rec.statuses)
	}
}
