package bond_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
)

var auth = map[string]string{"Identity": "ident-1", "Authorization": "key-1"}

// verifyBond checks Bond-Signature v2 (HMAC-SHA256 over "{t}.{body}",
// keyed by the whole whsec_ string) independently of hookctl's signer.
func verifyBond(t *testing.T, h http.Header, body []byte, secret string) {
	t.Helper()
	sig := h.Get("Bond-Signature")
	var ts, v2 string
	for _, p := range strings.Split(sig, ",") {
		k, v, _ := strings.Cut(p, "=")
		switch k {
		case "t":
			ts = v
		case "v2":
			v2 = v
		}
	}
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%s.%s", ts, body)
	if want := hex.EncodeToString(m.Sum(nil)); ts == "" || !hmac.Equal([]byte(v2), []byte(want)) {
		t.Fatalf("Bond-Signature %q does not verify with the secret the API returned", sig)
	}
}

func TestV0LifecycleAndKYCSimulation(t *testing.T) {
	e := servetest.Start(t, nil)
	// Create (trailing slash, as Bond documents it) with a wildcard.
	code, body := e.Do("POST", "/api/v0/webhooks/", auth, map[string]any{
		"events": []string{"kyc.verification.*"}, "callback_url": e.Recv.URL + "/bond", "description": "kyc hooks"})
	if code != 200 {
		t.Fatalf("create: %d %s", code, body)
	}
	servetest.Golden(t, "v0_webhook", body)
	sub := servetest.JSON(t, body)
	id, secret := sub["webhook_id"].(string), sub["secret"].(string)
	if !strings.HasPrefix(secret, "whsec_") || sub["status"] != "enabled" {
		t.Fatalf("create answer: %s", body)
	}
	if evs := sub["events"].([]any); len(evs) != 7 || strings.Contains(fmt.Sprint(evs), "*") {
		t.Fatalf("kyc.verification.* should expand to the 7 KYC events: %v", evs)
	}
	// The secret can be read again.
	code, body = e.Do("GET", "/api/v0/webhooks/"+id, auth, nil)
	if code != 200 || servetest.JSON(t, body)["secret"] != secret {
		t.Fatalf("get: %d %s", code, body)
	}
	code, body = e.Do("GET", "/api/v0/webhooks", auth, nil)
	if code != 200 || !strings.Contains(string(body), id) {
		t.Fatalf("list: %d %s", code, body)
	}
	servetest.Golden(t, "v0_list", body)

	// kyc-pass emits kyc.verification.success for that customer, signed
	// with the returned secret.
	code, body = e.Do("POST", "/api/v0.1/simulate/kyc-pass", auth, map[string]string{"customer_id": "cust-42", "program_id": "prog-1"})
	if code != 200 {
		t.Fatalf("simulate: %d %s", code, body)
	}
	servetest.Golden(t, "simulate", body)
	got := e.Recv.Next(t, 5*time.Second)
	if !strings.Contains(string(got.Body), `"event":"kyc.verification.success"`) || !strings.Contains(string(got.Body), `"customer_id":"cust-42"`) {
		t.Fatalf("delivered body: %s", got.Body)
	}
	verifyBond(t, got.Header, got.Body, secret)

	code, _ = e.Do("POST", "/api/v0.1/simulate/kyc-fail", auth, map[string]string{"customer_id": "cust-43"})
	got = e.Recv.Next(t, 5*time.Second)
	if code != 200 || !strings.Contains(string(got.Body), `"event":"kyc.verification.failure"`) {
		t.Fatalf("kyc-fail: %d %s", code, got.Body)
	}

	// PATCH: events replace the list; status disables.
	code, body = e.Do("PATCH", "/api/v0/webhooks/"+id, auth, map[string]any{"events": []string{"card*"}, "status": "disabled"})
	if code != 200 {
		t.Fatalf("patch: %d %s", code, body)
	}
	up := servetest.JSON(t, body)
	if up["status"] != "disabled" || strings.Contains(fmt.Sprint(up["events"]), "kyc") || !strings.Contains(fmt.Sprint(up["events"]), "card.created") {
		t.Fatalf("patch answer: %s", body)
	}
	code, body = e.Do("DELETE", "/api/v0/webhooks/"+id, auth, nil)
	if code != 200 || servetest.JSON(t, body)["webhook_id"] != id {
		t.Fatalf("delete: %d %s", code, body)
	}
	code, body = e.Do("GET", "/api/v0/webhooks/"+id, auth, nil)
	if code != 404 {
		t.Fatalf("get after delete: %d %s", code, body)
	}
	servetest.Golden(t, "error_404", body)
}

