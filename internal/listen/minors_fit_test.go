package listen

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// Fit keeps each line within the width, and what a line is read for
// whole: the status, the latency, the outcome, the id it shows.
func TestMinorsFitLines(t *testing.T) {
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	lines := []struct {
		line LogLine
		keep []string
	}{
		{LogLine{Time: at, Kind: KindEvent, EventID: "41ec4c94-6856-4d36-82d1-ed4511f6389e", EventType: "kyc.verification.document_required", Scheme: "bond", Retry: true},
			[]string{"[41ec4c94]", "verified", "retry"}},
		{LogLine{Time: at, Kind: KindForward, EventID: "e", Method: "POST", URL: "http://localhost:3000/webhooks/staging/payments/v2/card", Status: 502, DurationMS: 0.4,
			Error: "dial tcp 127.0.0.1:3000: connect: connection refused (nothing listens there: start your app)"},
			[]string{"[502] POST ht", "/card (0.4 ms) dial"}},
		{LogLine{Time: at, Kind: KindRejected, EventID: "evt_1QdXyz0123456789abcdefgh", EventType: "payment_intent.succeeded", Scheme: "stripe",
			Reason: "no matching signature: the signature does not match the body with the secret", RecordedAs: "rej_743ff4a7dedd314b7af45ad8"},
			[]string{"[rej_743f] rejected: no mat"}},
		{LogLine{Time: at, Kind: KindFiltered, EventID: "msg_2", EventType: "card.created", Reason: "not in --events kyc.*"},
			[]string{"[msg_2] verified filtered: not in"}},
	}
	short := func(id string) string { return id[:min(8, len(id))] }
	for _, w := range []int{60, 80} {
		f := &Fit{Width: func() int { return w }, EventID: short}
		for _, l := range lines {
			got := strings.TrimSuffix(string(f.AppendText(nil, l.line, time.UTC)), "\n")
			if ansi.StringWidth(got) > w {
				t.Errorf("%d columns on a %d-column terminal: %q", ansi.StringWidth(got), w, got)
			}
			for _, k := range l.keep {
				if !strings.Contains(got, k) {
					t.Errorf("width %d: %q lost %q", w, got, k)
				}
			}
		}
	}
	// Wide enough, a line says what AppendText says, the id shortened.
	f := &Fit{Width: func() int { return 300 }, EventID: short}
	for _, l := range lines {
		want := string(AppendText(nil, l.line, time.UTC))
		if l.line.Kind == KindEvent {
			want = strings.Replace(want, l.line.EventID, short(l.line.EventID), 1)
		}
		if l.line.Kind == KindRejected {
			want = strings.Replace(want, l.line.RecordedAs, short(l.line.RecordedAs), 1)
		}
		if got := string(f.AppendText(nil, l.line, time.UTC)); got != want {
			t.Errorf("wide:\n got %q\nwant %q", got, want)
		}
	}
}
