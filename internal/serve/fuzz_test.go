package serve_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/subscription"
)

// The fuzz targets of this file (and fuzz_svix_test.go) send one fuzzed
// request (method, request target, header lines, body; with or without
// the provider's credentials) to the composed handler of `hookctl serve`
// over a real SQLite store, and check what any client may rely on:
//
//   - no panic, no hang, no 5xx (no store outage is simulated here, so
//     not even the documented 503);
//   - an answer with a body is JSON (Content-Type application/json), and
//     an error is in the envelope of the API that owns the path;
//   - a refused request (4xx) changed nothing: the subscriptions, events,
//     deliveries and Svix's applications and event types are as before;
//   - afterwards the provider's list endpoints still answer 200 with JSON
//     (nothing the request stored broke them).
//
// One server per fuzz worker process: the store is reset (and its
// fixtures made again) when it grows. Placeholders in the fuzzed
// strings ($BOND, $WE, $SUB, $EVT, $STRIPEEVT, $DLV, $FAILED, $APP, $EP, $MSG) are
// replaced by the ids of those fixtures, so that the fuzzer reaches the
// handlers' work on existing objects, not only their 404s.

// fuzzEnv is one worker's server.
type fuzzEnv struct {
	tb  testing.TB
	st  store.Store
	h   http.Handler
	ids map[string]string
	// The state after the previous input: the store's rows and Svix's
	// applications and event types (read through its API), and the
	// store's data_version then, read on a
	// connection of its own (it changes when the store commits: the rows
	// are compared only then).
	snapStore, snapSvix string
	dv                  int64
	fresh               bool
	ver                 *sql.DB
	lists               []fuzzList
	// more checks the state further after a request that may have
	// changed it (nil: nothing more).
	more func(t *testing.T) string
}

// fuzzList is a request that must answer 200 with JSON after every input.
type fuzzList struct {
	method, target, body string
	header               map[string]string
}

var (
	bondAuth   = map[string]string{"Identity": "ident-1", "Authorization": "key-1", "Content-Type": "application/json"}
	stripeAuth = map[string]string{"Authorization": "Bearer sk_test_fuzz", "Content-Type": "application/x-www-form-urlencoded"}
	svixAuth   = map[string]string{"Authorization": "Bearer testsk_fuzz", "Content-Type": "application/json"}
	mambuAuth  = map[string]string{"apiKey": "k", "Content-Type": "application/json", "Accept": "application/vnd.mambu.v2+json"}
	ctlAuth    = map[string]string{"Content-Type": "application/json"}
)

func newFuzzEnv(tb testing.TB, lists ...fuzzList) *fuzzEnv {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "hookctl.db")
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	ver, err := sql.Open("sqlite", path)
	if err != nil {
		tb.Fatal(err)
	}
	ver.SetMaxOpenConns(1)
	ver.SetConnMaxLifetime(0)
	tb.Cleanup(func() { ver.Close() })
	s, err := serve.New(serve.Options{Store: st, NoWorker: true, AllowReset: true, Version: "fuzz"})
	if err != nil {
		tb.Fatal(err)
	}
	e := &fuzzEnv{tb: tb, st: st, h: s.Handler(), lists: lists, ver: ver}
	e.fixtures()
	return e
}

// do sends one well-formed request (fixtures, lists, snapshots).
func (e *fuzzEnv) do(method, target string, header map[string]string, body string) (int, []byte) {
	e.tb.Helper()
	req := httptest.NewRequest(method, "http://127.0.0.1:8080"+target, strings.NewReader(body))
	req.RemoteAddr = "127.0.0.1:40000"
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

func (e *fuzzEnv) must(want int, method, target string, header map[string]string, body string) map[string]any {
	e.tb.Helper()
	code, out := e.do(method, target, header, body)
	if code != want {
		e.tb.Fatalf("fixture %s %s: %d %s", method, target, code, out)
	}
	var m map[string]any
	json.Unmarshal(out, &m)
	return m
}

// fixtures empties the store and makes one object of each kind.
func (e *fuzzEnv) fixtures() {
	e.must(200, "POST", "/_hookctl/reset", ctlAuth, "")
	const hook = "http://127.0.0.1:9/hook"
	e.ids = map[string]string{}
	m := e.must(200, "POST", "/api/v0/webhooks", bondAuth, `{"events":["card.*","kyc.verification.*"],"callback_url":"`+hook+`","description":"fuzz"}`)
	e.ids["$BOND"] = m["webhook_id"].(string)
	e.ids["$SUB"] = e.ids["$BOND"]
	m = e.must(200, "POST", "/v1/webhook_endpoints", stripeAuth, "url="+hook+"&enabled_events[]=*&metadata[k]=v&description=d")
	e.ids["$WE"] = m["id"].(string)
	e.must(201, "POST", "/api/v1/app", svixAuth, `{"name":"Fuzz","uid":"fuzzapp"}`)
	e.ids["$APP"] = "fuzzapp"
	// filterTypes must name declared event types, as on Svix.
	e.must(201, "POST", "/api/v1/event-type", svixAuth, `{"name":"user.created","description":"A user"}`)
	e.must(201, "POST", "/api/v1/app/fuzzapp/endpoint", svixAuth, `{"url":"`+hook+`","uid":"fuzzep","filterTypes":["user.created"]}`)
	e.ids["$EP"] = "fuzzep"
	m = e.must(202, "POST", "/api/v1/app/fuzzapp/msg", svixAuth, `{"eventType":"user.created","payload":{"id":1},"eventId":"evt-fuzz"}`)
	e.ids["$MSG"] = m["id"].(string)
	e.must(201, "POST", "/api/v0.1/webhooks", bondAuth, `{"url":"`+hook+`","events":["card.created"],"version":"0.1"}`)
	svc := &subscription.Service{Store: e.st}
	if _, err := svc.Create(context.Background(), subscription.CreateInput{URL: hook, Events: []string{"loan.*"}, Provider: "mambu"}); err != nil {
		e.tb.Fatal(err)
	}
	e.must(201, "POST", "/_hookctl/trigger", ctlAuth, `{"type":"loan.disbursed","provider":"mambu"}`)
	m = e.must(201, "POST", "/_hookctl/trigger", ctlAuth, `{"type":"charge.succeeded","provider":"stripe"}`)
	e.ids["$STRIPEEVT"] = m["event"].(map[string]any)["id"].(string)
	m = e.must(201, "POST", "/_hookctl/trigger", ctlAuth, `{"type":"card.created","set":{"card.last_four":"4242"}}`)
	e.ids["$EVT"] = m["event"].(map[string]any)["id"].(string)
	e.ids["$DLV"] = m["deliveries"].([]any)[0].(map[string]any)["id"].(string)
	// Every delivery so far fails (Mambu resends FAILED messages only;
	// replay -failed takes them); the one of $DLV stays pending.
	ctx := context.Background()
	due, err := e.st.ClaimDue(ctx, "fuzz", time.Now().Add(time.Hour), time.Minute, 100, "")
	if err != nil {
		e.tb.Fatal(err)
	}
	for _, d := range due {
		if d.ID == e.ids["$DLV"] {
			continue
		}
		e.ids["$FAILED"] = d.ID
		a := &store.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: time.Now(), RequestURL: d.URL, RequestMethod: "POST", ResponseStatus: 500}
		if err := e.st.RecordAttempt(ctx, "fuzz", a, store.DeliveryUpdate{Status: "failed", LastStatus: 500}); err != nil {
			e.tb.Fatal(err)
		}
	}
	e.refresh()
}

