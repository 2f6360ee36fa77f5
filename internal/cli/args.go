package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// Args wraps a cobra positional-argument validator so that its errors are
// usage errors (exit 2) with a hint, like flag errors.
func Args(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if err := v(c, args); err != nil {
			var ee *ExitError
			if errors.As(err, &ee) {
				return err // already says what to do
			}
			return Usagef("%v", err).Hint("run '%s --help' for usage", c.CommandPath())
		}
		return nil
	}
}

// ExactArgs is cobra.ExactArgs(n) with exit 2.
func ExactArgs(n int) cobra.PositionalArgs { return Args(cobra.ExactArgs(n)) }

// NoArgs is cobra.NoArgs with exit 2.
func NoArgs(c *cobra.Command, args []string) error { return Args(cobra.NoArgs)(c, args) }
