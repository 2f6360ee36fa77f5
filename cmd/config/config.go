// Package configcmd implements `hookctl config`.
package configcmd

import (
	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cli"
)

// STUB: replaced by the issue that owns this command.

// Options are the parsed flags of the command.
type Options struct {
	Factory *cli.Factory
}

// NewCmd returns the command.
func NewCmd(f *cli.Factory) *cobra.Command { return newCmd(f, nil) }

func newCmd(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	return &cobra.Command{
		Use:   "config <command>",
		Short: "Show and change settings",
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return cli.Failf("%s is not implemented yet", c.CommandPath())
		},
	}
}
