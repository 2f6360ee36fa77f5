// Package events implements `hookctl events list|show|log`.
package events

import (
	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cli"
)

// NewCmd returns `hookctl events`.
func NewCmd(f *cli.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "events <command>",
		Short: "Browse the event catalog and the log of events sent and received",
		Example: `  hookctl events list --provider stripe
  hookctl events show card.created
  hookctl events log --source received`,
	}
	c.AddCommand(newListCmd(f, nil), newShowCmd(f, nil), newLogCmd(f, nil))
	return c
}
