package events

import (
	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cli"
)

// STUB: replaced by the issue that owns this command.

// ListOptions are the parsed flags of `events list`.
type ListOptions struct {
	Factory *cli.Factory
}

func newListCmd(f *cli.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	return &cobra.Command{
		Use:   "list",
		Short: "not implemented yet",
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return cli.Failf("%s is not implemented yet", c.CommandPath())
		},
	}
}