func TestV01Shapes(t *testing.T) {
	e := servetest.Start(t, nil)
	code, body := e.Do("POST", "/api/v0.1/webhooks", auth, map[string]any{
		"url": e.Recv.URL, "description": "d", "events": []string{"card.created", "transactions"}, "version": "0.1", "status": "STATUS_ENABLED"})
	if code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	servetest.Golden(t, "v01_webhook", body)
	ws := servetest.JSON(t, body)["webhook_subscription"].(map[string]any)
	id := ws["id"].(string)
	if ws["status"] != "STATUS_ENABLED" || ws["version"] != "0.1" || ws["secret"] == "" {
		t.Fatalf("create answer: %s", body)
	}
	code, body = e.Do("GET", "/api/v0.1/webhooks/", auth, nil)
	if code != 200 {
		t.Fatalf("list: %d %s", code, body)
	}
	servetest.Golden(t, "v01_list", body)
	code, body = e.Do("PATCH", "/api/v0.1/webhooks/"+id, auth, map[string]any{"status": "STATUS_DISABLED", "url": e.Recv.URL + "/new"})
	ws = servetest.JSON(t, body)["webhook_subscription"].(map[string]any)
	if code != 200 || ws["status"] != "STATUS_DISABLED" || ws["url"] != e.Recv.URL+"/new" {
		t.Fatalf("patch: %d %s", code, body)
	}
	// The version may be sent at update too, as a string or a number.
	code, body = e.Do("PATCH", "/api/v0.1/webhooks/"+id, auth, map[string]any{"description": "d2", "version": 0.1})
	if code != 200 || servetest.JSON(t, body)["webhook_subscription"].(map[string]any)["version"] != "0.1" {
		t.Fatalf("patch with version 0.1: %d %s", code, body)
	}
	code, body = e.Do("GET", "/api/v0.1/webhooks/"+id, auth, nil)
	if code != 200 {
		t.Fatalf("get: %d %s", code, body)
	}
	code, body = e.Do("DELETE", "/api/v0.1/webhooks/"+id, auth, nil)
	if code != 200 || servetest.JSON(t, body)["webhook_subscription"].(map[string]any)["id"] != id {
		t.Fatalf("delete returns the deleted object: %d %s", code, body)
	}
	// The subscription was an ordinary hookctl subscription.
	if _, err := e.Store.GetSubscription(t.Context(), id); err == nil {
		t.Fatal("still in the store after DELETE")
	}
}

