//go:build !windows

package main

import (
	"strings"
	"testing"
)

// Each command's help on an 80-column terminal: its description and its
// list of commands fit (the examples, the usage line and the flags are
// left as they are: a command to copy is not broken). Before, the root's
// list wrapped check's, serve's and ui's summaries (96, 81 and 87
// columns), deliveries show's (87), subscriptions rotate-secret's (99),
// events log's and show's, store's description and export/import/prune,
// config's key list (up to 169), listen's and subscribe's descriptions.
func TestPolish4HelpFits80(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	e.cols = 80
	for _, args := range [][]string{
		{"--help"}, {"deliveries", "--help"}, {"subscriptions", "--help"}, {"events", "--help"},
		{"store", "--help"}, {"config", "--help"}, {"trigger", "--help"}, {"listen", "--help"},
		{"replay", "--help"}, {"worker", "--help"}, {"serve", "--help"}, {"demo", "--help"},
		{"check", "--help"}, {"ui", "--help"}, {"subscribe", "--help"},
	} {
		r := e.pty([]string{"NO_COLOR=1"}, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.out)
		}
		prose := helpProse(r.out)
		if len(prose) < 2 {
			t.Fatalf("%v: no description read:\n%s", args, r.out)
		}
		before := t.Failed()
		linesFit(t, prose, 80)
		if !before && t.Failed() {
			t.Logf("%v:\n%s", args, r.out)
		}
	}
}

// helpProse is a help page's description and lists (of commands, of
// keys), without its usage line, examples and flags.
func helpProse(out string) []string {
	var prose []string
	skip := false
	for _, l := range polish3Lines(out) {
		switch {
		case l == "Usage:", l == "Examples:", l == "Flags:", l == "Global Flags:":
			skip = true
			continue
		case strings.HasSuffix(l, ":") && !strings.HasPrefix(l, " "):
			skip = false // a list of commands, Keys:
		}
		if !skip {
			prose = append(prose, l)
		}
	}
	return prose
}
