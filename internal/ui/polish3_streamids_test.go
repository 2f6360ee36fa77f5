package ui

import (
	"slices"
	"strings"
	"testing"
)

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

// DropLast's columns are left out, in order, only when the primary
// columns cut to their floor still do not fit; when even that does not
// fit, none is (the rows wrap).
func TestPolish3FitWidthsDropLast(t *testing.T) {
	headers := []string{"ID", "EVENT", "STATUS", "ATTEMPTS", "URL"}
	natural := []int{10, 24, 9, 8, 29}
	for _, c := range []struct {
		width  int
		hidden string
	}{
		{120, ""},
		{60, "ATTEMPTS"},       // EVENT and URL cut, both kept
		{40, "ATTEMPTS EVENT"}, // the primaries at 16 do not fit
		{20, "ATTEMPTS"},       // nothing fits: EVENT is back
	} {
		w := append([]int(nil), natural...)
		hidden := fitWidths(w, headers, nil, []string{"ATTEMPTS"}, c.width, "EVENT")
		var got []string
		for i, h := range hidden {
			if h {
				got = append(got, headers[i])
			}
		}
		slices.Sort(got)
		if strings.Join(got, " ") != c.hidden {
			t.Errorf("width %d: hidden %q, want %q (widths %v)", c.width, got, c.hidden, w)
		}
	}
}