func TestBadInput(t *testing.T) {
	e := servetest.Start(t, func(o *serve.Options) { o.APIKey = "the-key" })
	good := map[string]string{"Identity": "i", "Authorization": "the-key"}
	valid := map[string]any{"events": []string{"card.created"}, "callback_url": "http://127.0.0.1:1/x"}
	code, body := e.Do("POST", "/api/v0/webhooks", good, valid)
	if code != 200 {
		t.Fatalf("create: %d %s", code, body)
	}
	id := servetest.JSON(t, body)["webhook_id"].(string)
	for _, tc := range []struct {
		name   string
		method string
		path   string
		hdr    map[string]string
		body   any
		status int
		msg    string
	}{
		{"no identity", "POST", "/api/v0/webhooks", map[string]string{"Authorization": "the-key"}, valid, 401, "Identity"},
		{"no authorization", "GET", "/api/v0.1/webhooks", map[string]string{"Identity": "i"}, nil, 401, "Authorization"},
		{"wrong key", "GET", "/api/v0.1/webhooks", map[string]string{"Identity": "i", "Authorization": "nope"}, nil, 403, "not valid"},
		{"unknown events", "POST", "/api/v0/webhooks", good, map[string]any{"events": []string{"card.crated", "kyc.nope"}, "callback_url": "http://x.test"}, 400, "card.crated, kyc.nope"},
		{"unknown wildcard", "POST", "/api/v0/webhooks", good, map[string]any{"events": []string{"nothing.*"}, "callback_url": "http://x.test"}, 400, "nothing.*"},
		{"no url", "POST", "/api/v0/webhooks", good, map[string]any{"events": []string{"card.created"}}, 400, "callback_url is required"},
		{"bad url", "POST", "/api/v0.1/webhooks", good, map[string]any{"events": []string{"card.created"}, "url": "ftp://x"}, 400, "scheme"},
		{"not json", "POST", "/api/v0.1/webhooks", good, "{nope", 400, "not valid JSON"},
		{"wrong type", "POST", "/api/v0.1/webhooks", good, `{"events":"card.created","url":"http://x.test"}`, 400, "wrong type"},
		{"bad status", "POST", "/api/v0.1/webhooks", good, map[string]any{"events": []string{"card.created"}, "url": "http://x.test", "status": "ON"}, 400, `Invalid status \"ON\": use STATUS_ENABLED or STATUS_DISABLED`},
		// v0's hint gives v0's own values, the ones its answers show
		// (it gave v0.1's STATUS_ENABLED/STATUS_DISABLED).
		{"bad v0 status", "POST", "/api/v0/webhooks", good, map[string]any{"events": []string{"card.created"}, "callback_url": "http://x.test", "status": "paused"}, 400, `Invalid status \"paused\": use enabled or disabled`},
		{"bad v0 status at update", "PATCH", "/api/v0/webhooks/$ID", good, map[string]any{"status": "paused"}, 400, `Invalid status \"paused\": use enabled or disabled`},
		// v0.1 is the only version: another is refused, naming the field,
		// not created and answered as "0.1".
		{"unsupported version", "POST", "/api/v0.1/webhooks", good, map[string]any{"events": []string{"card.created"}, "url": "http://x.test", "version": "0.2"}, 400, `Unsupported version \"0.2\"`},
		{"unsupported version number", "POST", "/api/v0.1/webhooks", good, map[string]any{"events": []string{"card.created"}, "url": "http://x.test", "version": 1}, 400, "Unsupported version 1"},
		{"unsupported version at update", "PATCH", "/api/v0.1/webhooks/$ID", good, map[string]any{"description": "x", "version": "0.2"}, 400, `Unsupported version \"0.2\"`},
		{"empty patch", "PATCH", "/api/v0.1/webhooks/00000000-0000-0000-0000-000000000000", good, `{}`, 404, "not found"},
		{"simulate without customer", "POST", "/api/v0.1/simulate/kyc-pass", good, `{}`, 400, "customer_id"},
		{"unknown route", "GET", "/api/v0.1/nothing", good, nil, 404, "No route"},
		{"too large", "POST", "/api/v0/webhooks", good, `{"description":"` + strings.Repeat("x", 1<<20) + `"}`, 413, "1 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := e.Do(tc.method, strings.ReplaceAll(tc.path, "$ID", id), tc.hdr, tc.body)
			if code != tc.status || !strings.Contains(string(body), tc.msg) {
				t.Fatalf("got %d %s; want %d containing %q", code, body, tc.status, tc.msg)
			}
			m := servetest.JSON(t, body)
			if m["Status"] != float64(code) || m["Type"] != "Request Error" || m["Code"] == "" {
				t.Fatalf("not Bond's envelope: %s", body)
			}
		})
	}
	// The refused creates and update changed nothing.
	code, body = e.Do("GET", "/api/v0.1/webhooks", good, nil)
	if subs := servetest.JSON(t, body)["webhook_subscriptions"].([]any); code != 200 || len(subs) != 1 || subs[0].(map[string]any)["description"] != "" {
		t.Fatalf("after the refused calls: %d %s", code, body)
	}
}

