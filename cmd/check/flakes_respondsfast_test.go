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

// TestFlakesRespondsFastColdStart: a receiver whose first answer takes
// 1.5 s (its cold start: modules loaded, code compiled on the first
// request) and every later one a few milliseconds does no work before
// answering: responds-fast passes, saying so. It warned "acknowledge
// first (2xx), then process the event asynchronously" on the one slow
// answer, as it did, on a busy machine, for the svix receiver of
// TestSDKReceivers (6 runs in 15 at load 35: its first answer 1.1-2 s).
// A handler slow on every event still warns (TestBrokenReceivers:
// slow-concurrent). Serial: it asserts that answers were quick (the
// median of eight, a few ms alone, under 1 s at any load seen).
func TestFlakesRespondsFastColdStart(t *testing.T) {
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		once.Do(func() { time.Sleep(1500 * time.Millisecond) })
		io.WriteString(w, `{"ok":true}`+"\n")
	}))
	t.Cleanup(srv.Close)
	r := hookctl(t, nil, "check", srv.URL, "-o", "json", "--provider", "bond", "--secret", bondSecret,
		"--deadline", "4s", "--only", strings.Join([]string{check.AcceptsValid, check.AcknowledgesDuplicate, check.VerifiesRawBody,
			check.IgnoresUnknownEvent, check.AcceptsLargePayload, check.ToleratesOutOfOrder, check.RespondsFast}, ","))
	if r.report == nil {
		t.Fatalf("no report:\n%s", r.dump())
	}
	for _, c := range r.report.Checks {
		if c.ID != check.RespondsFast {
			continue
		}
		if c.Verdict != check.Pass || !strings.HasPrefix(c.Detail, "slowest of 7 valid events: 200 in ") || !strings.Contains(c.Detail, "; median ") ||
			!strings.HasSuffix(c.Detail, ": not a slow handler") {
			t.Fatalf("responds-fast = %s %q (hint %q), want PASS: slowest of 7 valid events, median, not a slow handler", c.Verdict, c.Detail, c.Hint)
		}
		return
	}
	t.Fatalf("no responds-fast verdict:\n%s", r.dump())
}
