package ui

import (
	"strings"
	"testing"
)

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  string
	}{
		{"short line", 80, "short line"},
		{"a line that would be wrapped, but the width is unknown", 0, "a line that would be wrapped, but the width is unknown"},
		{"FAIL x: one two three four five six seven eight nine ten eleven", 30,
			"FAIL x: one two three four\n  five six seven eight nine\n  ten eleven"},
		{"FAIL x: one two three " + NoBreak("(hookctl deliveries show 1234abcd)"), 40,
			"FAIL x: one two three\n  (hookctl deliveries show 1234abcd)"},
		{"\x1b[31mFAIL\x1b[0m x: one two three four five six seven eight", 30,
			"\x1b[31mFAIL\x1b[0m x: one two three four\n  five six seven eight"},
	} {
		if got := Wrap(tc.in, tc.width, "  "); got != tc.want {
			t.Errorf("Wrap(%q, %d) =\n%s\nwant\n%s", tc.in, tc.width, got, tc.want)
		}
		if strings.Contains(Wrap(tc.in, tc.width, "  "), nbsp) {
			t.Errorf("Wrap(%q) kept a non-breaking space", tc.in)
		}
	}
}
