package ui

import (
	"strings"
	"testing"
)

// Wrap broke a word at its hyphens (ansi.Wordwrap always breaks after a
// "-"): an id in a hint went over two lines, with a space put into it
// when the rest was wrapped again, and a flag was cut after its "--".
func TestPolish4WrapKeepsHyphenatedWords(t *testing.T) {
	const id = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
	for _, tc := range []struct {
		s, word string
		width   int
	}{
		{"hookctl: hint: see it: hookctl deliveries show " + id + " now", id, 40},
		{"  expects     every answer within --deadline (WARN above 1s)", "--deadline", 40},
		{"Ready! Serving on http://127.0.0.1:4000, delivering in-process (^C to stop)", "in-process", 40},
	} {
		got := Wrap(tc.s, tc.width, "  ")
		if !strings.Contains(got, tc.word) {
			t.Errorf("Wrap(%q, %d) = %q: %q not whole", tc.s, tc.width, got, tc.word)
		}
		for _, l := range strings.Split(got, "\n") {
			if len([]rune(l)) > tc.width && !strings.Contains(l, tc.word) {
				t.Errorf("Wrap(%q, %d): line %q wider than %d", tc.s, tc.width, l, tc.width)
			}
		}
		if strings.Join(strings.Fields(got), " ") != strings.Join(strings.Fields(tc.s), " ") {
			t.Errorf("Wrap(%q, %d) = %q: words changed", tc.s, tc.width, got)
		}
	}
}
