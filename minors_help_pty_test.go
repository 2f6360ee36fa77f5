//go:build linux

package main

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hookctl/hookctl/cmd"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/ui"
)

var minorsLongQuoted = regexp.MustCompile(`'[^']{30,}'|"[^"]{30,}"`)

// Every command's --help on a 60-column terminal: no line wider but a
// word wider than a line, alone on its line. polish6 fitted the usage,
// the examples and the flags; the descriptions, hard-wrapped near 76
// columns, still broke mid-word at column 0 (every prose line of 61–79
// columns). On a terminal a description's paragraphs are filled again
// to its width, a definition list's entries under their column, with
// the same words in the same order; piped (polish6's test) help is
// cobra's, byte for byte.
func TestMinorsHelpProseFits60(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	e.cols = 60
	ios, _, _, _ := ui.Test()
	root := cmd.NewRootCmd(&cli.Factory{IOStreams: ios})
	for _, path := range polish6Commands() {
		args := append(append([]string{}, path...), "--help")
		r := e.pty([]string{"NO_COLOR=1"}, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.out)
		}
		lines := polish3Lines(r.out)
		for _, l := range lines {
			// An example's quoted argument wider than a line stays whole
			// (polish6: it is one word of the command).
			if w := utf8.RuneCountInString(l); w > 60 && strings.Contains(strings.TrimSpace(l), " ") && !minorsLongQuoted.MatchString(l) {
				t.Errorf("%v: a line %d wide on a 60-column terminal: %q", args, w, l)
			}
		}
		c, _, err := root.Find(path)
		if err != nil {
			t.Fatal(err)
		}
		desc := c.Long
		if desc == "" {
			desc = c.Short
		}
		// The description is what comes before "Usage:" (or all of it).
		shown, _, _ := strings.Cut(strings.Join(lines, "\n"), "\nUsage:")
		if got, want := strings.Join(strings.Fields(shown), " "), strings.Join(strings.Fields(desc), " "); got != want {
			t.Errorf("%v: the description shown is not the description's words:\n%s\nwant:\n%s", args, got, want)
		}
	}
}
