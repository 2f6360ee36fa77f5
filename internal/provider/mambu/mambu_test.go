package mambu_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
)

var basic = map[string]string{"Authorization": "Basic dXNlcjpwYXNz"} // user:pass

// failedMessage subscribes the receiver to Mambu events, makes it fail
// every attempt of one loan.disbursed and returns the delivery id and the
// body first sent.
func failedMessage(t *testing.T, e *servetest.Env) (string, []byte) {
	t.Helper()
	svc := &subscription.Service{Store: e.Store}
	if _, err := svc.Create(t.Context(), subscription.CreateInput{URL: e.Recv.URL + "/mambu", Events: []string{"loan.*"}, Provider: "mambu"}); err != nil {
		t.Fatal(err)
	}
	e.Recv.SetStatus(500)
	code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "loan.disbursed", "provider": "mambu"})
	if code != 201 {
		t.Fatalf("trigger: %d %s", code, body)
	}
	id := servetest.JSON(t, body)["deliveries"].([]any)[0].(map[string]any)["id"].(string)
	first := e.Recv.Next(t, 5*time.Second).Body
	e.Recv.Next(t, 5*time.Second)
	e.Recv.Next(t, 5*time.Second)
	for range 200 {
		_, b := e.Do("GET", "/api/communications/messages/"+id, basic, nil)
		if strings.Contains(string(b), `"state":"FAILED"`) {
			e.Recv.SetStatus(200)
			return id, first
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the delivery never failed")
	return "", nil
}

func TestV2SearchAndResendSendsStoredBytes(t *testing.T) {
	e := servetest.Start(t, nil)
	id, first := failedMessage(t, e)
	code, body := e.Do("POST", "/api/communications/messages:search", basic,
		`{"filterCriteria":[{"field":"state","operator":"EQUALS","value":"FAILED"},{"field":"event","operator":"IN","values":["loan.disbursed"]}]}`)
	if code != 200 || !strings.Contains(string(body), id) {
		t.Fatalf("search: %d %s", code, body)
	}
	servetest.Golden(t, "search", body)
	code, body = e.Do("GET", "/api/communications/messages/"+id, basic, nil)
	if code != 200 || !strings.Contains(string(body), `"type":"WEB_HOOK"`) {
		t.Fatalf("get: %d %s", code, body)
	}
	servetest.Golden(t, "message", body)
	code, body = e.Do("POST", "/api/communications/messages:resend", basic, map[string]any{"messages": []string{id}})
	if code != 202 {
		t.Fatalf("resend: %d %s", code, body)
	}
	again := e.Recv.Next(t, 5*time.Second)
	if string(again.Body) != string(first) {
		t.Fatalf("resend must send the stored bytes:\nfirst %s\nagain %s", first, again.Body)
	}
	for range 200 {
		_, b := e.Do("GET", "/api/communications/messages/"+id, basic, nil)
		if strings.Contains(string(b), `"state":"SENT"`) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A SENT message is not resent.
	code, body = e.Do("POST", "/api/communications/messages:resendAsyncByKeys", basic, map[string]any{"messages": []string{id}})
	if code != 400 || !strings.Contains(string(body), "only FAILED") {
		t.Fatalf("resend of a sent message: %d %s", code, body)
	}
	servetest.Golden(t, "error_v2", body)
}

func TestV1SearchAndResend(t *testing.T) {
	e := servetest.Start(t, nil)
	id, first := failedMessage(t, e)
	code, body := e.Do("POST", "/api/notifications/messages/search/", basic,
		`[{"filterSelection":"STATE","filterElement":"EQUALS","value":"FAILED"},{"filterSelection":"CREATION_DATE","filterElement":"AFTER","value":"2000-01-01"}]`)
	if code != 200 || !strings.Contains(string(body), id) {
		t.Fatalf("v1 search: %d %s", code, body)
	}
	code, body = e.Do("POST", "/api/notifications/messages/search", basic, `{"filterConstraints":[{"filterSelection":"STATE","filterElement":"EQUALS","value":"SENT"}]}`)
	if code != 200 || strings.TrimSpace(string(body)) != "[]" {
		t.Fatalf("v1 search SENT: %d %s", code, body)
	}
	code, body = e.Do("POST", "/api/notifications/messages", basic, map[string]any{"action": "RESEND", "identifiers": []string{id}})
	if code != 200 {
		t.Fatalf("v1 resend: %d %s", code, body)
	}
	if got := e.Recv.Next(t, 5*time.Second); string(got.Body) != string(first) {
		t.Fatalf("v1 resend bytes differ: %s", got.Body)
	}
}

func TestResendByDate(t *testing.T) {
	e := servetest.Start(t, nil)
	_, first := failedMessage(t, e)
	day := time.Now().UTC()
	code, body := e.Do("POST", "/api/communications/messages:resendAsyncByDate", basic, map[string]any{
		"startDate": day.Add(-time.Hour).Format(time.RFC3339), "endDate": day.Add(time.Hour).Format(time.RFC3339), "templateTypes": []string{"EMAIL"}})
	if code != 200 {
		t.Fatalf("by date, emails: %d %s", code, body)
	}
	e.Recv.None(t, 200*time.Millisecond) // no webhook is an email
	code, body = e.Do("POST", "/api/communications/messages:resendAsyncByDate", basic, map[string]any{
		"startDate": day.Add(-time.Hour).Format(time.RFC3339), "endDate": day.Add(time.Hour).Format(time.RFC3339), "templateTypes": []string{"WEB_HOOK"}})
	if code != 200 {
		t.Fatalf("by date: %d %s", code, body)
	}
	if got := e.Recv.Next(t, 5*time.Second); string(got.Body) != string(first) {
		t.Fatalf("bytes differ: %s", got.Body)
	}
}

func TestBadInput(t *testing.T) {
	e := servetest.Start(t, func(o *serve.Options) { o.APIKey = "k" })
	key := map[string]string{"apiKey": "k"}
	for _, tc := range []struct {
		name, method, path string
		hdr                map[string]string
		body               any
		status             int
		msg                string
	}{
		{"no auth", "POST", "/api/communications/messages:search", nil, `[]`, 401, "INVALID_CREDENTIALS"},
		{"wrong key", "POST", "/api/communications/messages:search", map[string]string{"apiKey": "x"}, `[]`, 401, "INVALID_CREDENTIALS"},
		{"basic with key as password", "POST", "/api/communications/messages:search", map[string]string{"Authorization": "Basic dTpr"}, `[]`, 200, "[]"},
		{"bad json", "POST", "/api/communications/messages:search", key, `[{`, 400, "INVALID_PARAMETERS"},
		{"bad field", "POST", "/api/communications/messages:search", key, `[{"field":"color","operator":"EQUALS","value":"x"}]`, 400, "unsupported filter field"},
		{"bad state", "POST", "/api/communications/messages:search", key, `[{"field":"state","operator":"EQUALS","value":"LOST"}]`, 400, "unknown state"},
		{"bad date", "POST", "/api/notifications/messages/search", key, `[{"filterSelection":"CREATION_DATE","filterElement":"AFTER","value":"yesterday"}]`, 400, "invalid date"},
		{"bad limit", "POST", "/api/communications/messages:search?limit=0", key, `[]`, 400, "limit"},
		{"unknown key", "GET", "/api/communications/messages/nope", key, nil, 404, `"errorCode":4,"errorSource":"encodedKey \"nope\": no such message","errorReason":"INVALID_PARAMETERS"`},
		{"resend nothing", "POST", "/api/communications/messages:resend", key, `{}`, 400, "encodedKeys"},
		{"resend unknown", "POST", "/api/communications/messages:resend", key, `{"messages":["nope"]}`, 404, `"errorCode":4,"errorSource":"encodedKey \"nope\": no such message"`},
		{"v1 bad action", "POST", "/api/notifications/messages", key, `{"action":"DELETE","identifiers":["x"]}`, 400, "RESEND"},
		{"by date bad", "POST", "/api/communications/messages:resendAsyncByDate", key, `{"startDate":"x","endDate":"y"}`, 400, "startDate"},
		{"by date reversed", "POST", "/api/communications/messages:resendAsyncByDate", key, `{"startDate":"2026-02-01","endDate":"2026-01-01"}`, 400, "before"},
		{"unknown route", "GET", "/api/communications/other", key, nil, 404, "INVALID_API_OPERATION"},
		{"v1 unknown route", "GET", "/api/notifications/other", key, nil, 404, "returnStatus"},
		{"too large", "POST", "/api/communications/messages:search", key, "[" + strings.Repeat(" ", 1<<20) + "]", 413, `"errorCode":4,"errorSource":"the request body is over 1 MiB","errorReason":"INVALID_PARAMETERS"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := e.Do(tc.method, tc.path, tc.hdr, tc.body)
			if code != tc.status || !strings.Contains(string(body), tc.msg) {
				t.Fatalf("got %d %s; want %d containing %q", code, body, tc.status, tc.msg)
			}
		})
	}
	_, body := e.Do("GET", "/api/notifications/other", key, nil)
	servetest.Golden(t, "error_v1", body)
}

// paginationDetails=ON answers Items-Offset, Items-Limit and Items-Total,
// as Mambu does for its searches (clients page with them); it was ignored.
func TestSearchPaginationDetails(t *testing.T) {
	e := servetest.Start(t, nil)
	svc := &subscription.Service{Store: e.Store}
	if _, err := svc.Create(t.Context(), subscription.CreateInput{URL: e.Recv.URL, Events: []string{"loan.*"}, Provider: "mambu"}); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "loan.disbursed", "provider": "mambu"}); code != 201 {
			t.Fatalf("trigger: %d %s", code, body)
		}
	}
	for _, path := range []string{"/api/communications/messages:search", "/api/notifications/messages/search"} {
		req, _ := http.NewRequest("POST", e.URL+path+"?offset=1&limit=2&paginationDetails=ON", strings.NewReader(`{}`))
		req.Header.Set("Authorization", basic["Authorization"])
		req.Header.Set("Accept", servetest.MambuV2Accept) // (v1 ignores it)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var got []any
		json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		h := resp.Header
		if resp.StatusCode != 200 || len(got) != 2 || h.Get("Items-Offset") != "1" || h.Get("Items-Limit") != "2" || h.Get("Items-Total") != "5" {
			t.Fatalf("%s: %d, %d items, headers offset=%q limit=%q total=%q", path, resp.StatusCode, len(got), h.Get("Items-Offset"), h.Get("Items-Limit"), h.Get("Items-Total"))
		}
	}
}

// Mambu's communication history holds Mambu's notifications only: a
// failed Bond delivery (another API's subscription, another provider's
// event) is not found by a search, a GET or a resend, and a resend by
// date leaves it alone. All four served it as a Mambu message, so an app
// resending every FAILED message resent Bond's events.
func TestOnlyMambuMessages(t *testing.T) {
	e := servetest.Start(t, nil)
	id, first := failedMessage(t, e)
	bond := map[string]string{"Identity": "i", "Authorization": "k"}
	if code, body := e.Do("POST", "/api/v0/webhooks", bond, map[string]any{"events": []string{"kyc.verification.*"}, "callback_url": e.Recv.URL + "/bond"}); code != 200 {
		t.Fatalf("bond: %d %s", code, body)
	}
	e.Recv.SetStatus(500)
	code, body := e.Do("POST", "/api/v0.1/simulate/kyc-fail", bond, map[string]string{"customer_id": "c-1"})
	if code != 200 {
		t.Fatalf("simulate: %d %s", code, body)
	}
	for range 3 {
		e.Recv.Next(t, 5*time.Second)
	}
	var bondKey string
	for range 200 {
		ds, err := e.Store.ListDeliveries(t.Context(), store.DeliveryFilter{Status: store.DeliveryFailed})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) == 2 {
			for _, d := range ds {
				if d.ID != id {
					bondKey = d.ID
				}
			}
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if bondKey == "" {
		t.Fatal("the Bond delivery never failed")
	}
	e.Recv.SetStatus(200)
	for _, path := range []string{"/api/communications/messages:search", "/api/notifications/messages/search"} {
		code, body := e.Do("POST", path, basic, `[{"field":"state","operator":"EQUALS","value":"FAILED"}]`)
		var got []map[string]any
		if err := json.Unmarshal(body, &got); err != nil || code != 200 || len(got) != 1 || got[0]["encodedKey"] != id {
			t.Errorf("%s FAILED: %d %s, want only the Mambu message %s", path, code, body, id)
		}
	}
	if code, body := e.Do("GET", "/api/communications/messages/"+bondKey, basic, nil); code != 404 {
		t.Errorf("GET the Bond delivery: %d %s, want 404", code, body)
	}
	if code, body := e.Do("POST", "/api/communications/messages:resend", basic, map[string]any{"messages": []string{bondKey}}); code != 404 {
		t.Errorf("resend the Bond delivery: %d %s, want 404", code, body)
	}
	day := time.Now().UTC()
	if code, body := e.Do("POST", "/api/communications/messages:resendAsyncByDate", basic, map[string]any{
		"startDate": day.Add(-time.Hour).Format(time.RFC3339), "endDate": day.Add(time.Hour).Format(time.RFC3339)}); code != 200 {
		t.Fatalf("by date: %d %s", code, body)
	}
	if got := e.Recv.Next(t, 5*time.Second); string(got.Body) != string(first) {
		t.Fatalf("by date resent %s %s, want the Mambu message", got.Path, got.Body)
	}
	e.Recv.None(t, 300*time.Millisecond)
}

// A date alone as the upper bound covers its whole day: a search for
// messages created BETWEEN today and today, and a resend by date from
// today to today, take today's messages. Both took the date as midnight,
// so they found and resent nothing (200, silently).
func TestDateOnlyEndCoversTheDay(t *testing.T) {
	e := servetest.Start(t, nil)
	id, first := failedMessage(t, e)
	today := time.Now().UTC().Format("2006-01-02")
	code, body := e.Do("POST", "/api/communications/messages:search", basic,
		`[{"field":"creationDate","operator":"BETWEEN","value":"`+today+`","secondValue":"`+today+`"}]`)
	if code != 200 || !strings.Contains(string(body), id) {
		t.Errorf("BETWEEN %s and %s: %d %s, want the message created today", today, today, code, body)
	}
	if code, body := e.Do("POST", "/api/communications/messages:resendAsyncByDate", basic, map[string]any{"startDate": today, "endDate": today}); code != 200 {
		t.Fatalf("by date: %d %s", code, body)
	}
	if got := e.Recv.Next(t, 5*time.Second); string(got.Body) != string(first) {
		t.Fatalf("by date resent other bytes: %s", got.Body)
	}
}

// A v2 search's sortingCriteria orders the messages: creationDate ASC is
// oldest first (DESC, the default, newest first); another field or order
// is a 400 naming what is supported. It was ignored: ASC came newest
// first.
func TestSearchSortingCriteria(t *testing.T) {
	e := servetest.Start(t, nil)
	svc := &subscription.Service{Store: e.Store}
	if _, err := svc.Create(t.Context(), subscription.CreateInput{URL: e.Recv.URL, Events: []string{"loan.*"}, Provider: "mambu"}); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for range 3 {
		code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "loan.disbursed", "provider": "mambu"})
		if code != 201 {
			t.Fatalf("trigger: %d %s", code, body)
		}
		keys = append(keys, servetest.JSON(t, body)["deliveries"].([]any)[0].(map[string]any)["id"].(string))
	}
	search := func(sorting string) []string {
		t.Helper()
		code, body := e.Do("POST", "/api/communications/messages:search?limit=2", basic, `{"filterCriteria":[],"sortingCriteria":`+sorting+`}`)
		var got []Message
		if err := json.Unmarshal(body, &got); err != nil || code != 200 {
			t.Fatalf("sortingCriteria %s: %d %s", sorting, code, body)
		}
		var out []string
		for _, m := range got {
			out = append(out, m.EncodedKey)
		}
		return out
	}
	if got := search(`{"field":"creationDate","order":"ASC"}`); strings.Join(got, ",") != keys[0]+","+keys[1] {
		t.Errorf("ASC: %v, want the two oldest %v", got, keys[:2])
	}
	if got := search(`{"field":"creationDate","order":"DESC"}`); strings.Join(got, ",") != keys[2]+","+keys[1] {
		t.Errorf("DESC: %v, want the two newest", got)
	}
	for _, bad := range []string{`{"field":"colour","order":"ASC"}`, `{"field":"creationDate","order":"UP"}`} {
		if code, body := e.Do("POST", "/api/communications/messages:search", basic, `{"sortingCriteria":`+bad+`}`); code != 400 || !strings.Contains(string(body), "sortingCriteria") {
			t.Errorf("sortingCriteria %s: %d %s, want 400", bad, code, body)
		}
	}
}

// Message is the part of a Mambu message the tests read.
type Message struct {
	EncodedKey string `json:"encodedKey"`
}

// A request refused for its credentials is told what is wrong with what
// it sent: with serve --api-key, basic auth with an empty password was
// told to "send HTTP basic auth or an apiKey header" although it had.
func TestAuthSaysWhatIsWrong(t *testing.T) {
	b64 := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	e := servetest.Start(t, func(o *serve.Options) { o.APIKey = "k3y" })
	for _, c := range []struct {
		name   string
		header map[string]string
		code   int
		want   string
	}{
		{"basic auth, empty password", map[string]string{"Authorization": b64("user:")}, 401, "HTTP basic auth with an empty password: with serve --api-key the password is the API key"},
		{"basic auth, no user", map[string]string{"Authorization": b64(":k3y")}, 401, "HTTP basic auth without a user name"},
		{"basic auth, wrong password", map[string]string{"Authorization": b64("user:nope")}, 401, "the credentials are not valid"},
		{"not base64", map[string]string{"Authorization": "Basic !!!"}, 401, "the Authorization header is not valid HTTP basic auth"},
		{"bearer", map[string]string{"Authorization": "Bearer k3y"}, 401, "the Authorization header is Bearer, not HTTP basic auth"},
		{"nothing", nil, 401, "send HTTP basic auth or an apiKey header"},
		{"basic auth, the key as password", map[string]string{"Authorization": b64("user:k3y")}, 200, ""},
		{"apiKey header", map[string]string{"apiKey": "k3y"}, 200, ""},
	} {
		for _, path := range []string{"/api/communications/messages:search", "/api/notifications/messages/search"} {
			code, body := e.Do("POST", path, c.header, `{}`)
			if code != c.code || !strings.Contains(string(body), c.want) || code == 401 && !strings.Contains(string(body), "INVALID_CREDENTIALS") {
				t.Errorf("%s, %s: %d %s, want %d with %q", c.name, path, code, body, c.code, c.want)
			}
		}
	}
	// Without --api-key any non-empty credential is taken, a user name
	// alone too.
	e = servetest.Start(t, nil)
	if code, body := e.Do("POST", "/api/communications/messages:search", map[string]string{"Authorization": b64("user:")}, `{}`); code != 200 {
		t.Errorf("basic auth user: without --api-key: %d %s, want 200", code, body)
	}
}
