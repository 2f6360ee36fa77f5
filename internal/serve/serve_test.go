package serve_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
)

func subscribe(t *testing.T, e *servetest.Env, events ...string) *store.Subscription {
	t.Helper()
	s, err := (&subscription.Service{Store: e.Store}).Create(t.Context(), subscription.CreateInput{URL: e.Recv.URL + "/hook", Events: events})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func waitStatus(t *testing.T, e *servetest.Env, status string, n int) []any {
	t.Helper()
	for range 250 {
		_, body := e.Do("GET", "/_hookctl/deliveries?status="+status, nil, nil)
		if d := servetest.JSON(t, body)["data"].([]any); len(d) >= n {
			return d
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %d %s deliveries", n, status)
	return nil
}

func TestControlTriggerEventsDeliveriesReplay(t *testing.T) {
	e := servetest.Start(t, nil)
	sub := subscribe(t, e, "card.*")
	code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "card.created", "set": map[string]string{"card.last_four": "4242"}})
	if code != 201 {
		t.Fatalf("trigger: %d %s", code, body)
	}
	servetest.Golden(t, "trigger", body)
	tr := servetest.JSON(t, body)
	if d := tr["deliveries"].([]any); len(d) != 1 || d[0].(map[string]any)["subscription_id"] != sub.ID {
		t.Fatalf("deliveries: %s", body)
	}
	got := e.Recv.Next(t, 5*time.Second)
	if !strings.Contains(string(got.Body), `"last_four":"4242"`) {
		t.Fatalf("set not applied: %s", got.Body)
	}
	code, body = e.Do("GET", "/_hookctl/events", nil, nil)
	if code != 200 || !strings.Contains(string(body), tr["event"].(map[string]any)["id"].(string)) {
		t.Fatalf("events: %d %s", code, body)
	}
	servetest.Golden(t, "events", body)
	d := waitStatus(t, e, "succeeded", 1)[0].(map[string]any)
	code, body = e.Do("GET", "/_hookctl/deliveries/"+d["id"].(string), nil, nil)
	if code != 200 || !strings.Contains(string(body), `"attempts"`) {
		t.Fatalf("delivery: %d %s", code, body)
	}
	servetest.Golden(t, "delivery", body)

	// A failed delivery replays with the same bytes.
	e.Recv.SetStatus(503)
	e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "card.status.lost"})
	first := e.Recv.Next(t, 5*time.Second)
	e.Recv.Next(t, 5*time.Second)
	e.Recv.Next(t, 5*time.Second)
	waitStatus(t, e, "failed", 1)
	e.Recv.SetStatus(200)
	code, body = e.Do("POST", "/_hookctl/replay", nil, map[string]any{"failed": true})
	replayed, _ := servetest.JSON(t, body)["replayed"].([]any)
	if code != 200 || len(replayed) != 1 {
		t.Fatalf("replay: %d %s", code, body)
	}
	if again := e.Recv.Next(t, 5*time.Second); string(again.Body) != string(first.Body) {
		t.Fatalf("replay bytes differ")
	}
	// The replay's attempt is the one marked manual: the three of the
	// schedule before it are not.
	var manual []string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		code, body = e.Do("GET", "/_hookctl/deliveries/"+replayed[0].(string), nil, nil)
		atts, _ := servetest.JSON(t, body)["attempts"].([]any)
		if code == 200 && len(atts) == 4 {
			manual = nil
			for _, a := range atts {
				a := a.(map[string]any)
				manual = append(manual, fmt.Sprint(a["number"], ":", a["manual"]))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replayed delivery: %d %s", code, body)
		}
	}
	if got := strings.Join(manual, " "); got != "1:<nil> 2:<nil> 3:<nil> 4:true" {
		t.Fatalf("attempts' manual: %s, want only the replay's (4) true", got)
	}
}

