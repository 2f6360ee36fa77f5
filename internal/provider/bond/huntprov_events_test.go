package bond_test

import (
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestHuntprovEventsSayWhatIsWrong: an events list with an empty or null
// entry is a 400 naming the entry (events[1] empty), where it said
// "Unknown event(s): " followed by nothing; a misspelt event gets the
// Bond event a typo away, as hookctl subscribe suggests it.
func TestHuntprovEventsSayWhatIsWrong(t *testing.T) {
	e := servetest.Start(t, nil)
	for _, tc := range []struct{ body, want string }{
		{`{"events":["card.created",""],"callback_url":"http://x.test"}`, `events[1] empty: each entry names a Bond event`},
		{`{"events":[null],"callback_url":"http://x.test"}`, `events[0] empty`},
		{`{"events":["card.creatd","kyc.nope"," "],"callback_url":"http://x.test"}`, `Unknown event(s): card.creatd, kyc.nope; did you mean card.created?; events[2] empty`},
	} {
		code, body := e.Do("POST", "/api/v0/webhooks/", auth, tc.body)
		if code != 400 || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s: %d %s\nwant 400 saying %s", tc.body, code, body, tc.want)
		}
	}
}
