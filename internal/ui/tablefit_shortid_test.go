package ui

import (
	"fmt"
	"testing"
)

// ShortIDs shows 8 characters of each id, or as many more as it takes for
// no two rows' ids to share what is shown (ShortID gave "9f8e7d6c" for
// two deliveries, a prefix every command that takes one calls ambiguous).
func TestTablefitShortIDsUnique(t *testing.T) {
	for _, c := range []struct{ in, want []string }{
		{[]string{"4f1c9a2b-aaaa", "77aa0000-bbbb"}, []string{"4f1c9a2b", "77aa0000"}},
		{[]string{"9f8e7d6c-5b4a", "9f8e7d6c-a1b2", "1a2b3c4d-5e6f"}, []string{"9f8e7d6c-5", "9f8e7d6c-a", "1a2b3c4d-5"}},
		{[]string{"evt_1", "evt_2"}, []string{"evt_1", "evt_2"}},                 // short ids whole
		{[]string{"abcdefgh-1", "abcdefgh-1"}, []string{"abcdefgh", "abcdefgh"}}, // the same id twice
		{[]string{"abcdefgh", "abcdefgh-2"}, []string{"abcdefgh", "abcdefgh-"}},  // one a prefix of the other
		{[]string{"0a1b2c3d-0000-d1", "0a1b2c3d-0000-d2"}, []string{"0a1b2c3d-0000-d1", "0a1b2c3d-0000-d2"}},
	} {
		if got := ShortIDs(c.in); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("ShortIDs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
