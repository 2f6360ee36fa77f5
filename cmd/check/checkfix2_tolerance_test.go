package check_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/check"
	"github.com/hookctl/hookctl/internal/signature"
)

// TestCheckfix2WideTolerance: a receiver that checks the timestamp with a
// 15-minute tolerance rightly fails rejects-stale-timestamp and
// rejects-future-timestamp, and is told what check saw (it accepted a
// timestamp 10 minutes off and refused one a day off: a tolerance wider
// than the scheme's 5 minutes), not that "checking the signature is not
// enough", which assumed no timestamp check at all. A receiver that does
// not check the timestamp keeps that hint, with the day-old probe as
// evidence. Before, both got the same hint.
func TestCheckfix2WideTolerance(t *testing.T) {
	t.Parallel()
	sch, err := signature.Lookup("bond")
	if err != nil {
		t.Fatal(err)
	}
	wide := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		in := signature.VerifyInput{Secrets: []string{bondSecret}, Header: r.Header, Body: body, Now: time.Now(), Tolerance: 15 * time.Minute}
		if err := sch.Verify(in); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(wide.Close)
	none := newReceiver(t, "bond", bondSecret, behaviour{noTimestamp: true})
	for _, tc := range []struct {
		name, url     string
		detail        map[string]string
		hint, notHint map[string]string
	}{
		{"15-minute tolerance", wide.URL,
			map[string]string{
				check.RejectsStaleTimestamp:  "signed 10m ago (tolerance 5m): 200 in ",
				check.RejectsFutureTimestamp: "signed 10m ahead (tolerance 5m): 200 in ",
			},
			map[string]string{
				check.RejectsStaleTimestamp:  "accepted a timestamp 10 minutes old but refused one 24 hours old: the receiver checks the timestamp, with a tolerance wider than the scheme's 5 minutes",
				check.RejectsFutureTimestamp: "accepted a timestamp 10 minutes in the future but refused one 24 hours in the future: the receiver checks the timestamp, with a tolerance wider than the scheme's 5 minutes",
			},
			map[string]string{check.RejectsStaleTimestamp: "checking the signature is not enough", check.RejectsFutureTimestamp: "checking the signature is not enough"}},
		{"no timestamp check", none.srv.URL,
			map[string]string{
				check.RejectsStaleTimestamp:  "; signed 24h ago: 200 in ",
				check.RejectsFutureTimestamp: "; signed 24h ahead: 200 in ",
			},
			map[string]string{
				check.RejectsStaleTimestamp:  "checking the signature is not enough: also answer 400 or 401 when the signed timestamp is more than 5 minutes old (a timestamp 24 hours old was accepted too: the timestamp is not checked at all)",
				check.RejectsFutureTimestamp: "checking the signature is not enough: also answer 400 or 401 when the signed timestamp is more than 5 minutes in the future (a timestamp 24 hours in the future was accepted too",
			},
			map[string]string{check.RejectsStaleTimestamp: "wider", check.RejectsFutureTimestamp: "wider"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := hookctl(t, nil, "check", tc.url, "--provider", "bond", "--secret", bondSecret, "-o", "json",
				"--only", check.RejectsStaleTimestamp+","+check.RejectsFutureTimestamp)
			if r.code != 1 || r.report == nil || len(r.verdicts(check.Fail)) != 2 {
				t.Fatalf("want both timestamp checks to fail, got\n%s", r.dump())
			}
			for _, c := range r.report.Checks {
				if !strings.Contains(c.Detail, tc.detail[c.ID]) {
					t.Errorf("%s detail %q, want %q", c.ID, c.Detail, tc.detail[c.ID])
				}
				if !strings.Contains(c.Hint, tc.hint[c.ID]) {
					t.Errorf("%s hint %q, want %q", c.ID, c.Hint, tc.hint[c.ID])
				}
				if strings.Contains(c.Hint, tc.notHint[c.ID]) {
					t.Errorf("%s hint %q says %q", c.ID, c.Hint, tc.notHint[c.ID])
				}
			}
		})
	}
}