func TestReset(t *testing.T) {
	e := servetest.Start(t, nil)
	subscribe(t, e, "*")
	code, body := e.Do("POST", "/_hookctl/reset", nil, nil)
	if code != 403 || !strings.Contains(string(body), "--allow-reset") {
		t.Fatalf("reset without --allow-reset: %d %s", code, body)
	}
	e2 := servetest.Start(t, func(o *serve.Options) { o.AllowReset = true })
	subscribe(t, e2, "*")
	if code, _ := e2.Do("POST", "/api/v1/app", map[string]string{"Authorization": "Bearer k"}, `{"name":"Shop","uid":"shop"}`); code != 201 {
		t.Fatal("app")
	}
	e2.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "card.created"})
	e2.Recv.Next(t, 5*time.Second)
	if code, body := e2.Do("POST", "/_hookctl/reset", nil, nil); code != 200 {
		t.Fatalf("reset: %d %s", code, body)
	}
	if code, _ := e2.Do("GET", "/api/v1/app/shop", map[string]string{"Authorization": "Bearer k"}, nil); code != 404 {
		t.Fatalf("Svix applications survive a reset: %d", code)
	}
	info, err := e2.Store.Info(t.Context())
	if err != nil || info.Subscriptions+info.Events+info.Deliveries+info.Attempts != 0 {
		t.Fatalf("store not empty after reset: %+v %v", info, err)
	}
}

func TestFaults(t *testing.T) {
	e := servetest.Start(t, nil)
	sub := subscribe(t, e, "card.created")
	// A forced status: the app gets the request, hookctl records 503 and
	// retries, so the app sees the same event again.
	code, body := e.Do("POST", "/_hookctl/faults", nil, map[string]any{"subscription": sub.ID, "count": 1, "status": 503})
	if code != 201 {
		t.Fatalf("arm: %d %s", code, body)
	}
	e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "card.created"})
	a := e.Recv.Next(t, 5*time.Second)
	b := e.Recv.Next(t, 5*time.Second)
	if a.Header.Get("Bond-Signature") == "" || string(a.Body) != string(b.Body) {
		t.Fatal("the retry after an injected 503 carries the same event")
	}
	d := waitStatus(t, e, "succeeded", 1)[0].(map[string]any)
	_, body = e.Do("GET", "/_hookctl/deliveries/"+d["id"].(string), nil, nil)
	var dj struct {
		Attempts []struct {
			Response struct{ Status int }
		}
	}
	json.Unmarshal(body, &dj)
	if len(dj.Attempts) != 2 || dj.Attempts[0].Response.Status != 503 || dj.Attempts[1].Response.Status != 200 {
		t.Fatalf("attempts: %s", body)
	}
	// Drop: recorded as a dropped connection, then retried.
	e.Do("POST", "/_hookctl/faults", nil, map[string]any{"subscription": sub.ID, "count": 1, "drop": true})
	e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "card.created"})
	e.Recv.Next(t, 5*time.Second)
	e.Recv.Next(t, 5*time.Second)
	// Delay.
	e.Do("POST", "/_hookctl/faults", nil, map[string]any{"subscription": sub.ID, "delay_ms": 300})
	start := time.Now()
	e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "card.created"})
	e.Recv.Next(t, 5*time.Second)
	if el := time.Since(start); el < 300*time.Millisecond {
		t.Fatalf("delay not applied: %s", el)
	}
	_, body = e.Do("GET", "/_hookctl/faults", nil, nil)
	if !strings.Contains(string(body), `"data":[]`) {
		t.Fatalf("faults are used up: %s", body)
	}
	for _, bad := range []string{`{}`, `{"subscription":"` + sub.ID + `"}`, `{"subscription":"` + sub.ID + `","status":42}`, `{"subscription":"` + sub.ID + `","count":-1,"drop":true}`} {
		if code, body := e.Do("POST", "/_hookctl/faults", nil, bad); code != 400 {
			t.Errorf("%s: %d %s", bad, code, body)
		}
	}
}

func TestOpenAPIListsEveryRoute(t *testing.T) {
	e := servetest.Start(t, nil)
	code, body := e.Do("GET", "/_hookctl/openapi.json", nil, nil)
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	var doc struct {
		OpenAPI string
		Paths   map[string]map[string]any
	}
	json.Unmarshal(body, &doc)
	n := 0
	for _, ops := range doc.Paths {
		n += len(ops)
	}
	for _, p := range []string{"/api/v0/webhooks", "/api/v0.1/simulate/kyc-pass", "/v1/webhook_endpoints/{id}", "/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret",
		"/api/communications/messages:resendAsyncByDate", "/_hookctl/faults"} {
		if doc.Paths[p] == nil {
			t.Errorf("openapi misses %s", p)
		}
	}
	if doc.OpenAPI != "3.1.0" || n < 50 {
		t.Fatalf("openapi %s with %d operations", doc.OpenAPI, n)
	}
}

