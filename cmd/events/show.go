package events

import (
	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cli"
)

// STUB: replaced by the issue that owns this command.

// ShowOptions are the parsed flags of `events show`.
type ShowOptions struct {
	Factory *cli.Factory
}

func newShowCmd(f *cli.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{Factory: f}
	return &cobra.Command{
		Use:   "show",
		Short: "not implemented yet",
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return cli.Failf("%s is not implemented yet", c.CommandPath())
		},
	}
}
