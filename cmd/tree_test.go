package cmd

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/ui"
)

// The names Run uses to build only one command must be exactly what each
// command answers to, and the table must hold every top-level command.
func TestSubcommandNames(t *testing.T) {
	ios, _, _, _ := ui.Test()
	f := &cli.Factory{IOStreams: ios}
	root := NewRootCmd(f)
	var inTree []string
	for _, c := range root.Commands() {
		if c.Name() == "help" {
			continue
		}
		inTree = append(inTree, c.Name())
	}
	var inTable []string
	for _, sc := range subcommands {
		c := sc.build(f)
		want := append([]string{c.Name()}, c.Aliases...)
		if !slices.Equal(sc.names, want) {
			t.Errorf("subcommands entry %v: the command answers to %v", sc.names, want)
		}
		inTable = append(inTable, c.Name())
	}
	slices.Sort(inTree)
	slices.Sort(inTable)
	if !slices.Equal(inTree, inTable) {
		t.Errorf("top-level commands %v, table %v", inTree, inTable)
	}
}

func TestCommandFor(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, rootHelp},
		{[]string{"--help"}, rootHelp},
		{[]string{"-h"}, rootHelp},
		{[]string{"help"}, rootHelp},
		{[]string{"--help", "--no-color"}, ""},
		{[]string{"help", "events"}, ""},
		{[]string{"--store", "x.db", "events", "list"}, ""},
		{[]string{"completion", "bash"}, ""},
		{[]string{"__complete", "ev"}, ""},
		{[]string{"evnets"}, ""},
		{[]string{"version"}, "version"},
		{[]string{"events", "list", "-o", "json"}, "events"},
		{[]string{"subs", "ls"}, "subs"},
	} {
		if got := commandFor(tc.args); got != tc.want {
			t.Errorf("commandFor(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}

// A run that builds only its command prints what the whole tree prints.
func TestPartialTreeSameOutput(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HOOKCTL_STORE", filepath.Join(dir, "s.db"))
	t.Setenv("HOOKCTL_CONFIG_DIR", filepath.Join(dir, "cfg"))
	for _, args := range [][]string{
		{"version"},
		{"version", "--help"},
		{"events", "--help"},
		{"events", "lst"},
		{"subs", "ls", "--help"},
		{"events", "list", "--output", "yaml"},
		{"sign", "--bogus"},
	} {
		run := func(only string) (int, string, string) {
			ios, _, out, errOut := ui.Test()
			f := &cli.Factory{IOStreams: ios, Version: "dev", Commit: "none"}
			root := newRootCmd(f, only)
			root.SetArgs(args)
			root.SetIn(ios.In)
			root.SetOut(ios.Out)
			root.SetErr(ios.ErrOut)
			code := cli.ExitOK
			if err := root.ExecuteContext(context.Background()); err != nil {
				code = reportError(ios.ErrOut, context.Background(), err)
			}
			return code, out.String(), errOut.String()
		}
		only := commandFor(args)
		if only == "" {
			t.Fatalf("%q: expected a single-command run", args)
		}
		c1, o1, e1 := run("")
		c2, o2, e2 := run(only)
		if c1 != c2 || o1 != o2 || e1 != e2 {
			t.Errorf("%q: whole tree (%d) %q %q; partial (%d) %q %q", args, c1, o1, e1, c2, o2, e2)
		}
		if o1 == "" && e1 == "" {
			t.Errorf("%q: no output at all", args)
		}
	}
}

// The root help's stubs stand for their commands: same name, aliases,
// summary and visibility.
func TestHelpStubs(t *testing.T) {
	ios, _, _, _ := ui.Test()
	f := &cli.Factory{IOStreams: ios}
	for _, sc := range subcommands {
		c, s := sc.build(f), sc.stub()
		usageArgs(c) // as in the tree: it makes group commands runnable
		if c.Name() != s.Name() || !slices.Equal(c.Aliases, s.Aliases) || c.Short != s.Short ||
			c.Hidden != s.Hidden || c.Deprecated != s.Deprecated || c.IsAvailableCommand() != s.IsAvailableCommand() {
			t.Errorf("subcommands entry %v: stub %q %q, command %q %q (hidden %v, available %v)",
				sc.names, s.Name(), s.Short, c.Name(), c.Short, c.Hidden, c.IsAvailableCommand())
		}
	}
}

// The root's help from stubs is the whole tree's, byte for byte.
func TestRootHelpSameOutput(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HOOKCTL_STORE", filepath.Join(dir, "s.db"))
	t.Setenv("HOOKCTL_CONFIG_DIR", filepath.Join(dir, "cfg"))
	for _, args := range [][]string{{}, {"--help"}, {"-h"}, {"help"}} {
		run := func(only string) (int, string, string) {
			ios, _, out, errOut := ui.Test()
			f := &cli.Factory{IOStreams: ios, Version: "dev", Commit: "none"}
			root := newRootCmd(f, only)
			root.SetArgs(args)
			root.SetIn(ios.In)
			root.SetOut(ios.Out)
			root.SetErr(ios.ErrOut)
			code := cli.ExitOK
			if err := root.ExecuteContext(context.Background()); err != nil {
				code = reportError(ios.ErrOut, context.Background(), err)
			}
			return code, out.String(), errOut.String()
		}
		if commandFor(args) != rootHelp {
			t.Fatalf("%q: expected a root-help run", args)
		}
		c1, o1, e1 := run("")
		c2, o2, e2 := run(rootHelp)
		if c1 != c2 || o1 != o2 || e1 != e2 {
			t.Errorf("%q: whole tree (%d) %q %q; stubs (%d) %q %q", args, c1, o1, e1, c2, o2, e2)
		}
		if !strings.Contains(o1, "subscriptions") || !strings.Contains(o1, "Print hookctl's version") {
			t.Errorf("%q: not the root help: %q", args, o1)
		}
	}
}
