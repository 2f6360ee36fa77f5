package serve_test

import (
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestHuntprovTriggerSaysAPIWords: the control API's trigger refuses a
// set, data or provider in its own words (set, data, provider), not the
// CLI's flags (--set-string, --set-json, --data, --provider), and keeps
// the hint that names the event to send instead. Before, its 400s read
// "--set-string card.last_four.x=1: …", "event … names provider bond but
// --provider is stripe", and a body whose event was changed ended on
// "; or leave event as the fixture has it", the hint before it (name
// bond:card.status.active instead) dropped for naming --data and --set.
//
// set's entries apply in the order the body gives them: {"card": 5,
// "card.x": 1} is refused every time and {"card.x": 1, "card": 5} sends
// card 5 every time. Before, a Go map applied them in a random order, so
// the same request was sometimes refused and sometimes sent.
func TestHuntprovTriggerSaysAPIWords(t *testing.T) {
	e := servetest.Start(t, nil)
	subscribe(t, e, "*")
	for _, tc := range []struct{ req, want string }{
		{`{"type":"card.created","set":{"card.last_four.x":"1"}}`, "set card.last_four.x=1: card.last_four is a string in this event, not an object or array"},
		{`{"type":"card.created","set":{"card":5,"card.x":1}}`, "card is a number in this event"},
		{`{"type":"card.created","set":{"":"1"}}`, `set: malformed set \"=1\": empty path`},
		{`{"type":"bond:card.created","provider":"stripe"}`, `names provider bond but provider is stripe`},
		{`{"type":"card.created","set":{"event":"card.status.active"}}`, "to send the card.status.active event, name it instead: bond:card.status.active (data and set work with it too); or leave event as the fixture has it"},
	} {
		code, body := e.Do("POST", "/_hookctl/trigger", nil, tc.req)
		if code != 400 || !strings.Contains(string(body), tc.want) || strings.Contains(string(body), "--") {
			t.Errorf("%s: %d %s\nwant 400 saying %q, no CLI flag", tc.req, code, body, tc.want)
		}
	}
	for range 20 {
		if code, body := e.Do("POST", "/_hookctl/trigger", nil, `{"type":"card.created","set":{"card":5,"card.x":1}}`); code != 400 {
			t.Fatalf("set card then card.x: %d %s, want 400 every time", code, body)
		}
		code, body := e.Do("POST", "/_hookctl/trigger", nil, `{"type":"card.created","set":{"card.x":1,"card":5}}`)
		if code != 201 || !strings.Contains(string(body), `"card":5`) {
			t.Fatalf("set card.x then card: %d %s, want 201 with card 5 every time", code, body)
		}
	}
	for _, bad := range []string{`"x"`, `[1]`, `5`} {
		if code, body := e.Do("POST", "/_hookctl/trigger", nil, `{"type":"card.created","set":`+bad+`}`); code != 400 || !strings.Contains(string(body), "field set has the wrong type: want an object") {
			t.Errorf("set %s: %d %s", bad, code, body)
		}
	}
}
