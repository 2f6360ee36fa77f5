package cmd

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/ui"
)

// flagInArgs reads -o as pflag would have, had it got that far.
func TestClierrFlagInArgs(t *testing.T) {
	root := &cobra.Command{Use: "hookctl"}
	root.PersistentFlags().StringP("output", "o", "table", "")
	sub := &cobra.Command{Use: "trigger", Run: func(*cobra.Command, []string) {}}
	sub.Flags().StringP("data", "d", "", "")
	sub.Flags().BoolP("yes", "y", false, "")
	sub.Flags().IntP("count", "n", 1, "")
	root.AddCommand(sub)
	for _, tc := range []struct {
		args []string
		want string
		ok   bool
	}{
		{[]string{"trigger", "--bogus", "-o", "json"}, "json", true},
		{[]string{"-o", "json", "trigger"}, "json", true},
		{[]string{"trigger", "-ojson"}, "json", true},
		{[]string{"trigger", "-o=json"}, "json", true},
		{[]string{"trigger", "--output=json"}, "json", true},
		{[]string{"trigger", "-yo", "json"}, "json", true},
		{[]string{"trigger", "-yojson"}, "json", true},
		{[]string{"trigger", "-o", "json", "-o", "table"}, "table", true},
		{[]string{"trigger", "--data", "-o", "json"}, "", false},
		{[]string{"trigger", "-d", "-o", "json"}, "", false},
		{[]string{"trigger", "-n", "-o", "json"}, "", false},
		{[]string{"trigger", "--", "-o", "json"}, "", false},
		{[]string{"trigger", "-y=true", "-o", "json"}, "json", true},
		{[]string{"trigger", "-o"}, "", true},
		{[]string{"trigger"}, "", false},
	} {
		got, ok := flagInArgs(sub, tc.args, "output")
		if got != tc.want || ok != tc.ok {
			t.Errorf("flagInArgs(%q) = %q, %v; want %q, %v", tc.args, got, ok, tc.want, tc.ok)
		}
	}
}

// Every command streams names is in the tree (a rename would print its
// error document indented in a stream of JSON lines).
func TestClierrStreamsExist(t *testing.T) {
	ios, _, _, _ := ui.Test()
	root := NewRootCmd(&cli.Factory{IOStreams: ios})
	for path := range streams {
		c, rest, err := root.Find(strings.Fields(path)[1:])
		if err != nil || len(rest) > 0 || c.CommandPath() != path {
			t.Errorf("streams names %q, not a command of the tree", path)
		}
	}
}

// A shell's TAB reads candidates from stdout: a completion request that
// fails never gets the JSON error document, whatever -o its line holds.
func TestClierrNoJSONErrorForCompletion(t *testing.T) {
	ios, _, _, _ := ui.Test()
	f := &cli.Factory{IOStreams: ios}
	root := NewRootCmd(f)
	// cobra adds __complete when it executes: the same command here.
	c := &cobra.Command{Use: cobra.ShellCompRequestCmd, DisableFlagParsing: true, Run: func(*cobra.Command, []string) {}}
	root.AddCommand(c)
	args := []string{cobra.ShellCompRequestCmd, "trigger", "-o", "json", ""}
	if jsonOutput(f, c, args) {
		t.Error("a completion request's failure would print a JSON document among the candidates")
	}
	tr, _, _ := root.Find([]string{"trigger"})
	if !jsonOutput(f, tr, []string{"trigger", "-o", "json"}) {
		t.Error("trigger -o json: no JSON error")
	}
}
