package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// wireRequest is one request a wireReceiver got.
type wireRequest struct {
	Path   string
	Header http.Header
	Body   []byte
}

// wireReceiver records every request's headers and body; the first
// request to each path gets a 500 (so the delivery is retried), the rest
// 200.
type wireReceiver struct {
	URL  string
	mu   sync.Mutex
	reqs []wireRequest
	seen map[string]bool
}

func newWireReceiver(t *testing.T) *wireReceiver {
	t.Helper()
	r := &wireReceiver{seen: map[string]bool{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.reqs = append(r.reqs, wireRequest{Path: req.URL.Path, Header: req.Header.Clone(), Body: body})
		first := !r.seen[req.URL.Path]
		r.seen[req.URL.Path] = true
		r.mu.Unlock()
		if first {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

// at returns the requests to path, in arrival order.
func (r *wireReceiver) at(path string) []wireRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []wireRequest
	for _, q := range r.reqs {
		if q.Path == path {
			out = append(out, q)
		}
	}
	return out
}

// wireSubscribe creates a subscription and returns its id and secret.
func wireSubscribe(c *crashEnv, args ...string) (id, secret string) {
	c.t.Helper()
	var s struct {
		ID     string `json:"webhook_id"`
		Secret string `json:"secret"`
	}
	if err := json.Unmarshal(c.hookctl(0, append([]string{"subscribe", "-o", "json"}, args...)...), &s); err != nil {
		c.t.Fatal(err)
	}
	return s.ID, s.Secret
}

// wireRun is what trigger -o json says of a run.
type wireRun struct {
	Events []struct {
		ID        string    `json:"id"`
		CreatedAt time.Time `json:"created_at"`
	} `json:"events"`
	Deliveries []struct {
		ID             string `json:"id"`
		EventID        string `json:"event_id"`
		SubscriptionID string `json:"subscription_id"`
		Status         string `json:"status"`
		AttemptCount   int    `json:"attempt_count"`
	} `json:"deliveries"`
}

// wireTrigger runs trigger; each delivery must succeed after attempts
// attempts.
func wireTrigger(c *crashEnv, attempts int, args ...string) wireRun {
	c.t.Helper()
	var run wireRun
	out := c.hookctl(0, append([]string{"trigger", "-o", "json", "--retry-schedule", "0s,50ms"}, args...)...)
	if err := json.Unmarshal(out, &run); err != nil {
		c.t.Fatalf("%v\n%s", err, out)
	}
	for _, d := range run.Deliveries {
		if d.Status != "succeeded" || d.AttemptCount != attempts {
			c.t.Fatalf("delivery %s: %s after %d attempts, want succeeded after %d", d.ID, d.Status, d.AttemptCount, attempts)
		}
	}
	return run
}

// TestShopifyIDsPerDeliveryAndEvent: one event to two Shopify
// subscriptions, each delivery retried once and then replayed. As Shopify
// sends them, X-Shopify-Webhook-Id names one delivery (two subscriptions:
// two ids; its retry and replay: the same one) and X-Shopify-Event-Id the
// event (the same on all six requests); X-Shopify-Triggered-At is when
// the event happened, the same on every retry. hookctl sent the event id
// as both ids, so a receiver with two subscriptions that kept
// X-Shopify-Webhook-Id as a delivery key dropped the second one as a
// duplicate here and not in production, and stamped Triggered-At afresh
// on every attempt.
func TestShopifyIDsPerDeliveryAndEvent(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	rec := newWireReceiver(t)
	subA, secretA := wireSubscribe(c, "--url", rec.URL+"/a", "--events", "payment.succeeded", "--scheme", "shopify")
	subB, secretB := wireSubscribe(c, "--url", rec.URL+"/b", "--events", "payment.succeeded", "--scheme", "shopify")
	run := wireTrigger(c, 2, "payment.succeeded")
	if len(run.Events) != 1 || len(run.Deliveries) != 2 {
		t.Fatalf("%d events, %d deliveries: want one event to two subscriptions", len(run.Events), len(run.Deliveries))
	}
	ev := run.Events[0]
	for _, d := range run.Deliveries {
		c.hookctl(0, "replay", d.ID, "--force")
	}
	secrets := map[string]string{"/a": secretA, "/b": secretB}
	webhookIDs := map[string]string{}
	for _, path := range []string{"/a", "/b"} {
		reqs := rec.at(path)
		if len(reqs) != 3 {
			t.Fatalf("%s got %d requests, want 3 (first attempt, retry, replay)", path, len(reqs))
		}
		for i, q := range reqs {
			h := q.Header
			mac := hmac.New(sha256.New, []byte(secrets[path]))
			mac.Write(q.Body)
			if got := h.Get("X-Shopify-Hmac-Sha256"); got != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
				t.Errorf("%s request %d: X-Shopify-Hmac-Sha256 %q does not verify", path, i+1, got)
			}
			if got := h.Get("X-Shopify-Event-Id"); got != ev.ID {
				t.Errorf("%s request %d: X-Shopify-Event-Id %q, want the event's id %s", path, i+1, got, ev.ID)
			}
			wid := h.Get("X-Shopify-Webhook-Id")
			if len(wid) != 36 || strings.Count(wid, "-") != 4 {
				t.Errorf("%s request %d: X-Shopify-Webhook-Id %q is not a UUID", path, i+1, wid)
			}
			if i == 0 {
				webhookIDs[path] = wid
			} else if wid != webhookIDs[path] {
				t.Errorf("%s request %d: X-Shopify-Webhook-Id %q, the first attempt had %q: a retry or replay keeps it", path, i+1, wid, webhookIDs[path])
			}
			at, err := time.Parse(time.RFC3339Nano, h.Get("X-Shopify-Triggered-At"))
			if err != nil || !at.Equal(ev.CreatedAt) {
				t.Errorf("%s request %d: X-Shopify-Triggered-At %q (%v), want the event's time %s", path, i+1,
					h.Get("X-Shopify-Triggered-At"), err, ev.CreatedAt.Format(time.RFC3339Nano))
			}
			if h.Get("X-Shopify-Topic") != "payment.succeeded" || h.Get("X-Shopify-Shop-Domain") == "" || h.Get("X-Shopify-Api-Version") == "" {
				t.Errorf("%s request %d: topic %q, shop %q, API version %q", path, i+1, h.Get("X-Shopify-Topic"),
					h.Get("X-Shopify-Shop-Domain"), h.Get("X-Shopify-Api-Version"))
			}
		}
	}
	if webhookIDs["/a"] == webhookIDs["/b"] || webhookIDs["/a"] == ev.ID {
		t.Errorf("X-Shopify-Webhook-Id %q (subscription %s) and %q (subscription %s), event %s: want one id per delivery",
			webhookIDs["/a"], subA, webhookIDs["/b"], subB, ev.ID)
	}
}

// TestGitHubHookHeadersAgree: one push to two GitHub subscriptions, each
// retried and replayed, then the first subscription's secret rotated and
// another push. X-GitHub-Hook-ID names the subscription's webhook: two
// subscriptions, two ids; the same through retries, replays and a secret
// rotation (a GitHub webhook keeps its id when its secret changes).
// X-GitHub-Hook-Installation-Target-ID is the repository the payload
// names (repository.id), X-GitHub-Delivery the event's GUID on all of
// them. hookctl derived the hook id from the secret (a rotation gave the
// webhook a new id) and the target id from the hook id (never the
// payload's repository).
func TestGitHubHookHeadersAgree(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	rec := newWireReceiver(t)
	subA, _ := wireSubscribe(c, "--url", rec.URL+"/a", "--events", "*", "--provider", "github")
	wireSubscribe(c, "--url", rec.URL+"/b", "--events", "*", "--provider", "github")
	run := wireTrigger(c, 2, "push")
	if len(run.Events) != 1 || len(run.Deliveries) != 2 {
		t.Fatalf("%d events, %d deliveries: want one event to two subscriptions", len(run.Events), len(run.Deliveries))
	}
	for _, d := range run.Deliveries {
		c.hookctl(0, "replay", d.ID, "--force")
	}
	hooks := map[string]string{}
	for _, path := range []string{"/a", "/b"} {
		reqs := rec.at(path)
		if len(reqs) != 3 {
			t.Fatalf("%s got %d requests, want 3 (first attempt, retry, replay)", path, len(reqs))
		}
		for i, q := range reqs {
			checkGitHubTarget(t, path, i+1, q)
			if got := q.Header.Get("X-GitHub-Delivery"); got != run.Events[0].ID {
				t.Errorf("%s request %d: X-GitHub-Delivery %q, want the event's GUID %s", path, i+1, got, run.Events[0].ID)
			}
			hook := q.Header.Get("X-GitHub-Hook-ID")
			if i == 0 {
				hooks[path] = hook
			} else if hook != hooks[path] {
				t.Errorf("%s request %d: X-GitHub-Hook-ID %s, the first attempt had %s", path, i+1, hook, hooks[path])
			}
		}
	}
	if hooks["/a"] == hooks["/b"] {
		t.Errorf("two subscriptions, one X-GitHub-Hook-ID %s: want one per webhook", hooks["/a"])
	}

	c.hookctl(0, "subscriptions", "rotate-secret", subA)
	wireTrigger(c, 1, "push")
	reqs := rec.at("/a")
	if len(reqs) != 4 {
		t.Fatalf("/a got %d requests, want 4", len(reqs))
	}
	for i, q := range reqs[3:] {
		checkGitHubTarget(t, "/a", 4+i, q)
		if got := q.Header.Get("X-GitHub-Hook-ID"); got != hooks["/a"] {
			t.Errorf("/a after the secret's rotation: X-GitHub-Hook-ID %s, before %s: a webhook keeps its id", got, hooks["/a"])
		}
	}

	// A ping to both: GitHub pings one webhook at a time, and its body
	// names the webhook (hook_id, hook.id) that every event to it names
	// in X-GitHub-Hook-ID. One ping (one body) went to every subscription,
	// its hook_id a random id none of them sends.
	run = wireTrigger(c, 1, "github:ping")
	if len(run.Events) != 2 || len(run.Deliveries) != 2 {
		t.Fatalf("%d events, %d deliveries: want a ping per webhook", len(run.Events), len(run.Deliveries))
	}
	for _, path := range []string{"/a", "/b"} {
		reqs := rec.at(path)
		q := reqs[len(reqs)-1]
		checkGitHubTarget(t, path, len(reqs), q)
		var body struct {
			HookID json.Number `json:"hook_id"`
			Hook   struct {
				Type string      `json:"type"`
				ID   json.Number `json:"id"`
				URL  string      `json:"url"`
			} `json:"hook"`
		}
		if err := json.Unmarshal(q.Body, &body); err != nil {
			t.Fatal(err)
		}
		hook := q.Header.Get("X-GitHub-Hook-ID")
		if hook != hooks[path] || string(body.HookID) != hook || string(body.Hook.ID) != hook || !strings.HasSuffix(body.Hook.URL, "/hooks/"+hook) {
			t.Errorf("%s ping: X-GitHub-Hook-ID %s, hook_id %s, hook.id %s, hook.url %s: want all %s, the webhook's id in its other events",
				path, hook, body.HookID, body.Hook.ID, body.Hook.URL, hooks[path])
		}
		if body.Hook.Type != "Repository" {
			t.Errorf("%s ping: hook.type %q, want Repository (the other events' target is a repository)", path, body.Hook.Type)
		}
	}
	if a, b := rec.at("/a"), rec.at("/b"); a[len(a)-1].Header.Get("X-GitHub-Delivery") == b[len(b)-1].Header.Get("X-GitHub-Delivery") {
		t.Errorf("two pings, one X-GitHub-Delivery %s: each ping is its own event", a[len(a)-1].Header.Get("X-GitHub-Delivery"))
	}
}

// checkGitHubTarget: the request's installation target is the repository
// its payload names.
func checkGitHubTarget(t *testing.T, path string, n int, q wireRequest) {
	t.Helper()
	var body struct {
		Repository struct {
			ID json.Number `json:"id"`
		} `json:"repository"`
	}
	if err := json.Unmarshal(q.Body, &body); err != nil || body.Repository.ID == "" {
		t.Fatalf("%s request %d: no repository.id in the body (%v)", path, n, err)
	}
	if typ, id := q.Header.Get("X-GitHub-Hook-Installation-Target-Type"), q.Header.Get("X-GitHub-Hook-Installation-Target-ID"); typ != "repository" || id != string(body.Repository.ID) {
		t.Errorf("%s request %d: installation target %s %s, the payload's repository.id is %s", path, n, typ, id, body.Repository.ID)
	}
}
