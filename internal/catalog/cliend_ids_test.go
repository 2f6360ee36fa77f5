package catalog

import (
	"strings"
	"testing"
)

// The catalog's evt_/msg_ ids and the alnum template come from
// signature.AppendBase62 (one helper for the ids hookctl makes up): the
// same alphabet and lengths as before.
func TestCliendIDsAlphabet(t *testing.T) {
	for _, p := range []string{"saas", "stripe", "standard"} {
		id := NewEventID(p)
		pre, rest, _ := strings.Cut(id, "_")
		if (pre != "evt" && pre != "msg") || len(rest) != 24 || strings.Trim(rest, alnumChars) != "" {
			t.Errorf("NewEventID(%s) = %q: want evt_ or msg_ and 24 letters or digits", p, id)
		}
	}
	for _, n := range []int{1, 7, 64, 65, 256} {
		got := string(randChars(alnumChars, "x_", n)(nil, nil))
		if len(got) != n+2 || !strings.HasPrefix(got, "x_") || strings.Trim(got[2:], alnumChars) != "" {
			t.Errorf("alnum %d = %q", n, got)
		}
	}
}

// BenchmarkCliendNewEventID is the id each event of `trigger --count N`
// for a Stripe-style provider gets.
func BenchmarkCliendNewEventID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = NewEventID("stripe")
	}
}
