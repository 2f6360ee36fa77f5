package cmd

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// `hookctl events --help` was the one command group without Example
// lines: deliveries, subscriptions, config and store show how their
// sub-commands are called, events showed none (TestExamplesAreRealInvocations
// asks it only of the runnable leaves). Every group has them now, and
// TestExamplesAreRealInvocations checks that they run.
func TestNewcomer2EveryCommandGroupHasExamples(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if !c.HasParent() || c.Hidden || c.Name() == "help" || !c.HasAvailableSubCommands() {
			return
		}
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%s --help has no Example lines", c.CommandPath())
		}
	}
	walk(newTestRoot())
}
