package stripe

import (
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/signature"
)

// The ids serve makes up for Stripe objects (and its Request-Id) are
// letters and digits, each equally likely. They were one random byte
// modulo 62: A to H (the first 8 of the alphabet, 256 = 4*62+8) came 25%
// more often than the rest. Now they come from signature.RandBase62, the
// one helper for hookctl's made-up ids (unbiased).
func TestCliendIDsUnbiased(t *testing.T) {
	counts := map[rune]int{}
	const ids = 20000
	for range ids {
		id := newID("evt_")
		rest, ok := strings.CutPrefix(id, "evt_")
		if !ok || len(rest) != 24 {
			t.Fatalf("newID(evt_) = %q: want evt_ and 24 characters", id)
		}
		for _, c := range rest {
			if !strings.ContainsRune(signature.Base62, c) {
				t.Fatalf("newID(evt_) = %q: %q is not a letter or digit", id, c)
			}
			counts[c]++
		}
	}
	if len(counts) != 62 {
		t.Fatalf("%d distinct characters in %d ids, want 62", len(counts), ids)
	}
	// 480,000 characters: about 7,742 each (standard deviation ~87); a
	// 25% bias is 1,900 more.
	lo, hi := ids*24, 0
	for _, n := range counts {
		lo, hi = min(lo, n), max(hi, n)
	}
	if float64(hi) > 1.1*float64(lo) {
		t.Errorf("character counts from %d to %d: biased (want within 10%%)", lo, hi)
	}
}
