package events

import (
	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cli"
)

// STUB: replaced by the issue that owns this command.

// LogOptions are the parsed flags of `events log`.
type LogOptions struct {
	Factory *cli.Factory
}

func newLogCmd(f *cli.Factory, runF func(*LogOptions) error) *cobra.Command {
	opts := &LogOptions{Factory: f}
	return &cobra.Command{
		Use:   "log",
		Short: "not implemented yet",
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return cli.Failf("%s is not implemented yet", c.CommandPath())
		},
	}
}
