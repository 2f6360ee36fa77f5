package store

import "testing"

func TestParseVerdict(t *testing.T) {
	for _, c := range []struct{ in, kind, reason, canon string }{
		{"valid", VerdictValid, "", "valid"},
		{"", "", "", ""},
		{"invalid: no matching signature", VerdictInvalid, "no matching signature", "invalid: no matching signature"},
		{"refused: forwarding loop: x", VerdictRefused, "forwarding loop: x", "refused: forwarding loop: x"},
		// Kept before refusals had their own kind: its signature was never checked.
		{"invalid: forwarding loop: x", VerdictRefused, "forwarding loop: x", "refused: forwarding loop: x"},
	} {
		kind, reason := ParseVerdict(c.in)
		if kind != c.kind || reason != c.reason || CanonicalVerdict(c.in) != c.canon {
			t.Errorf("%q: %q %q %q, want %q %q %q", c.in, kind, reason, CanonicalVerdict(c.in), c.kind, c.reason, c.canon)
		}
	}
}