func TestIndexHealthNotFoundAndLimits(t *testing.T) {
	e := servetest.Start(t, nil)
	if code, body := e.Do("GET", "/", nil, nil); code != 200 || !strings.Contains(string(body), `"openapi":"/_hookctl/openapi.json"`) {
		t.Fatalf("index: %d %s", code, body)
	}
	if code, body := e.Do("GET", "/_hookctl/health/", nil, nil); code != 200 || !strings.Contains(string(body), `"status":"ok"`) {
		t.Fatalf("health: %d %s", code, body)
	}
	// Roots of the providers' trees answer 404 in their shape, not a
	// redirect loop.
	for path, want := range map[string]string{"/v1/": `"error"`, "/v1": `"error"`, "/api/v0/": `"Message"`, "/api/v1": `"detail"`, "/_hookctl": `"error"`, "/nothing": `"error"`} {
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Get(e.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		buf := make([]byte, 4096)
		n, _ := resp.Body.Read(buf)
		b.Write(buf[:n])
		resp.Body.Close()
		if resp.StatusCode != 404 || !strings.Contains(b.String(), want) || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d %s", path, resp.StatusCode, b.String())
		}
	}
	if code, body := e.Do("POST", "/_hookctl/trigger", nil, `{"type":"card.created","data":"`+strings.Repeat("x", 1<<20)+`"}`); code != 413 {
		t.Fatalf("over 1 MiB: %d %s", code, body)
	}
	// A DELETE's handler reads no body: one over 1 MiB is refused before
	// it runs (it disarmed the faults and answered 200), in the API's JSON.
	if code, body := e.Do("DELETE", "/_hookctl/faults", nil, strings.Repeat("x", 1<<20+1)); code != 413 || !strings.Contains(string(body), `"error"`) {
		t.Fatalf("DELETE with a body over 1 MiB: %d %s", code, body)
	}
	for _, tc := range []struct{ body, want string }{
		{`{}`, "type is required"},
		{`{"type":"card.crated"}`, "did you mean"},
		{`nope`, "not valid JSON"},
		{`{"type":"card.created","set":{"..":"x"}}`, "set:"},
	} {
		if code, body := e.Do("POST", "/_hookctl/trigger", nil, tc.body); code != 400 || !strings.Contains(string(body), tc.want) {
			t.Errorf("trigger %s: %d %s", tc.body, code, body)
		}
	}
	if code, body := e.Do("POST", "/_hookctl/trigger", nil, `{"type":"card.created"}`); code != 422 || !strings.Contains(string(body), "no_subscription") {
		t.Errorf("trigger with nobody subscribed: %d %s", code, body)
	}
	if code, _ := e.Do("GET", "/_hookctl/deliveries?status=lost", nil, nil); code != 400 {
		t.Errorf("bad status filter: %d", code)
	}
}

func TestAPIKeyAndUIMount(t *testing.T) {
	ui := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ui:" + r.URL.Path)) })
	e := servetest.Start(t, func(o *serve.Options) { o.APIKey = "k"; o.UI = ui })
	if code, _ := e.Do("GET", "/_hookctl/events", nil, nil); code != 401 {
		t.Fatalf("control API without the key: %d", code)
	}
	if code, _ := e.Do("GET", "/_hookctl/events", map[string]string{"Authorization": "Bearer k"}, nil); code != 200 {
		t.Fatalf("control API with the key: %d", code)
	}
	if code, _ := e.Do("GET", "/_hookctl/health", nil, nil); code != 200 {
		t.Fatalf("health needs no key: %d", code)
	}
	if code, body := e.Do("GET", "/deliveries/", nil, nil); code != 200 || string(body) != "ui:/deliveries/" {
		t.Fatalf("UI at /: %d %s", code, body)
	}
}