func TestConcurrentCreates(t *testing.T) {
	e := servetest.Start(t, nil)
	var wg sync.WaitGroup
	errs := make(chan string, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, body := e.Do("POST", "/api/v0.1/webhooks", auth, map[string]any{"url": fmt.Sprintf("http://127.0.0.1:1/%d", i), "events": []string{"card.created"}})
			if code != 201 {
				errs <- fmt.Sprintf("%d %s", code, body)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	subs, err := e.Store.ListSubscriptions(t.Context(), store.SubscriptionFilter{})
	if err != nil || len(subs) != 40 {
		t.Fatalf("want 40 subscriptions, got %d (%v)", len(subs), err)
	}
}

// Bond's API answers for Bond's subscriptions only: a Stripe endpoint's
// subscription id is 404 to GET, PATCH and DELETE, as it is absent from
// the list (GET returned it, secret and all, and DELETE removed it).
func TestOtherAPIsSubscriptionsAreNotBonds(t *testing.T) {
	e := servetest.Start(t, nil)
	form := map[string]string{"Authorization": "Bearer sk_test_1", "Content-Type": "application/x-www-form-urlencoded"}
	if code, body := e.Do("POST", "/v1/webhook_endpoints", form, "url="+e.Recv.URL+"&enabled_events[]=*"); code != 200 {
		t.Fatalf("stripe: %d %s", code, body)
	}
	subs, err := e.Store.ListSubscriptions(t.Context(), store.SubscriptionFilter{})
	if err != nil || len(subs) != 1 {
		t.Fatalf("%v %v", subs, err)
	}
	id := subs[0].ID
	for _, m := range []string{"GET", "PATCH", "DELETE"} {
		var body any
		if m == "PATCH" {
			body = map[string]any{"description": "x"}
		}
		if code, b := e.Do(m, "/api/v0/webhooks/"+id, auth, body); code != 404 {
			t.Fatalf("%s a Stripe endpoint through Bond's API: %d %s", m, code, b)
		}
	}
	if _, err := e.Store.GetSubscription(t.Context(), id); err != nil {
		t.Fatalf("the Stripe endpoint is gone: %v", err)
	}
}

// A subscription's id is a UUID, taken in any case as the CLI takes it:
// GET, PATCH and DELETE with it in upper case find the subscription
// (they answered 404).
func TestIDAnyCase(t *testing.T) {
	e := servetest.Start(t, nil)
	hdr := map[string]string{"Identity": "i", "Authorization": "k"}
	code, body := e.Do("POST", "/api/v0/webhooks", hdr, map[string]any{"events": []string{"card.created"}, "callback_url": "http://127.0.0.1:1/x"})
	if code != 200 {
		t.Fatalf("create: %d %s", code, body)
	}
	id := servetest.JSON(t, body)["webhook_id"].(string)
	up := strings.ToUpper(id)
	if up == id {
		t.Fatalf("id %s has no letter", id)
	}
	for _, p := range []string{"/api/v0/webhooks/", "/api/v0.1/webhooks/"} {
		if code, body := e.Do("GET", p+up, hdr, nil); code != 200 || !strings.Contains(string(body), id) {
			t.Fatalf("GET %s%s: %d %s, want the subscription %s", p, up, code, body, id)
		}
	}
	if code, body := e.Do("PATCH", "/api/v0.1/webhooks/"+up, hdr, map[string]any{"description": "d"}); code != 200 || !strings.Contains(string(body), id) {
		t.Fatalf("PATCH upper case: %d %s", code, body)
	}
	if code, body := e.Do("DELETE", "/api/v0/webhooks/"+up, hdr, nil); code != 200 || !strings.Contains(string(body), id) {
		t.Fatalf("DELETE upper case: %d %s", code, body)
	}
	if code, body := e.Do("GET", "/api/v0/webhooks/"+id, hdr, nil); code != 404 {
		t.Fatalf("after DELETE: %d %s", code, body)
	}
}

// A method Bond does not serve on a path it serves (PUT on a
// subscription) is 405 with Allow, in Bond's envelope; it was 404
// route_not_found, as if the path did not exist.
func TestMethodNotAllowed(t *testing.T) {
	e := servetest.Start(t, nil)
	hdr := map[string]string{"Identity": "i", "Authorization": "k"}
	for _, c := range []struct{ method, path, allow string }{
		{"PUT", "/api/v0/webhooks/00000000-0000-0000-0000-000000000000", "GET, HEAD, PATCH, DELETE"},
		{"PUT", "/api/v0.1/webhooks/00000000-0000-0000-0000-000000000000/", "GET, HEAD, PATCH, DELETE"},
		{"DELETE", "/api/v0.1/webhooks", "POST, GET, HEAD"},
		{"GET", "/api/v0.1/simulate/kyc-pass", "POST"},
	} {
		req, _ := http.NewRequest(c.method, e.URL+c.path, strings.NewReader(`{}`))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != c.allow {
			t.Fatalf("%s %s: %d Allow %q %s, want 405 Allow %q", c.method, c.path, resp.StatusCode, resp.Header.Get("Allow"), body, c.allow)
		}
		m := servetest.JSON(t, body)
		if m["Status"] != float64(405) || m["Type"] != "Request Error" || m["Code"] != "method_not_allowed" || !strings.Contains(m["Message"].(string), "use "+c.allow) {
			t.Fatalf("%s %s: %s, not Bond's envelope naming the methods", c.method, c.path, body)
		}
	}
	// A path Bond does not serve is still 404.
	if code, body := e.Do("PUT", "/api/v0.1/nothing", hdr, nil); code != 404 || !strings.Contains(string(body), "route_not_found") {
		t.Fatalf("PUT on no route: %d %s", code, body)
	}
}
