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

// flakesReceiver answers every request 200 after work that takes
// smallWork, or largeWork for a body over 100 KiB (accepts-large-payload's),
// one request at a time when serial.
func flakesReceiver(t *testing.T, serial bool, smallWork, largeWork time.Duration) string {
	t.Helper()
	var one sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if serial {
			one.Lock()
			defer one.Unlock()
		}
		if len(body) > 100<<10 {
			time.Sleep(largeWork)
		} else {
			time.Sleep(smallWork)
		}
		io.WriteString(w, `{"ok":true}`+"\n")
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func flakesBurstVerdict(t *testing.T, url string, only ...string) check.Result {
	t.Helper()
	r := hookctl(t, nil, "check", url, "-o", "json", "--provider", "bond", "--secret", bondSecret,
		"--deadline", "6s", "--burst", "16", "--only", strings.Join(only, ","))
	if r.report == nil {
		t.Fatalf("no report:\n%s", r.dump())
	}
	for _, c := range r.report.Checks {
		if c.ID == check.SurvivesBurst {
			return c
		}
	}
	t.Fatalf("no survives-burst verdict:\n%s", r.dump())
	return check.Result{}
}

// TestFlakesBurstQueueBehindOneSlowAnswer: a receiver with one worker,
// 130 ms an event, queues a burst of 16 for 2.1 s, over a quarter of the
// 6 s deadline: survives-burst warns whatever else it answered slowly.
// Its answer to the 256 KiB event took 1.8 s; the burst's slowest was
// compared with that, the slowest answer alone (2.1 s - 1.8 s is under
// the quarter), and the queue passed as "as slow as one event alone
// (1.8s): no queueing". A busy machine did the same to the broken
// receivers' one-at-a-time case (TestBrokenReceivers): one answer alone
// of the seven took 786 ms at load 20, 1 run in 20. Serial: it asserts
// how long a queue is (2 s waited against the 1.5 s quarter; a loaded
// machine lengthens the queue, and at load 30 it stayed under the 6 s
// deadline).
func TestFlakesBurstQueueBehindOneSlowAnswer(t *testing.T) {
	url := flakesReceiver(t, true, 130*time.Millisecond, 1800*time.Millisecond)
	c := flakesBurstVerdict(t, url, check.AcceptsValid, check.AcceptsLargePayload, check.SurvivesBurst)
	if c.Verdict != check.Warn || !strings.Contains(c.Detail, "over a quarter of the 6s deadline") ||
		!strings.Contains(c.Hint, "requests wait in a queue") {
		t.Fatalf("survives-burst = %s %q (hint %q), want WARN: requests wait in a queue", c.Verdict, c.Detail, c.Hint)
	}
}