// serve -k: the in-process worker sends to an https receiver with a
// self-signed certificate; without it the attempt fails on the
// certificate (and is retried, not sent).
func TestInsecureWorkerSendsToSelfSignedReceiver(t *testing.T) {
	got := make(chan string, 10)
	tlsRecv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.URL.Path
	}))
	tlsRecv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	tlsRecv.StartTLS()
	defer tlsRecv.Close()
	for _, insecure := range []bool{false, true} {
		e := servetest.Start(t, func(o *serve.Options) { o.Insecure = insecure })
		if _, err := (&subscription.Service{Store: e.Store}).Create(t.Context(), subscription.CreateInput{URL: tlsRecv.URL + "/tls", Events: []string{"card.*"}}); err != nil {
			t.Fatal(err)
		}
		if code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "card.created"}); code != 201 {
			t.Fatalf("trigger: %d %s", code, body)
		}
		if !insecure {
			d := waitStatus(t, e, "failed", 1)[0].(map[string]any)
			if !strings.Contains(fmt.Sprint(d["last_error"]), "x509: ") {
				t.Fatalf("without -k: %v, want a certificate error", d)
			}
			select {
			case p := <-got:
				t.Fatalf("without -k the receiver got %s", p)
			default:
			}
			continue
		}
		waitStatus(t, e, "succeeded", 1)
		if p := <-got; p != "/tls" {
			t.Fatalf("path %s", p)
		}
	}
}

// The control API's faults and trigger take the ids an SDK user has for a
// subscription: Stripe's we_…, Svix's ep_… and an endpoint's uid (unique
// across applications; a uid two applications' endpoints have is
// ambiguous), besides hookctl's own id. They took hookctl's id only, which
// the provider APIs never show.
func TestControlTakesProviderIDs(t *testing.T) {
	e := servetest.Start(t, nil)
	svixH := map[string]string{"Authorization": "Bearer testsk"}
	form := map[string]string{"Authorization": "Bearer sk_test_1", "Content-Type": "application/x-www-form-urlencoded"}
	code, body := e.Do("POST", "/v1/webhook_endpoints", form, "url="+e.Recv.URL+"&enabled_events[]=payment.succeeded")
	if code != 200 {
		t.Fatalf("stripe endpoint: %d %s", code, body)
	}
	we := servetest.JSON(t, body)["id"].(string)
	var eps []string
	for _, app := range []string{"a", "b"} {
		if code, body := e.Do("POST", "/api/v1/app", svixH, map[string]any{"name": app, "uid": app}); code != 201 {
			t.Fatalf("app: %d %s", code, body)
		}
		for _, uid := range []string{"orders", app + "-only"} {
			code, body := e.Do("POST", "/api/v1/app/"+app+"/endpoint", svixH, map[string]any{"url": e.Recv.URL, "uid": uid})
			if code != 201 {
				t.Fatalf("endpoint: %d %s", code, body)
			}
			eps = append(eps, servetest.JSON(t, body)["id"].(string))
		}
	}
	subOf := func(key, value string) string {
		t.Helper()
		subs, err := e.Store.ListSubscriptions(t.Context(), store.SubscriptionFilter{Meta: map[string]string{key: value}})
		if err != nil || len(subs) != 1 {
			t.Fatalf("the subscription with %s=%s: %v %v", key, value, subs, err)
		}
		return subs[0].ID
	}
	for _, tc := range []struct{ id, want string }{
		{we, subOf("stripe_id", we)},
		{eps[0], subOf("svix_id", eps[0])},
		{"b-only", subOf("svix_id", eps[3])},
		{subOf("svix_id", eps[1]), subOf("svix_id", eps[1])},
	} {
		code, body := e.Do("POST", "/_hookctl/faults", nil, map[string]any{"subscription": tc.id, "count": 1, "status": 503})
		if code != 201 || servetest.JSON(t, body)["subscription"] != tc.want {
			t.Errorf("fault for %s: %d %s, want subscription %s", tc.id, code, body, tc.want)
		}
	}
	e.Do("DELETE", "/_hookctl/faults", nil, nil)
	for _, tc := range []struct{ id, typ, want string }{
		{we, "payment.succeeded", subOf("stripe_id", we)},
		{eps[2], "invoice.paid", subOf("svix_id", eps[2])},
		{"a-only", "invoice.paid", subOf("svix_id", eps[1])},
	} {
		code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": tc.typ, "subscription": tc.id})
		var p struct {
			Deliveries []struct {
				Subscription string `json:"subscription_id"`
			} `json:"deliveries"`
		}
		json.Unmarshal(body, &p)
		if code != 201 || len(p.Deliveries) != 1 || p.Deliveries[0].Subscription != tc.want {
			t.Errorf("trigger for %s: %d %s, want one delivery to %s", tc.id, code, body, tc.want)
		}
	}
	for _, tc := range []struct {
		id   string
		code int
	}{{"orders", 400}, {"ep_nope", 404}, {"we_nope", 404}} {
		if code, body := e.Do("POST", "/_hookctl/faults", nil, map[string]any{"subscription": tc.id, "count": 1, "status": 503}); code != tc.code {
			t.Errorf("fault for %s: %d %s, want %d", tc.id, code, body, tc.code)
		}
	}
}

