package mambu_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/subscription"
)

// mambuEvents are values of the event enum of Mambu's API v2
// CommunicationMessage (docs.mambu.com, api-v2 communications_messages,
// schema Communicationmessage: "Possible values: [MANUAL, DO_NOTHING,
// CLIENT_CREATED, …]"), those of the catalog's Mambu events among them.
var mambuEvents = []string{"CLIENT_CREATED", "CLIENT_APPROVED", "LOAN_CREATED", "LOAN_REPAYMENT", "LOAN_APPROVAL",
	"LOAN_DISBURSEMENT", "SAVINGS_CREATED", "SAVINGS_DEPOSIT", "SAVINGS_APPROVAL", "SAVINGS_WITHDRAWAL"}

// TestHuntprovMessageEventIsMambus: a message's event is a value of
// Mambu's event enum, the event that triggered it as Mambu's API names it
// (LOAN_DISBURSEMENT, SAVINGS_CREATED, SAVINGS_WITHDRAWAL): a client
// generated from Mambu's OpenAPI document reads it into that enum, and
// code written against Mambu compares it with those names. Before, it was
// the name the catalog's template writes in the body (LOAN_DISBURSED,
// DEPOSIT_ACCOUNT_CREATED) or the catalog type upper-cased
// (DEPOSIT_WITHDRAWAL), none of them Mambu's. The EVENT filter takes
// Mambu's name, and still the body's and hookctl's (loan.disbursed).
func TestHuntprovMessageEventIsMambus(t *testing.T) {
	e := servetest.Start(t, nil)
	svc := &subscription.Service{Store: e.Store}
	if _, err := svc.Create(t.Context(), subscription.CreateInput{URL: e.Recv.URL + "/mambu", Events: []string{"*"}, Provider: "mambu"}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"client.created": "CLIENT_CREATED", "loan.disbursed": "LOAN_DISBURSEMENT", "loan.repayment": "LOAN_REPAYMENT",
		"deposit.created": "SAVINGS_CREATED", "deposit.withdrawal": "SAVINGS_WITHDRAWAL"}
	keys := map[string]string{} // encodedKey → type
	for typ := range want {
		code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": typ, "provider": "mambu"})
		if code != 201 {
			t.Fatalf("trigger %s: %d %s", typ, code, body)
		}
		keys[servetest.JSON(t, body)["deliveries"].([]any)[0].(map[string]any)["id"].(string)] = typ
	}
	for _, path := range []string{"/api/communications/messages:search", "/api/notifications/messages/search"} {
		code, body := e.Do("POST", path, basic, `{}`)
		var msgs []struct{ EncodedKey, Event string }
		if err := json.Unmarshal(body, &msgs); code != 200 || err != nil || len(msgs) != len(want) {
			t.Fatalf("%s: %d %s", path, code, body)
		}
		for _, m := range msgs {
			typ := keys[m.EncodedKey]
			if m.Event != want[typ] || !slices.Contains(mambuEvents, m.Event) {
				t.Errorf("%s: the %s message's event is %q, want %q (Mambu's enum)", path, typ, m.Event, want[typ])
			}
		}
	}
	for key, typ := range keys {
		_, body := e.Do("GET", "/api/communications/messages/"+key, basic, nil)
		if got := servetest.JSON(t, body)["event"]; got != want[typ] {
			t.Errorf("GET the %s message: event %v, want %s", typ, got, want[typ])
		}
	}
	// Each name finds the message: Mambu's, the body's, hookctl's.
	for _, v := range []string{"LOAN_DISBURSEMENT", "LOAN_DISBURSED", "loan.disbursed", "SAVINGS_WITHDRAWAL", "DEPOSIT_WITHDRAWAL", "SAVINGS_CREATED", "DEPOSIT_ACCOUNT_CREATED"} {
		code, body := e.Do("POST", "/api/communications/messages:search", basic,
			`{"filterCriteria":[{"field":"event","operator":"EQUALS","value":"`+v+`"}]}`)
		if code != 200 || strings.Count(string(body), `"encodedKey"`) != 1 {
			t.Errorf("EVENT EQUALS %s: %d %s, want the one message", v, code, body)
		}
	}
}
