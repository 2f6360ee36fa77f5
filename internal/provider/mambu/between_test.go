package mambu_test

import (
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestCreationDateSaysWhatIsMissing: a CREATION_DATE filter that lacks
// its secondValue (BETWEEN) or its value, or names an operator dates do
// not take, is Mambu's 400 INVALID_PARAMETERS naming what is wrong.
// Before, BETWEEN without secondValue said 'invalid date ""', a date
// nobody sent, and EQUALS with no value said the same instead of naming
// the operators.
func TestCreationDateSaysWhatIsMissing(t *testing.T) {
	e := servetest.Start(t, nil)
	for _, tc := range []struct{ body, want string }{
		{`{"filterCriteria":[{"field":"creationDate","operator":"BETWEEN","value":"2026-01-01"}]}`, "BETWEEN needs a secondValue"},
		{`{"filterCriteria":[{"field":"creationDate","operator":"BETWEEN","value":"2026-01-01","secondValue":"soon"}]}`, `secondValue: invalid date \"soon\"`},
		{`{"filterCriteria":[{"field":"creationDate","operator":"AFTER"}]}`, "CREATION_DATE AFTER needs a value"},
		{`{"filterCriteria":[{"field":"creationDate","operator":"EQUALS"}]}`, `supports AFTER, BEFORE, BETWEEN and ON, not \"EQUALS\"`},
		{`{"filterConstraints":[{"filterSelection":"CREATION_DATE","filterElement":"BETWEEN","value":"2026-01-01"}]}`, "BETWEEN needs a secondValue"},
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
}
