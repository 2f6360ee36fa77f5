//go:build linux

package main

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/cmd"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/ui"
)

// polish6Commands is every command of the tree (but help's), as argv.
func polish6Commands() [][]string {
	ios, _, _, _ := ui.Test()
	var out [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		out = append(out, path)
		for _, sub := range c.Commands() {
			walk(sub, append(append([]string{}, path...), sub.Name()))
		}
	}
	walk(cmd.NewRootCmd(&cli.Factory{IOStreams: ios}), nil)
	return out
}

// polish6HelpTooWide are the help lines allowed over 80 columns at 80:
// none. (A word wider than a line would stay whole; no help has one.)
var polish6HelpTooWide = map[string]bool{}

// Every command's --help on an 80-column terminal: no line wider. Cobra
// prints the usage line, the examples and the flags as written: at 80
// columns 40 commands had lines up to 179 columns (flag descriptions,
// subscribe's usage line of 169, sign's examples of 148), which the
// terminal broke mid-word at column 0. On a terminal the usage line
// wraps between its groups, the flags' descriptions under their column,
// and an example continues on the next line after " \" (its comment on
// the line above): joined again, it is the example as written, and
// piped, help is as before (whole lines, for a pager or grep).
func TestPolish6HelpFits80(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	e.cols = 80
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
			if w := utf8.RuneCountInString(l); w > 80 && !polish6HelpTooWide[strings.TrimSpace(l)] {
				t.Errorf("%v: a line %d wide on an 80-column terminal: %q", args, w, l)
			}
		}
		c, _, err := root.Find(path)
		if err != nil {
			t.Fatal(err)
		}
		// The examples, joined again, are the examples as written.
		var shown []string
		in, pending := false, ""
		for _, l := range lines {
			switch {
			case l == "Examples:":
				in = true
				continue
			case in && l == "":
				in = false
			}
			if !in {
				continue
			}
			l = strings.TrimSpace(l)
			if s, ok := strings.CutSuffix(l, `\`); ok {
				pending += s
				continue
			}
			shown = append(shown, pending+l)
			pending = ""
		}
		var want []string
		pending = ""
		for _, l := range strings.Split(c.Example, "\n") {
			l = strings.TrimSpace(l)
			if s, ok := strings.CutSuffix(l, `\`); ok {
				pending += s
				continue
			}
			want = append(want, pending+l)
			pending = ""
		}
		// Commands only: a comment moved above its line (cutComment:
		// examples_test.go).
		commands := func(ls []string) (cmds []string) {
			for _, l := range ls {
				c, _ := cutComment(l)
				if c = strings.Join(strings.Fields(c), " "); c != "" {
					cmds = append(cmds, c)
				}
			}
			return cmds
		}
		gotCmds, wantCmds := commands(shown), commands(want)
		if strings.Join(gotCmds, "\n") != strings.Join(wantCmds, "\n") {
			t.Errorf("%v: the examples shown, joined, are not the examples:\n%s\nwant:\n%s", args, strings.Join(gotCmds, "\n"), strings.Join(wantCmds, "\n"))
		}
	}

	// Piped: cobra's help, the long lines whole.
	out := e.plain("subscribe", "--help")
	for _, want := range []string{
		"  hookctl subscribe --url <url> --events <list> [--description <text>] [--provider <p>] [--scheme <s>] [--header 'K: V']... [--secret <s> | --secret-file <file>] [flags]\n",
		"  hookctl subscribe --url https://app.example.com/hooks --events '*' --description staging --header 'Authorization: Bearer t0k3n'\n",
		"      --secret-file file    read the secret from file instead (keeps it out of the process list and shell history; warns unless only you may read it)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("subscribe --help piped: no whole line %q:\n%s", want, out)
		}
	}
}
