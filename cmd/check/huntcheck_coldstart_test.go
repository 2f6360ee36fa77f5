package check_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/check"
)

// TestColdStartOverDeadlineHint: a receiver whose first answer comes
// after the deadline (a dev server compiling the route on its first
// request) and every later one at once fails responds-fast (the
// provider gives up on that delivery), with a hint about warming it up,
// not "answer 2xx first, then process the event asynchronously": it
// does no work before answering. Serial: it asserts the later answers
// were quick (a few ms alone, under the 1 s median limit at any load
// seen; TestFlakesRespondsFastColdStart likewise).
func TestColdStartOverDeadlineHint(t *testing.T) {
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		once.Do(func() { time.Sleep(3 * time.Second) })
		io.WriteString(w, `{"ok":true}`+"\n")
	}))
	t.Cleanup(srv.Close)
	r := hookctl(t, nil, "check", srv.URL, "-o", "json", "--provider", "bond", "--secret", bondSecret,
		"--deadline", "2s", "--only", strings.Join([]string{check.AcceptsValid, check.AcknowledgesDuplicate, check.VerifiesRawBody,
			check.IgnoresUnknownEvent, check.AcceptsLargePayload, check.RespondsFast}, ","))
	if r.report == nil {
		t.Fatalf("no report:\n%s", r.dump())
	}
	for _, c := range r.report.Checks {
		if c.ID != check.RespondsFast {
			continue
		}
		if c.Verdict != check.Fail || !strings.Contains(c.Detail, "only this one was slow") ||
			!strings.Contains(c.Hint, "only the first valid event was answered after the deadline") || !strings.Contains(c.Hint, "warm the receiver up") ||
			strings.Contains(c.Hint, "asynchronously") {
			t.Fatalf("responds-fast = %s %q (hint %q), want FAIL naming the first event's cold start", c.Verdict, c.Detail, c.Hint)
		}
		if r.code != 1 {
			t.Fatalf("exit %d, want 1", r.code)
		}
		return
	}
	t.Fatalf("no responds-fast verdict:\n%s", r.dump())
}
