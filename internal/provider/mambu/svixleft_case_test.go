package mambu_test

import (
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestSvixleftFieldNamesAreCaseSensitive: Mambu's API (Java, Jackson:
// property names are case-sensitive unless configured otherwise) does
// not read {"Messages": […]} as messages; serve did (encoding/json) and
// resent the message. A search's {"FilterCriteria": …} is no filter
// either.
func TestSvixleftFieldNamesAreCaseSensitive(t *testing.T) {
	e := servetest.Start(t, nil)
	id, _ := failedMessage(t, e)
	code, body := e.Do("POST", "/api/communications/messages:resend", basic, `{"Messages": ["`+id+`"]}`)
	if code != 400 || !strings.Contains(string(body), "INVALID_PARAMETERS") {
		t.Errorf(`resend {"Messages"}: %d %s, want 400 INVALID_PARAMETERS (no keys given)`, code, body)
	}
	code, body = e.Do("POST", "/api/communications/messages:search", basic,
		`{"FilterCriteria": [{"field": "state", "operator": "EQUALS", "value": "SENT"}]}`)
	if code != 200 || !strings.Contains(string(body), id) {
		t.Errorf(`search {"FilterCriteria": state SENT}: %d %s, want the FAILED message listed (no filter read)`, code, body)
	}
}
