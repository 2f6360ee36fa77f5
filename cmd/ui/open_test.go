package ui

import (
	"testing"

	iostreams "github.com/hookctl/hookctl/internal/ui"
)

// The browser opens for a person at a terminal only: not for -o json, not
// when stdout is not a terminal, not with --no-open.
func TestUIOpensBrowserOnlyAtATerminal(t *testing.T) {
	t.Setenv("DISPLAY", ":0") // a desktop, wherever the test runs
	for _, tc := range []struct {
		name          string
		tty, json, no bool
		want          bool
	}{
		{"terminal", true, false, false, true},
		{"piped", false, false, false, false},
		{"json", true, true, false, false},
		{"no-open", true, false, true, false},
	} {
		ios, _, _, _ := iostreams.Test()
		ios.SetTTY(tc.tty, tc.tty, tc.tty)
		if tc.json {
			ios.SetFormat(iostreams.FormatJSON)
		}
		if got := shouldOpen(&Options{IO: ios, NoOpen: tc.no}); got != tc.want {
			t.Errorf("%s: open = %v, want %v", tc.name, got, tc.want)
		}
	}
}