// The control API's list filters say when they cannot match: deliveries'
// ?subscription= takes the ids trigger and faults take (Stripe's we_…,
// Svix's ep_… or uid, a prefix of hookctl's id) and an unknown one is a
// 404 naming it; ?event= and the events' ?type= refuse a pattern that can
// match nothing ('card*'), and ?source= a source that does not exist. All
// were an empty list: a test asserting on
// /_hookctl/deliveries?subscription=we_… saw no deliveries.
func TestControlListFiltersSayWhy(t *testing.T) {
	e := servetest.Start(t, nil)
	form := map[string]string{"Authorization": "Bearer sk_test_1", "Content-Type": "application/x-www-form-urlencoded"}
	code, body := e.Do("POST", "/v1/webhook_endpoints", form, "url="+e.Recv.URL+"&enabled_events[]=payment.succeeded")
	if code != 200 {
		t.Fatalf("stripe endpoint: %d %s", code, body)
	}
	we := servetest.JSON(t, body)["id"].(string)
	code, body = e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "payment.succeeded"})
	if code != 201 {
		t.Fatalf("trigger: %d %s", code, body)
	}
	sub := servetest.JSON(t, body)["deliveries"].([]any)[0].(map[string]any)["subscription_id"].(string)
	e.Recv.Next(t, 5*time.Second)
	for _, id := range []string{we, sub, sub[:8]} {
		code, body := e.Do("GET", "/_hookctl/deliveries?subscription="+id, nil, nil)
		var l struct{ Data []map[string]any }
		json.Unmarshal(body, &l)
		if code != 200 || len(l.Data) != 1 || l.Data[0]["subscription_id"] != sub {
			t.Errorf("deliveries?subscription=%s: %d %s, want the delivery", id, code, body)
		}
	}
	for _, tc := range []struct{ path, want string }{
		{"/_hookctl/deliveries?subscription=we_nope", `subscription \"we_nope\" not found`},
		{"/_hookctl/deliveries?event=payment*", "invalid event"},
		{"/_hookctl/events?type=payment*", "invalid type"},
		{"/_hookctl/events?source=api", "source must be"},
	} {
		code, body := e.Do("GET", tc.path, nil, nil)
		if code/100 != 4 || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s: %d %s, want a 4xx saying %s", tc.path, code, body, tc.want)
		}
	}
	if code, body := e.Do("GET", "/_hookctl/deliveries?event=payment.*", nil, nil); code != 200 || !strings.Contains(string(body), sub) {
		t.Errorf("event=payment.*: %d %s", code, body)
	}
}

// Triggering to a disabled subscription is a 409 saying so, with how to
// enable it: it was a 500 "the store failed: subscription … is disabled".
func TestControlTriggerToDisabledSubscription(t *testing.T) {
	e := servetest.Start(t, nil)
	bond := map[string]string{"Identity": "i", "Authorization": "k"}
	code, body := e.Do("POST", "/api/v0/webhooks", bond, map[string]any{"events": []string{"card.created"}, "callback_url": e.Recv.URL, "status": "disabled"})
	if code != 200 {
		t.Fatalf("bond: %d %s", code, body)
	}
	id := servetest.JSON(t, body)["webhook_id"].(string)
	code, body = e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "card.created", "subscription": id})
	if code != 409 || !strings.Contains(string(body), `"code":"subscription_disabled"`) || !strings.Contains(string(body), "enable") {
		t.Fatalf("trigger to a disabled subscription: %d %s, want 409 subscription_disabled", code, body)
	}
	e.Recv.None(t, 200*time.Millisecond)
}

