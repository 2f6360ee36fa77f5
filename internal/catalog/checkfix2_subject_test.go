package catalog

import (
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// TestCheckfix2Subject: an event built with another's Subject is about
// the same client and deposit account, whatever the two templates'
// formats, with its own notification id, time and transaction.
func TestCheckfix2Subject(t *testing.T) {
	cat, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := cat.Lookup("deposit.withdrawal", "mambu")
	if err != nil {
		t.Fatal(err)
	}
	c, err := cat.Lookup("deposit.created", "mambu")
	if err != nil {
		t.Fatal(err)
	}
	ew, err := cat.Build(w, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"DEPOSIT_ACCOUNT_ID", "CLIENT_ID", "CLIENT_FIRST_NAME", "CLIENT_LAST_NAME"} {
		if ew.Subject[k] == "" {
			t.Errorf("Subject lacks %s: %v", k, ew.Subject)
		}
	}
	for _, k := range []string{"NOTIFICATION_ID", "EVENT_TIMESTAMP", "TRANSACTION_ID", "TRANSACTION_AMOUNT"} {
		if _, ok := ew.Subject[k]; ok {
			t.Errorf("Subject has the event's own %s", k)
		}
	}
	ec, err := cat.Build(c, BuildOptions{Subject: ew.Subject})
	if err != nil {
		t.Fatal(err)
	}
	if got := gjson.GetBytes(ec.Body, "depositAccount.id").Str; got != ew.Subject["DEPOSIT_ACCOUNT_ID"] {
		t.Errorf("depositAccount.id = %q, want the withdrawal's %q", got, ew.Subject["DEPOSIT_ACCOUNT_ID"])
	}
	if got := gjson.GetBytes(ec.Body, "client.id").Str; !strings.Contains(string(ew.Body), "("+got+")") {
		t.Errorf("client.id %q is not the withdrawal's: %s", got, ew.Body)
	}
	if ec.ID == ew.ID {
		t.Errorf("the two share their notification id %s", ec.ID)
	}
}

// TestCheckfix2Generated: Generated marks what the template generated,
// times apart, and leaves what the event type states.
func TestCheckfix2Generated(t *testing.T) {
	cat, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	et, err := cat.Lookup("card.created", "bond")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := cat.Build(et, BuildOptions{Generated: true})
	if err != nil {
		t.Fatal(err)
	}
	kind := func(p string) string {
		v := gjson.GetBytes(ev.Body, p)
		for _, s := range ev.Generated {
			if s.Start < v.Index+len(v.Raw) && v.Index < s.End {
				if s.Time {
					return "time"
				}
				return "random"
			}
		}
		return "literal"
	}
	for p, want := range map[string]string{"card.last_four": "random", "card.card_id": "random", "card.status": "literal", "event": "literal", "occurred_at": "time"} {
		if got := kind(p); got != want {
			t.Errorf("%s: %s, want %s", p, got, want)
		}
	}
	if ev2, _ := cat.Build(et, BuildOptions{}); ev2.Generated != nil {
		t.Errorf("Generated recorded without being asked for")
	}
}
