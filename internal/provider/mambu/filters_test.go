package mambu_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
)

// TestListFilterNeedsOperatorAndValues: STATE, EVENT, ENCODED_KEY,
// REFERENCE_ID and TYPE take EQUALS, EQUALS_CASE_SENSITIVE and IN, each
// with the value(s) to compare; another operator, or IN without values,
// is Mambu's 400 INVALID_PARAMETERS naming what is wrong, in both
// versions. Before, {"field":"state","operator":"IN"} answered 200 [] and
// ENCODED_KEY BETWEEN answered a search that matched nothing.
func TestListFilterNeedsOperatorAndValues(t *testing.T) {
	e := servetest.Start(t, nil)
	for _, tc := range []struct{ body, want string }{
		{`{"filterCriteria":[{"field":"state","operator":"IN"}]}`, "STATE IN needs values"},
		{`{"filterCriteria":[{"field":"state","operator":"IN","values":[]}]}`, "STATE IN needs values"},
		{`{"filterCriteria":[{"field":"state","operator":"EQUALS"}]}`, "STATE EQUALS needs a value"},
		{`{"filterCriteria":[{"field":"event","operator":"IN"}]}`, "EVENT IN needs values"},
		{`{"filterCriteria":[{"field":"encodedKey","operator":"BETWEEN","value":"a","secondValue":"b"}]}`, `ENCODED_KEY supports EQUALS, EQUALS_CASE_SENSITIVE and IN, not \"BETWEEN\"`},
		{`{"filterCriteria":[{"field":"encodedKey","operator":"EQUALS"}]}`, "ENCODED_KEY EQUALS needs a value"},
		{`{"filterCriteria":[{"field":"referenceId","operator":"AFTER","value":"x"}]}`, `REFERENCE_ID supports EQUALS, EQUALS_CASE_SENSITIVE and IN, not \"AFTER\"`},
		{`{"filterCriteria":[{"field":"type","operator":"ON","value":"WEB_HOOK"}]}`, `TYPE supports EQUALS, EQUALS_CASE_SENSITIVE and IN, not \"ON\"`},
		{`{"filterCriteria":[{"field":"type","operator":"IN"}]}`, "TYPE IN needs values"},
		{`{"filterConstraints":[{"filterSelection":"STATE","filterElement":"IN"}]}`, "STATE IN needs values"},
		{`{"filterConstraints":[{"filterSelection":"ENCODED_KEY","filterElement":"BETWEEN","value":"a"}]}`, `not \"BETWEEN\"`},
		{`{"filterConstraints":[{"filterSelection":"REFERENCE_ID","value":"a"}]}`, `REFERENCE_ID supports EQUALS, EQUALS_CASE_SENSITIVE and IN, not \"\"`},
	} {
		path := "/api/communications/messages:search"
		if strings.Contains(tc.body, "filterConstraints") {
			path = "/api/notifications/messages/search"
		}
		code, body := e.Do("POST", path, basic, tc.body)
		if code != 400 || !strings.Contains(string(body), "INVALID_PARAMETERS") || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s: %d %s, want 400 saying %s", tc.body, code, body, tc.want)
		}
	}
	// The operators they take still answer a search.
	for _, body := range []string{
		`{"filterCriteria":[{"field":"state","operator":"IN","values":["FAILED","SENT"]}]}`,
		`{"filterCriteria":[{"field":"type","operator":"EQUALS","value":"WEB_HOOK"}]}`,
		`{"filterCriteria":[{"field":"encodedKey","operator":"EQUALS_CASE_SENSITIVE","value":"k"}]}`,
		`{"filterConstraints":[{"filterSelection":"REFERENCE_ID","filterElement":"IN","value":"a,b"}]}`,
	} {
		path := "/api/communications/messages:search"
		if strings.Contains(body, "filterConstraints") {
			path = "/api/notifications/messages/search"
		}
		if code, got := e.Do("POST", path, basic, body); code != 200 {
			t.Errorf("%s: %d %s, want 200", body, code, got)
		}
	}
}

// TestEqualsCaseSensitive: EQUALS_CASE_SENSITIVE compares as written,
// EQUALS ignores case. Before, both ignored case.
func TestEqualsCaseSensitive(t *testing.T) {
	e := servetest.Start(t, func(o *serve.Options) { o.NoWorker = true })
	ev := &store.Event{ID: "Ref-1", Type: "loan.disbursed", Provider: "mambu", Payload: []byte(`{}`), Source: store.SourceTriggered}
	if err := e.Store.CreateEvent(t.Context(), ev, []*store.Delivery{{ID: "Key-1", URL: e.Recv.URL, Status: store.DeliveryFailed}}); err != nil {
		t.Fatal(err)
	}
	count := func(field, op, value string) int {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"filterCriteria": []map[string]string{{"field": field, "operator": op, "value": value}}})
		code, body := e.Do("POST", "/api/communications/messages:search", basic, string(b))
		var ms []json.RawMessage
		if code != 200 || json.Unmarshal(body, &ms) != nil {
			t.Fatalf("%s %s %s: %d %s", field, op, value, code, body)
		}
		return len(ms)
	}
	for _, tc := range []struct {
		field, op, value string
		want             int
	}{
		{"encodedKey", "EQUALS", "key-1", 1},
		{"encodedKey", "EQUALS_CASE_SENSITIVE", "Key-1", 1},
		{"encodedKey", "EQUALS_CASE_SENSITIVE", "key-1", 0},
		{"referenceId", "EQUALS_CASE_SENSITIVE", "ref-1", 0},
		{"referenceId", "EQUALS_CASE_SENSITIVE", "Ref-1", 1},
	} {
		if got := count(tc.field, tc.op, tc.value); got != tc.want {
			t.Errorf("%s %s %q: %d messages, want %d", tc.field, tc.op, tc.value, got, tc.want)
		}
	}
}

// TestResendByDateSaysWhatIsMissing: :resendAsyncByDate without its
// startDate or endDate is Mambu's 400 INVALID_PARAMETERS saying the date
// is missing. Before, it said 'startDate: invalid date ""', a date the
// caller never sent.
func TestResendByDateSaysWhatIsMissing(t *testing.T) {
	e := servetest.Start(t, nil)
	for _, tc := range []struct{ body, want string }{
		{`{"endDate":"2026-01-31"}`, "startDate is required"},
		{`{"startDate":"2026-01-01"}`, "endDate is required"},
		{`{"startDate":"2026-01-01","endDate":"soon"}`, `endDate: invalid date \"soon\"`},
	} {
		code, body := e.Do("POST", "/api/communications/messages:resendAsyncByDate", basic, tc.body)
		if code != 400 || !strings.Contains(string(body), "INVALID_PARAMETERS") || !strings.Contains(string(body), tc.want) || strings.Contains(string(body), `invalid date \"\"`) {
			t.Errorf("%s: %d %s, want 400 saying %s", tc.body, code, body, tc.want)
		}
	}
}
