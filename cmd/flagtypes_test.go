package cmd

import (
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/ui"
)

// Help names a flag's value the way a person reads it (duration, list,
// count, url …), never by Go's type (stringArray, strings, int, float64);
// and durations read days and weeks (issue 20 item 8).
func TestFlagValueNames(t *testing.T) {
	ios, _, _, _ := ui.Test()
	root := NewRootCmd(&cli.Factory{IOStreams: ios})
	goNames := map[string]bool{"stringArray": true, "strings": true, "int": true, "int64": true, "uint": true,
		"float": true, "float64": true, "stringToString": true, "ints": true}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		check := func(f *pflag.Flag) {
			name, _ := pflag.UnquoteUsage(f)
			if goNames[name] {
				t.Errorf("%s --%s: help shows the Go type %q", c.CommandPath(), f.Name, name)
			}
			if f.Value.Type() == "duration" {
				if _, ok := f.Value.(interface{ Set(string) error }); ok {
					if err := f.Value.Set("7d"); err != nil {
						t.Errorf("%s --%s 7d: %v", c.CommandPath(), f.Name, err)
					}
				}
			}
		}
		c.LocalNonPersistentFlags().VisitAll(check)
		c.PersistentFlags().VisitAll(check)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
