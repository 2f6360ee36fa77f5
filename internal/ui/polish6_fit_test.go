package ui

import (
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestPolish6ElideMiddle(t *testing.T) {
	for _, tc := range []struct {
		s     string
		width int
		want  string
	}{
		{"http://127.0.0.1:18765/webhooks/fail", 40, "http://127.0.0.1:18765/webhooks/fail"},
		{"http://127.0.0.1:18765/webhooks/fail", 16, "http:…hooks/fail"},
		{"http://127.0.0.1:18765/webhooks/fail", 22, "http://…/webhooks/fail"},
		{"abc", 1, "a"},
	} {
		got := ElideMiddle(tc.s, tc.width)
		if got != tc.want || ansi.StringWidth(got) > tc.width {
			t.Errorf("ElideMiddle(%q, %d) = %q, want %q", tc.s, tc.width, got, tc.want)
		}
	}
}