// refresh takes the state (before a request, after one that may have
// changed it).
func (e *fuzzEnv) refresh() {
	e.dv, e.snapStore, e.snapSvix, e.fresh = e.dataVersion(), e.storeState(), e.svixState(), true
}

func (e *fuzzEnv) dataVersion() int64 {
	var v int64
	if err := e.ver.QueryRow("PRAGMA data_version").Scan(&v); err != nil {
		e.tb.Fatalf("data_version: %v", err)
	}
	return v
}

// storeState is what the store holds.
func (e *fuzzEnv) storeState() string {
	e.tb.Helper()
	ctx := context.Background()
	var b strings.Builder
	subs, err := e.st.ListSubscriptions(ctx, store.SubscriptionFilter{})
	if err != nil {
		e.tb.Fatalf("list subscriptions: %v", err)
	}
	evs, err := e.st.ListEvents(ctx, store.EventFilter{})
	if err != nil {
		e.tb.Fatalf("list events: %v", err)
	}
	dls, err := e.st.ListDeliveries(ctx, store.DeliveryFilter{})
	if err != nil {
		e.tb.Fatalf("list deliveries: %v", err)
	}
	for _, v := range []any{subs, evs, dls} {
		j, _ := json.Marshal(v)
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}

// svixState is what Svix keeps itself: applications and event types.
func (e *fuzzEnv) svixState() string {
	var b strings.Builder
	for _, t := range []string{"/api/v1/app?limit=250", "/api/v1/event-type?limit=250&include_archived=true&with_content=true"} {
		code, out := e.do("GET", t, svixAuth, "")
		if code != 200 {
			e.tb.Fatalf("GET %s: %d %s", t, code, out)
		}
		b.Write(out)
	}
	return b.String()
}

// fill replaces the placeholders by the fixtures' ids.
func (e *fuzzEnv) fill(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	for k, v := range e.ids {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

// rawRequest is the request a client would send: fuzzed header lines
// first, then the provider's defaults for those it did not set (its
// credentials only when auth).
func rawRequest(method, target, headers string, body []byte, defaults map[string]string, auth bool) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n", method, target)
	set := map[string]bool{}
	for _, l := range strings.Split(headers, "\n") {
		l = strings.TrimRight(l, "\r")
		k, _, ok := strings.Cut(l, ":")
		if !ok || strings.EqualFold(strings.TrimSpace(k), "Host") || strings.EqualFold(strings.TrimSpace(k), "Content-Length") {
			continue
		}
		set[http.CanonicalHeaderKey(strings.TrimSpace(k))] = true
		b.WriteString(l + "\r\n")
	}
	for k, v := range defaults {
		if set[http.CanonicalHeaderKey(k)] || (!auth && k != "Content-Type" && k != "Accept") {
			continue
		}
		b.WriteString(k + ": " + v + "\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
	b.Write(body)
	return b.Bytes()
}

// fuzzOne runs one input and checks the invariants.
func (e *fuzzEnv) fuzzOne(t *testing.T, method, target, headers string, body []byte, defaults map[string]string, auth bool, v string) {
	e.tb = t // (the F's helpers must not be called inside the target)
	if !e.fresh {
		e.refresh()
	}
	// $V in the target is v escaped for a URL's path or query, in the
	// headers v itself, in the body a JSON string (form-encoded for
	// Stripe): the request stays well formed while v is anything.
	jv, _ := json.Marshal(v)
	fv := string(jv)
	if envelopeOf(e.fill(target)) == "stripe" {
		fv = url.QueryEscape(v)
	}
	target = strings.ReplaceAll(target, "$V", url.PathEscape(v))
	headers = strings.ReplaceAll(headers, "$V", v)
	body = bytes.ReplaceAll(body, []byte("$V"), []byte(fv))
	raw := rawRequest(e.fill(method), e.fill(target), e.fill(headers), []byte(e.fill(string(body))), defaults, auth)
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return // Go's server answers 400 itself
	}
	if strings.HasSuffix(strings.TrimRight(req.URL.Path, "/"), "/_hookctl/reset") {
		return // meant to change everything (and tested elsewhere)
	}
	req.RemoteAddr = "127.0.0.1:40000"
	req.URL.Scheme, req.URL.Host = "", ""
	rec := httptest.NewRecorder()
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		e.h.ServeHTTP(rec, req)
	}()
	select {
	case p := <-done:
		if p != nil {
			buf := make([]byte, 64<<10)
			t.Fatalf("panic on %q: %v\n%s", raw, p, buf[:runtime.Stack(buf, false)])
		}
	case <-time.After(10 * time.Second):
		buf := make([]byte, 1<<20)
		t.Fatalf("no answer within 10s to %q\n%s", raw, buf[:runtime.Stack(buf, true)])
	}
	if rec.Code < 400 {
		checkAnswer(t, req, rec, raw)
		if req.Method == http.MethodGet || req.Method == http.MethodHead {
			return // (a read changes nothing)
		}
		// The request may have changed the state: the lists must still
		// work, and the next refused request compares with a fresh
		// snapshot.
		e.fresh = false
		e.checkLists(t, raw, rec)
		return
	}
	before, after := e.snapSvix, e.svixState()
	e.snapSvix = after
	if dv := e.dataVersion(); dv != e.dv {
		// Something was committed: the rows must be as they were.
		before += e.snapStore
		e.dv, e.snapStore = dv, e.storeState()
		after += e.snapStore
	}
	checkAnswer(t, req, rec, raw)
	if after != before {
		t.Fatalf("%q was refused (%d %s) but changed the state:\n%s", raw, rec.Code, rec.Body, lineDiff(before, after))
	}
	// (The state is as it was: the lists answer as they did.)
}

// checkLists asks the provider's lists after a request that may have
// changed the state; it makes the fixtures again when the store grew.
func (e *fuzzEnv) checkLists(t *testing.T, raw []byte, rec *httptest.ResponseRecorder) {
	for _, l := range e.lists {
		code, out := e.do(l.method, e.fill(l.target), l.header, l.body)
		if code != 200 || !json.Valid(out) {
			t.Fatalf("after %q (%d %s): %s %s answers %d %s", raw, rec.Code, rec.Body, l.method, l.target, code, out)
		}
	}
	if e.more != nil {
		if msg := e.more(t); msg != "" {
			t.Fatalf("after %q (%d %s): %s", raw, rec.Code, rec.Body, msg)
		}
	}
	ctx := context.Background()
	subs, err := e.st.ListSubscriptions(ctx, store.SubscriptionFilter{Limit: 13})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := e.st.ListEvents(ctx, store.EventFilter{Limit: 13})
	if err != nil {
		t.Fatal(err)
	}
	// (Svix's applications and event types, through its API.)
	var apps, types struct{ Data []any }
	_, out := e.do("GET", "/api/v1/app?limit=10", svixAuth, "")
	json.Unmarshal(out, &apps)
	_, out = e.do("GET", "/api/v1/event-type?limit=10&include_archived=true", svixAuth, "")
	json.Unmarshal(out, &types)
	if len(subs) > 12 || len(evs) > 12 || len(apps.Data) > 6 || len(types.Data) > 6 {
		e.fixtures()
	}
}

// lineDiff shows the lines of the snapshots that differ.
func lineDiff(before, after string) string {
	b, a := strings.Split(before, "\n"), strings.Split(after, "\n")
	var out strings.Builder
	for i := 0; i < len(b) || i < len(a); i++ {
		var x, y string
		if i < len(b) {
			x = b[i]
		}
		if i < len(a) {
			y = a[i]
		}
		if x != y {
			fmt.Fprintf(&out, "--- before\n%s\n+++ after\n%s\n", x, y)
		}
	}
	return out.String()
}

// getEach GETs prefix+id for every id at field of list's items (items
// at data when wrapped): each must answer 200 with JSON.
func (e *fuzzEnv) getEach(list, wrap, field, prefix string, h map[string]string) string {
	code, out := e.do("GET", list, h, "")
	var items []map[string]any
	if wrap == "" {
		json.Unmarshal(out, &items)
	} else {
		var m map[string]json.RawMessage
		json.Unmarshal(out, &m)
		json.Unmarshal(m[wrap], &items)
	}
	if code != 200 {
		return fmt.Sprintf("GET %s answers %d %s", list, code, out)
	}
	for _, it := range items {
		id, _ := it[field].(string)
		if code, out := e.do("GET", prefix+url.PathEscape(id), h, ""); code != 200 || !json.Valid(out) {
			return fmt.Sprintf("GET %s (listed by %s) answers %d %s", prefix+id, list, code, out)
		}
	}
	return ""
}

// acceptsMambuV2 says whether req's Accept names Mambu's API v2.
func acceptsMambuV2(req *http.Request) bool {
	for _, h := range req.Header.Values("Accept") {
		for mt := range strings.SplitSeq(h, ",") {
			mt, _, _ = strings.Cut(mt, ";")
			if strings.EqualFold(strings.TrimSpace(mt), "application/vnd.mambu.v2+json") {
				return true
			}
		}
	}
	return false
}

// envelopeOf names the API owning a path, as serve routes it.
func envelopeOf(p string) string {
	for _, a := range []struct{ name, prefix string }{
		{"bond", "/api/v0/"}, {"bond", "/api/v0.1/"}, {"stripe", "/v1/"}, {"svix", "/api/v1/"},
		{"mambu1", "/api/notifications/"}, {"mambu2", "/api/communications/"},
	} {
		if strings.HasPrefix(p+"/", a.prefix) {
			return a.name
		}
	}
	return "hookctl"
}

func checkAnswer(t *testing.T, req *http.Request, rec *httptest.ResponseRecorder, raw []byte) {
	t.Helper()
	code, body := rec.Code, rec.Body.Bytes()
	fail := func(why string) {
		t.Helper()
		t.Fatalf("%s\nrequest: %q\nanswer: %d %v\n%s", why, raw, code, rec.Header(), body)
	}
	if code >= 500 || code < 200 {
		fail("status out of range (no store outage here)")
	}
	if len(body) == 0 && (code < 400 || req.Method == http.MethodHead) {
		// (Mambu's resends answer 202 with no body, Svix's deletes 204.)
		return
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		fail("Content-Type is not JSON")
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		fail("the answer is not JSON")
	}
	if code < 400 {
		return
	}
	m, _ := v.(map[string]any)
	str := func(m map[string]any, k string) bool { _, ok := m[k].(string); return ok }
	num := func(m map[string]any, k string) bool { _, ok := m[k].(float64); return ok }
	api := envelopeOf(req.URL.Path)
	if api == "mambu2" && code != http.StatusUnauthorized && !acceptsMambuV2(req) {
		// Without API v2's Accept the request is API v1's, which answers
		// (INVALID_API_OPERATION) in its own envelope.
		api = "mambu1"
	}
	switch api {
	case "bond":
		if !str(m, "Message") || !str(m, "Code") || !str(m, "Type") || m["Status"] != float64(code) {
			fail("not Bond's error envelope {Message, Status, Code, Type}")
		}
	case "stripe":
		e, _ := m["error"].(map[string]any)
		if !str(e, "type") || !str(e, "message") {
			fail("not Stripe's error envelope {error: {type, message}}")
		}
	case "svix":
		ok := str(m, "code") && str(m, "detail")
		if d, _ := m["detail"].([]any); len(d) > 0 {
			item, _ := d[0].(map[string]any)
			_, loc := item["loc"].([]any)
			ok = loc && str(item, "msg") && str(item, "type")
		}
		if !ok {
			fail("not Svix's error envelope {code, detail} or {detail: [{loc, msg, type}]}")
		}
	case "mambu1":
		if !num(m, "returnCode") || !str(m, "returnStatus") {
			fail("not Mambu v1's error envelope {returnCode, returnStatus}")
		} else if c, _ := m["returnCode"].(float64); mambuCodes[m["returnStatus"].(string)] != int(c) {
			fail("returnCode is not Mambu's code for its returnStatus")
		}
	case "mambu2":
		es, _ := m["errors"].([]any)
		var e map[string]any
		if len(es) > 0 {
			e, _ = es[0].(map[string]any)
		}
		if !num(e, "errorCode") || !str(e, "errorReason") {
			fail("not Mambu v2's error envelope {errors: [{errorCode, errorReason}]}")
		} else if c, _ := e["errorCode"].(float64); mambuCodes[e["errorReason"].(string)] != int(c) {
			fail("errorCode is not Mambu's code for its errorReason")
		}
	default:
		e, _ := m["error"].(map[string]any)
		if !str(e, "code") || !str(e, "message") {
			fail("not the control API's error envelope {error: {code, message}}")
		}
	}
}

// fuzzSeed is one seed: method, target, header lines, body, auth, and
// the value of $V.
type fuzzSeed struct {
	method, target, headers, body string
	noAuth                        bool
	v                             string
}

func addSeeds(f *testing.F, seeds []fuzzSeed) {
	for _, s := range seeds {
		f.Add(s.method, s.target, s.headers, []byte(s.body), !s.noAuth, s.v)
	}
}

// FuzzBond: Bond's v0 and v0.1 webhooks and sandbox simulations.
func FuzzBond(f *testing.F) {
	addSeeds(f, []fuzzSeed{
		{"POST", "/api/v0/webhooks/", "", `{"events":["kyc.verification.*"],"callback_url":"http://127.0.0.1:9/bond","description":"kyc hooks"}`, false, ""},
		{"GET", "/api/v0/webhooks/$BOND", "", "", false, ""},
		{"GET", "/api/v0/webhooks", "", "", false, ""},
		{"POST", "/api/v0.1/simulate/kyc-pass", "", `{"customer_id":"cust-42","program_id":"prog-1"}`, false, ""},
		{"POST", "/api/v0.1/simulate/kyc-fail", "", `{"customer_id":"cust-43"}`, false, ""},
		{"PATCH", "/api/v0/webhooks/$BOND", "", `{"events":["card*"],"status":"disabled"}`, false, ""},
		{"DELETE", "/api/v0/webhooks/$BOND", "", "", false, ""},
		{"POST", "/api/v0.1/webhooks", "", `{"url":"http://127.0.0.1:9/x","description":"d","events":["card.created","transactions"],"version":"0.1","status":"STATUS_ENABLED"}`, false, ""},
		{"PATCH", "/api/v0.1/webhooks/$BOND", "", `{"status":"STATUS_DISABLED","url":"http://127.0.0.1:9/new"}`, false, ""},
		{"PATCH", "/api/v0.1/webhooks/$BOND", "", `{"url":"http://127.0.0.1:9/new","status":"bogus"}`, false, ""},
		{"DELETE", "/api/v0.1/webhooks/$BOND", "", "", false, ""},
		{"GET", "/api/v0.1/webhooks/$WE", "", "", false, ""},
		{"POST", "/api/v0/webhooks", "Identity: \nAuthorization: x", `{}`, false, ""},
		{"POST", "/api/v0/webhooks", "", `{"events":["nope.*"],"callback_url":"ftp://x"}`, true, ""},
		{"GET", "/api/v0/webhooks/%00", "", "", false, ""},
		{"PUT", "/api/v0.1/webhooks?x=%ff", "", "[]", false, ""},
		{"POST", "/api/v0/webhooks", "", `{"events":[$V],"callback_url":"http://127.0.0.1:9/x","description":$V}`, false, "card.*"},
		{"POST", "/api/v0.1/webhooks", "", `{"events":["card.created"],"url":$V,"status":$V}`, false, "http://127.0.0.1:9/x"},
		{"PATCH", "/api/v0.1/webhooks/$BOND", "", `{"status":$V}`, false, "STATUS_DISABLED"},
		{"PATCH", "/api/v0/webhooks/$BOND", "", `{"url":$V,"description":$V,"events":[$V]}`, false, "http://127.0.0.1:9/z"},
		{"GET", "/api/v0/webhooks/$V", "", "", false, "$BOND"},
		{"POST", "/api/v0.1/simulate/kyc-pass", "", `{"customer_id":$V,"program_id":$V}`, false, "cust-1"},
		{"GET", "/api/v0/webhooks", "Identity: $V\nAuthorization: $V", "", true, "x"},
		{"POST", "/api/v0/webhooks", "", `{"events":["*"],"callback_url":"http://127.0.0.1:9/x","status":"disabled","description":"\u0000\udfff"}`, false, ""},
		{"POST", "/api/v0/webhooks", "", `{"events":[""],"callback_url":"http://127.0.0.1:9/x"}`, false, ""},
		{"POST", "/api/v0/webhooks", "", `{"events":["*"],"url":"","callback_url":"http://127.0.0.1:9/x"}`, false, ""},
		{"PATCH", "/api/v0/webhooks/$BOND", "", `{"events":[],"status":"enabled"}`, false, ""},
		{"PATCH", "/api/v0/webhooks/$BOND", "", `{"url":"http://127.0.0.1:9/x","status":"nope"}`, false, ""},
		{"PATCH", "/api/v0/webhooks/$BOND", "", `{"url":"ftp://x","status":"disabled"}`, false, ""},
		{"PATCH", "/api/v0/webhooks/$BOND", "", `{"description":"d","events":["nope"]}`, false, ""},
		{"POST", "/api/v0.1/simulate/kyc-pass", "", `{"customer_id":"a\"b","program_id":1}`, false, ""},
		{"POST", "/api/v0.1/simulate/kyc-pass", "", `{"customer_id":"x.y=z"}`, false, ""},
		{"GET", "/api/v0/webhooks/$WE", "", "", false, ""},
		{"DELETE", "/api/v0/webhooks/$WE", "", "", false, ""},
	})
	e := newFuzzEnv(f)
	e.more = func(t *testing.T) string {
		return e.getEach("/api/v0/webhooks", "", "webhook_id", "/api/v0/webhooks/", bondAuth) +
			e.getEach("/api/v0.1/webhooks", "webhook_subscriptions", "id", "/api/v0.1/webhooks/", bondAuth)
	}
	f.Fuzz(func(t *testing.T, method, target, headers string, body []byte, auth bool, v string) {
		e.fuzzOne(t, method, target, headers, body, bondAuth, auth, v)
	})
}

// FuzzStripe: Stripe's form-encoded webhook endpoints and events.
func FuzzStripe(f *testing.F) {
	addSeeds(f, []fuzzSeed{
		{"POST", "/v1/webhook_endpoints", "", "url=http%3A%2F%2F127.0.0.1%3A9%2Fs&enabled_events[]=charge.succeeded&enabled_events[]=customer.created&metadata[team]=payments&description=d&api_version=2026-03-25.dahlia", false, ""},
		{"POST", "/v1/webhook_endpoints", "Idempotency-Key: k1", "url=http://127.0.0.1:9/s&enabled_events[0]=*", false, ""},
		{"GET", "/v1/webhook_endpoints?limit=2", "", "", false, ""},
		{"GET", "/v1/webhook_endpoints?starting_after=$WE", "", "", false, ""},
		{"GET", "/v1/webhook_endpoints?ending_before=$WE&limit=1", "", "", false, ""},
		{"GET", "/v1/webhook_endpoints/$WE", "", "", false, ""},
		{"POST", "/v1/webhook_endpoints/$WE", "", "disabled=true&metadata[team]=&metadata[new]=1&enabled_events[]=charge.failed", false, ""},
		{"POST", "/v1/webhook_endpoints/$WE", "", "metadata=&url=http://127.0.0.1:9/z", false, ""},
		{"POST", "/v1/webhook_endpoints/$WE", "", "disabled=maybe&url=http://127.0.0.1:9/z", false, ""},
		{"POST", "/v1/webhook_endpoints/$WE", "", "descripton=typo", false, ""},
		{"DELETE", "/v1/webhook_endpoints/$WE", "", "", false, ""},
		{"GET", "/v1/events?limit=3&type=charge.*&created[gte]=0", "", "", false, ""},
		{"GET", "/v1/events?types[0]=charge.succeeded&types[1]=card.created&starting_after=$EVT", "", "", false, ""},
		{"GET", "/v1/events/$EVT", "", "", false, ""},
		{"GET", "/v1/events/$STRIPEEVT", "", "", false, ""},
		{"GET", "/v1/events?ending_before=$STRIPEEVT&limit=1", "", "", false, ""},
		{"GET", "/v1/events?created=9223372036854775807", "", "", false, ""},
		{"GET", "/v1/webhook_endpoints", "Authorization: Basic c2tfdGVzdF94Og==", "", true, ""},
		{"POST", "/v1/webhook_endpoints", "", "url=%zz&enabled_events[x]=1", false, ""},
		{"GET", "/v1//webhook_endpoints/./$WE", "", "", false, ""},
		{"GET", "/v1/../_hookctl/events", "", "", false, ""},
		{"POST", "/v1/webhook_endpoints", "", "url=http://127.0.0.1:9/x&enabled_events[]=$V", false, "charge.succeeded"},
		{"POST", "/v1/webhook_endpoints", "", "url=$V&enabled_events[0]=*&metadata[$V]=$V&description=$V", false, "http://127.0.0.1:9/y"},
		{"POST", "/v1/webhook_endpoints/$WE", "", "metadata[$V]=$V", false, "k"},
		{"POST", "/v1/webhook_endpoints/$WE", "", "description=$V&disabled=$V", false, "false"},
		{"POST", "/v1/webhook_endpoints/$WE", "", "enabled_events[$V]=charge.failed&url=$V", false, "0"},
		{"GET", "/v1/webhook_endpoints/$V", "", "", false, "$WE"},
		{"GET", "/v1/webhook_endpoints?limit=$V&starting_after=$V", "", "", false, "2"},
		{"GET", "/v1/events?type=$V&types[]=$V", "", "", false, "charge.*"},
		{"GET", "/v1/events?created[gte]=$V&created[lt]=$V&created=$V", "", "", false, "0"},
		{"GET", "/v1/events?starting_after=$V&ending_before=$V", "", "", false, "$STRIPEEVT"},
		{"GET", "/v1/events/$V", "", "", false, "$STRIPEEVT"},
		{"POST", "/v1/webhook_endpoints", "Idempotency-Key: $V", "url=http://127.0.0.1:9/i&enabled_events[]=*", false, "k"},
		{"POST", "/v1/webhook_endpoints", "", "url=http://127.0.0.1:9/x&enabled_events[]=*&metadata[]=x", false, ""},
		{"POST", "/v1/webhook_endpoints", "", "url=http://127.0.0.1:9/x&enabled_events[]=*&description=%ff%00", false, ""},
		{"POST", "/v1/webhook_endpoints", "", "url=http://127.0.0.1:9/x&enabled_events[]=*&metadata[%ff]=%00", false, ""},
		{"POST", "/v1/webhook_endpoints", "", "url=http://127.0.0.1:9/x&enabled_events[]=%ff", false, ""},
		{"POST", "/v1/webhook_endpoints", "", "url=http://127.0.0.1:9/x%ff&enabled_events[]=*", false, ""},
		{"POST", "/v1/webhook_endpoints", "", "url=http://127.0.0.1:9/x&enabled_events[]=*&api_version=%00", false, ""},
		{"POST", "/v1/webhook_endpoints/$WE", "", "metadata[stripe_id]=x&metadata[a]=", false, ""},
		{"POST", "/v1/webhook_endpoints/$WE", "", "enabled_events[]=&url=", false, ""},
		{"POST", "/v1/webhook_endpoints/$WE", "", "description=%ff", false, ""},
		{"POST", "/v1/webhook_endpoints/$WE?url=x", "", "", false, ""},
		{"GET", "/v1/events?created[gt]=9223372036854775807&created[lt]=-9223372036854775808", "", "", false, ""},
		{"GET", "/v1/events?types[]=&type=**&starting_after=$STRIPEEVT", "", "", false, ""},
		{"GET", "/v1/webhook_endpoints?starting_after=$WE&limit=100", "", "", false, ""},
		{"DELETE", "/v1/webhook_endpoints/$WE?x=1", "", "a=b", false, ""},
	})
	e := newFuzzEnv(f)
	e.more = func(t *testing.T) string {
		return e.getEach("/v1/webhook_endpoints?limit=100", "data", "id", "/v1/webhook_endpoints/", stripeAuth) +
			e.getEach("/v1/events?limit=100", "data", "id", "/v1/events/", stripeAuth)
	}
	f.Fuzz(func(t *testing.T, method, target, headers string, body []byte, auth bool, v string) {
		e.fuzzOne(t, method, target, headers, body, stripeAuth, auth, v)
	})
}

// FuzzMambu: Mambu's v1 and v2 message search and resend.
func FuzzMambu(f *testing.F) {
	addSeeds(f, []fuzzSeed{
		{"POST", "/api/communications/messages:search", "", `{"filterCriteria":[{"field":"state","operator":"EQUALS","value":"FAILED"},{"field":"event","operator":"IN","values":["loan.disbursed"]}]}`, false, ""},
		{"POST", "/api/communications/messages:search?offset=1&limit=2&paginationDetails=ON", "", `{"filterCriteria":[{"field":"creationDate","operator":"BETWEEN","value":"2020-01-01T00:00:00Z","secondValue":"2100-01-01T00:00:00Z"}],"sortingCriteria":{"field":"creationDate","order":"DESC"}}`, false, ""},
		{"GET", "/api/communications/messages/$FAILED", "", "", false, ""},
		{"POST", "/api/communications/messages:resend", "", `{"messages":["$FAILED"]}`, false, ""},
		{"POST", "/api/communications/messages:resendAsyncByKeys", "", `{"messages":["$FAILED","$DLV"]}`, false, ""},
		{"POST", "/api/communications/messages:resendAsyncByDate", "", `{"startDate":"2020-01-01T00:00:00Z","endDate":"2100-01-01T00:00:00Z"}`, false, ""},
		{"POST", "/api/notifications/messages/search", "", `{"filterConstraints":[{"filterSelection":"STATE","filterElement":"EQUALS","value":"FAILED"}]}`, false, ""},
		{"POST", "/api/notifications/messages/search?offset=0&limit=5", "", `{"filterConstraints":[{"filterSelection":"CREATION_DATE","filterElement":"BETWEEN","value":"2020-01-01","secondValue":"2100-01-01"}]}`, false, ""},
		{"POST", "/api/notifications/messages", "", `{"action":"RESEND","identifiers":["$FAILED"]}`, false, ""},
		{"POST", "/api/notifications/messages", "Authorization: Basic dXNlcjpwYXNz", `{"action":"RESEND","identifiers":["$DLV","nope"]}`, true, ""},
		{"POST", "/api/communications/messages:search", "", `{"filterCriteria":[{"field":"encodedKey","operator":"EQUALS","value":"$DLV"}]}`, false, ""},
		{"POST", "/api/communications/messages:search", "", `{"filterCriteria":[{"field":$V,"operator":"EQUALS","value":$V}]}`, false, "state"},
		{"POST", "/api/communications/messages:search", "", `{"filterCriteria":[{"field":"creationDate","operator":$V,"value":"2020-01-01T00:00:00Z","secondValue":$V}]}`, false, "BETWEEN"},
		{"POST", "/api/communications/messages:search", "", `{"filterCriteria":[{"field":"event","operator":"IN","values":[$V]}],"sortingCriteria":{"field":$V,"order":$V}}`, false, "loan.disbursed"},
		{"POST", "/api/communications/messages:search?offset=$V&limit=$V&paginationDetails=$V", "", `{}`, false, "1"},
		{"POST", "/api/notifications/messages/search", "", `{"filterConstraints":[{"filterSelection":$V,"filterElement":"EQUALS","value":$V}]}`, false, "STATE"},
		{"POST", "/api/communications/messages:resend", "", `{"messages":[$V]}`, false, "$FAILED"},
		{"POST", "/api/notifications/messages", "", `{"action":$V,"identifiers":[$V]}`, false, "RESEND"},
		{"POST", "/api/communications/messages:resendAsyncByDate", "", `{"startDate":$V,"endDate":"2100-01-01T00:00:00Z","templateTypes":[$V]}`, false, "2020-01-01T00:00:00Z"},
		{"GET", "/api/communications/messages/$V", "", "", false, "$FAILED"},
		{"POST", "/api/communications/messages:search", "", `{"filterCriteria":[{"field":"state","operator":"IN","values":[]}]}`, false, ""},
		{"POST", "/api/communications/messages:search", "", `{"filterCriteria":[{"field":"creationDate","operator":"BETWEEN","value":"2100-01-01","secondValue":"2000-01-01"}]}`, false, ""},
		{"POST", "/api/communications/messages:search", "", `{"filterCriteria":[{"field":"creationDate","operator":"AFTER","value":"x"}],"sortingCriteria":{"field":"x","order":"y"}}`, false, ""},
		{"POST", "/api/communications/messages:search", "", `{"filterCriteria":[null,{"field":null}]}`, false, ""},
		{"POST", "/api/communications/messages:search?offset=99999999&limit=1000&paginationDetails=ON", "", `{}`, false, ""},
		{"POST", "/api/notifications/messages", "", `{"action":"RESEND","identifiers":["$FAILED","$FAILED"]}`, false, ""},
		{"POST", "/api/notifications/messages", "", `{"action":"RESEND","identifiers":["$DLV"]}`, false, ""},
		{"POST", "/api/communications/messages:resend", "", `{"messages":["$FAILED","nope"]}`, false, ""},
		{"POST", "/api/communications/messages:resend", "", `{"messages":[]}`, false, ""},
		{"POST", "/api/communications/messages:resendAsyncByDate", "", `{"startDate":"0001-01-01T00:00:00Z","endDate":"9999-12-31T23:59:59Z","templateTypes":[]}`, false, ""},
		{"GET", "/api/communications/messages/$MSG", "", "", false, ""},
		{"GET", "/api/communications/messages/a", "", "", false, ""},
	})
	e := newFuzzEnv(f,
		fuzzList{"POST", "/api/communications/messages:search?limit=1000", "{}", mambuAuth},
		fuzzList{"POST", "/api/notifications/messages/search", "{}", mambuAuth})
	f.Fuzz(func(t *testing.T, method, target, headers string, body []byte, auth bool, v string) {
		e.fuzzOne(t, method, target, headers, body, mambuAuth, auth, v)
	})
}

// FuzzControl: the /_hookctl/ control API (reset excluded: it is meant
// to change everything).
func FuzzControl(f *testing.F) {
	addSeeds(f, []fuzzSeed{
		{"POST", "/_hookctl/trigger", "", `{"type":"card.created","set":{"card.last_four":"4242"}}`, false, ""},
		{"POST", "/_hookctl/trigger", "", `{"type":"card.created","subscription":"$SUB","data":{"a":1}}`, false, ""},
		{"POST", "/_hookctl/trigger", "", `{"type":"loan.disbursed","provider":"mambu","set":{"x.y":[1,2]}}`, false, ""},
		{"GET", "/_hookctl/events?type=card.*&limit=2", "", "", false, ""},
		{"GET", "/_hookctl/deliveries?status=failed&event=card.created&limit=1", "", "", false, ""},
		{"GET", "/_hookctl/deliveries?subscription=$SUB&event_id=$EVT", "", "", false, ""},
		{"GET", "/_hookctl/deliveries/$DLV", "", "", false, ""},
		{"POST", "/_hookctl/replay", "", `{"failed":true}`, false, ""},
		{"POST", "/_hookctl/replay", "", `{"ids":["$DLV","$FAILED"],"force":true}`, false, ""},
		{"POST", "/_hookctl/faults", "", `{"subscription":"$SUB","count":2,"status":503}`, false, ""},
		{"GET", "/_hookctl/faults", "", "", false, ""},
		{"DELETE", "/_hookctl/faults", "", "", false, ""},
		{"GET", "/_hookctl/openapi.json", "", "", false, ""},
		{"GET", "/_hookctl/health", "", "", false, ""},
		{"POST", "/api/v2/webhooks", "", "{}", false, ""},
		{"GET", "/", "", "", false, ""},
		{"POST", "/_hookctl/trigger", "", `{"type":$V}`, false, "card.created"},
		{"POST", "/_hookctl/trigger", "", `{"type":"card.created","set":{$V:$V}}`, false, "card.last_four"},
		{"POST", "/_hookctl/trigger", "", `{"type":"card.created","provider":$V,"subscription":$V}`, false, "bond"},
		{"GET", "/_hookctl/events?type=$V&source=$V&limit=$V", "", "", false, "card.*"},
		{"GET", "/_hookctl/deliveries?status=$V&event=$V&subscription=$V&event_id=$V&limit=$V", "", "", false, "failed"},
		{"POST", "/_hookctl/replay", "", `{"ids":[$V],"force":true}`, false, "$FAILED"},
		{"POST", "/_hookctl/faults", "", `{"subscription":$V,"count":1,"status":500}`, false, "$SUB"},
		{"POST", "/_hookctl/trigger", "", `{"type":"card.created","set":{"":1}}`, false, ""},
		{"POST", "/_hookctl/trigger", "", `{"type":"card.created","set":{"card.last_four":{"a":[1,{"b":null}]}},"data":null}`, false, ""},
		{"POST", "/_hookctl/trigger", "", `{"type":"card.created","data":"x"}`, false, ""},
		{"POST", "/_hookctl/trigger", "", `{"type":"card.created","data":{"a":1},"set":{"a":2}}`, false, ""},
		{"POST", "/_hookctl/trigger", "", `{"type":"*"}`, false, ""},
		{"POST", "/_hookctl/trigger", "", `{"type":"card.created","provider":"nope"}`, false, ""},
		{"POST", "/_hookctl/trigger", "", `{"type":"card.created","subscription":"$WE"}`, false, ""},
		{"POST", "/_hookctl/trigger", "", `{"type":"card.created","subscription":""}`, false, ""},
		{"POST", "/_hookctl/replay", "", `{"ids":[],"failed":false}`, false, ""},
		{"POST", "/_hookctl/replay", "", `{"ids":["$DLV","nope"]}`, false, ""},
		{"POST", "/_hookctl/replay", "", `{"ids":["$FAILED","nope"]}`, false, ""},
		{"POST", "/_hookctl/replay", "", `{"ids":[""]}`, false, ""},
		{"POST", "/_hookctl/faults", "", `{"subscription":"nope","count":1,"status":500}`, false, ""},
		{"POST", "/_hookctl/faults", "", `{"subscription":"$SUB","count":1,"delay_ms":-1}`, false, ""},
		{"POST", "/_hookctl/faults", "", `{"subscription":"$SUB","count":1,"delay_ms":9223372036854775807}`, false, ""},
		{"GET", "/_hookctl/deliveries?limit=-1&status=x", "", "", false, ""},
		{"GET", "/_hookctl/deliveries?limit=99999999999999999999", "", "", false, ""},
		{"GET", "/_hookctl/events?limit=0&type=**&source=x", "", "", false, ""},
		{"GET", "/_hookctl/deliveries/$EVT", "", "", false, ""},
	})
	e := newFuzzEnv(f,
		fuzzList{"GET", "/_hookctl/events?limit=1000", "", ctlAuth},
		fuzzList{"GET", "/_hookctl/deliveries?limit=1000", "", ctlAuth})
	f.Fuzz(func(t *testing.T, method, target, headers string, body []byte, auth bool, v string) {
		e.fuzzOne(t, method, target, headers, body, ctlAuth, auth, v)
	})
}

// mambuCodes are Mambu's generic response codes (its "API response and
// error codes" page) by reason: an error's code must be its reason's.
var mambuCodes = map[string]int{
	"INVALID_BASIC_AUTHORIZATION":           1,
	"INVALID_CREDENTIALS":                   2,
	"INVALID_API_OPERATION":                 3,
	"INVALID_PARAMETERS":                    4,
	"METHOD_NOT_IMPLEMENTED":                5,
	"INTERNAL_ERROR":                        6,
	"INVALID_PAGINATION_OFFSET_VALUE":       11,
	"OUT_OF_BOUNDS_PAGINATION_OFFSET_VALUE": 12,
	"INVALID_PAGINATION_LIMIT_VALUE":        13,
	"OUT_OF_BOUNDS_PAGINATION_LIMIT_VALUE":  14,
	"INVALID_PERMISSIONS":                   15,
}
