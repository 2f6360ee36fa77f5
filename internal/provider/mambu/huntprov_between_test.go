package mambu_test

import (
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestHuntprovBetweenEndBeforeStart: a CREATION_DATE BETWEEN whose
// secondValue (the end) is before its value (the start) is Mambu's 400
// INVALID_PARAMETERS saying so, as :resendAsyncByDate's endDate before
// startDate is. Before, the search answered 200 [], a window swapped by
// mistake passing for "no messages then".
func TestHuntprovBetweenEndBeforeStart(t *testing.T) {
	e := servetest.Start(t, nil)
	for path, body := range map[string]string{
		"/api/communications/messages:search": `{"filterCriteria":[{"field":"creationDate","operator":"BETWEEN","value":"2026-12-07","secondValue":"2026-12-06"}]}`,
		"/api/notifications/messages/search":  `{"filterConstraints":[{"filterSelection":"CREATION_DATE","filterElement":"BETWEEN","value":"2026-12-07T10:00:00Z","secondValue":"2026-12-07T09:59:59Z"}]}`,
	} {
		code, got := e.Do("POST", path, basic, body)
		if code != 400 || !strings.Contains(string(got), "INVALID_PARAMETERS") || !strings.Contains(string(got), "secondValue") || !strings.Contains(string(got), "is before") {
			t.Errorf("%s %s: %d %s, want 400 INVALID_PARAMETERS saying secondValue is before value", path, body, code, got)
		}
	}
	// The same day as both ends is that day, not an error.
	if code, got := e.Do("POST", "/api/communications/messages:search", basic,
		`{"filterCriteria":[{"field":"creationDate","operator":"BETWEEN","value":"2026-12-07","secondValue":"2026-12-07"}]}`); code != 200 {
		t.Errorf("BETWEEN a day and itself: %d %s", code, got)
	}
}
