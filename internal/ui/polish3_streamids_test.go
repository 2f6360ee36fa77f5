package ui

import "testing"

// StreamIDs gives each id of a stream the shortest prefix (8 characters
// at least) no id seen before shares, and the same id the same prefix.
func TestPolish3StreamIDs(t *testing.T) {
	var s StreamIDs
	for _, c := range []struct{ in, want string }{
		{"4f1c9a2b-aaaa", "4f1c9a2b"},
		{"9f8e7d6c-5b4a", "9f8e7d6c"},
		{"9f8e7d6c-a1b2", "9f8e7d6c-a"}, // shares 9 characters with the one before
		{"4f1c9a2b-aaaa", "4f1c9a2b"},   // seen: as before
		{"9f8e7d6c-a1c0", "9f8e7d6c-a1c"},
		{"evt_1", "evt_1"},
		{"abcdefgh", "abcdefgh"},
		{"abcdefgh-2", "abcdefgh-"}, // the one before is its prefix
	} {
		if got := s.Short(c.in); got != c.want {
			t.Errorf("Short(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
