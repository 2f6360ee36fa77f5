package cmd

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/ui"
)

// Every positional argument and every flag whose values come from a fixed
// set or the store completes, instead of falling back to file names
// (issue 20 item 5). Flags taking files, URLs, secrets or free text are
// left to the shell.
func TestEveryArgumentAndEnumFlagCompletes(t *testing.T) {
	ios, _, _, _ := ui.Test()
	root := NewRootCmd(&cli.Factory{IOStreams: ios})
	enum := map[string]bool{"status": true, "provider": true, "scheme": true, "output": true, "subscription": true,
		"event": true, "events": true, "add-events": true, "remove-events": true, "source": true, "method": true,
		"retry-profile": true, "format": true}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if !c.Hidden && c.Runnable() && c.Name() != "help" && c.Name() != "completion" {
			use := strings.SplitN(c.Use, " ", 2)
			// Sub-commands complete by themselves; a Use starting with a flag
			// (subscribe --url <url> …) has no positional argument.
			if len(use) == 2 && !c.HasSubCommands() && !strings.HasPrefix(use[1], "--") && !strings.HasPrefix(use[1], "[--") &&
				strings.Contains(strings.Split(use[1], "[flags]")[0], "<") &&
				c.ValidArgsFunction == nil && len(c.ValidArgs) == 0 {
				if !strings.Contains(use[1], "{<file>") {
					t.Errorf("%s: arguments %q do not complete", c.CommandPath(), use[1])
				}
			}
			check := func(f *pflag.Flag) {
				if !enum[f.Name] {
					return
				}
				if _, ok := c.GetFlagCompletionFunc(f.Name); !ok {
					t.Errorf("%s --%s does not complete", c.CommandPath(), f.Name)
				}
			}
			c.LocalFlags().VisitAll(check)
			c.InheritedFlags().VisitAll(check)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
