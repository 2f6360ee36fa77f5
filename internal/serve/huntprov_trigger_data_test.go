package serve_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestHuntprovTriggerData: the control API's trigger takes data as a test
// suite in any language sends it. "data": null (a Python helper's
// data=None, serialised) is no data: the catalog's body is sent, not the
// four bytes null. An XML or plain-text event (Mambu's loan.repayment,
// deposit.withdrawal) takes its body as a JSON string, sent as its text:
// before, the string was sent with its JSON quotes and escapes
// ("\"<notification>…\"") under Content-Type application/xml. Any other
// JSON value for such an event, or set on it, is a 400 that says what to
// send in the API's words (data, set), not the CLI's flags (--set,
// --set-string, --set-json and --unset, --data @FILE).
func TestHuntprovTriggerData(t *testing.T) {
	e := servetest.Start(t, nil)
	subscribe(t, e, "*")

	// data: null is the fixture's body.
	code, body := e.Do("POST", "/_hookctl/trigger", nil, `{"type":"card.created","data":null}`)
	if code != 201 {
		t.Fatalf("data null: %d %s", code, body)
	}
	if got := e.Recv.Next(t, 10*time.Second); !strings.Contains(string(got.Body), `"card_id"`) {
		t.Fatalf("data null sent %q, want the catalog's card.created body", got.Body)
	}

	// An XML event's body, given as a JSON string, is sent as its text.
	xml := "<?xml version=\"1.0\"?>\n<notification><event>LOAN_REPAYMENT</event><amount>5 & 6</amount></notification>\n"
	code, body = e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "loan.repayment", "provider": "mambu", "data": xml})
	if code != 201 {
		t.Fatalf("xml data: %d %s", code, body)
	}
	if !strings.Contains(string(body), `"body":"\u003c?xml`) {
		t.Errorf("trigger's answer: the event's body should be the XML text: %s", body)
	}
	got := e.Recv.Next(t, 10*time.Second)
	if string(got.Body) != xml || got.Header.Get("Content-Type") != "application/xml" {
		t.Fatalf("xml data sent %q (%s), want %q (application/xml)", got.Body, got.Header.Get("Content-Type"), xml)
	}
	// A text event's too.
	e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "deposit.withdrawal", "provider": "mambu", "data": "WITHDRAWAL 1"})
	if got := e.Recv.Next(t, 10*time.Second); string(got.Body) != "WITHDRAWAL 1" {
		t.Fatalf("text data sent %q, want WITHDRAWAL 1", got.Body)
	}

	// What cannot be an XML or text body is refused in the API's words.
	for _, tc := range []struct{ req, want string }{
		{`{"type":"loan.repayment","provider":"mambu","data":{"a":1}}`, "data: mambu:loan.repayment is application/xml: give its body as a JSON string"},
		{`{"type":"deposit.withdrawal","provider":"mambu","data":[1]}`, "data: mambu:deposit.withdrawal is text/plain: give its body as a JSON string"},
		{`{"type":"deposit.withdrawal","provider":"mambu","set":{"amount":"5"}}`, "set needs a JSON body, but mambu:deposit.withdrawal is text/plain: give the whole body as data"},
	} {
		code, body := e.Do("POST", "/_hookctl/trigger", nil, tc.req)
		if code != 400 || !strings.Contains(string(body), tc.want) || strings.Contains(string(body), "--") {
			t.Errorf("%s: %d %s\nwant 400 saying %q, no CLI flag", tc.req, code, body, tc.want)
		}
	}
	e.Recv.None(t, 300*time.Millisecond)
}