// A replay of a succeeded delivery without force is not requeued, and the
// answer says so ("skipped", with the reason and how to force it); with
// force it is. It was {"replayed": []} with no word why.
func TestControlReplaySaysWhatItSkipped(t *testing.T) {
	e := servetest.Start(t, nil)
	bond := map[string]string{"Identity": "i", "Authorization": "k"}
	if code, body := e.Do("POST", "/api/v0/webhooks", bond, map[string]any{"events": []string{"card.created"}, "callback_url": e.Recv.URL}); code != 200 {
		t.Fatalf("bond: %d %s", code, body)
	}
	code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "card.created"})
	if code != 201 {
		t.Fatalf("trigger: %d %s", code, body)
	}
	id := servetest.JSON(t, body)["deliveries"].([]any)[0].(map[string]any)["id"].(string)
	e.Recv.Next(t, 5*time.Second)
	waitStatus(t, e, "succeeded", 1)
	code, body = e.Do("POST", "/_hookctl/replay", nil, map[string]any{"ids": []string{id}})
	var got struct {
		Replayed []string
		Skipped  []struct{ ID, Reason string }
	}
	if err := json.Unmarshal(body, &got); err != nil || code != 200 || len(got.Replayed) != 0 || len(got.Skipped) != 1 ||
		got.Skipped[0].ID != id || !strings.Contains(got.Skipped[0].Reason, `"force": true`) {
		t.Fatalf("replay of a succeeded delivery: %d %s, want it skipped, saying to force it", code, body)
	}
	e.Recv.None(t, 200*time.Millisecond)
	code, body = e.Do("POST", "/_hookctl/replay", nil, map[string]any{"ids": []string{id}, "force": true})
	if code != 200 || !strings.Contains(string(body), `"replayed":["`+id+`"],"skipped":[]`) {
		t.Fatalf("forced replay: %d %s", code, body)
	}
	e.Recv.Next(t, 5*time.Second)
}

// The control API's replay of every failed delivery resends what the
// CLI's replay --failed does: not hookctl check's probes, which receivers
// refuse on purpose (a tampered or stale one resent with a fresh, valid
// signature would be processed), nor listen's forwards of a delivery
// hookctl sent.
func TestControlReplayFailedLeavesProbesOut(t *testing.T) {
	e := servetest.Start(t, nil)
	ctx := context.Background()
	at := time.Now().Add(-time.Minute).UTC()
	recs := []store.Record{
		{Event: &store.Event{ID: "evt_probe", Type: "card.created", Provider: "bond", Payload: []byte(`{}`), Source: store.SourceTriggered, CreatedAt: at}},
		{Event: &store.Event{ID: "evt_real", Type: "card.created", Provider: "bond", Payload: []byte(`{}`), Source: store.SourceTriggered, CreatedAt: at}},
		{Delivery: &store.Delivery{ID: "d-probe", EventID: "evt_probe", URL: e.Recv.URL, Status: store.DeliveryFailed, Kind: store.KindProbe,
			AttemptCount: 1, MaxAttempts: 1, Schedule: "0s", CreatedAt: at, UpdatedAt: at}},
		{Delivery: &store.Delivery{ID: "d-real", EventID: "evt_real", URL: e.Recv.URL, Status: store.DeliveryFailed,
			AttemptCount: 1, MaxAttempts: 1, Schedule: "0s", CreatedAt: at, UpdatedAt: at}},
	}
	for _, r := range recs {
		if err := e.Store.Import(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	code, body := e.Do("POST", "/_hookctl/replay", nil, map[string]any{"failed": true})
	if code != 200 || !strings.Contains(string(body), `"replayed":["d-real"]`) {
		t.Fatalf("replay failed: %d %s, want d-real only", code, body)
	}
	e.Recv.Next(t, 5*time.Second)
	e.Recv.None(t, 300*time.Millisecond)
}
