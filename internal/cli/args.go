package cli

import (
	"errors"
	"strings"

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
			// The command's usage line and first example say what it
			// takes; the --help hint alone did not.
			e := Usagef("%v", err).Hint("usage: %s", c.UseLine())
			if ex := firstExample(c.Example); ex != "" {
				e = e.Hint("e.g. %s", ex)
			}
			return e.Hint("run \"%s --help\" for usage", c.CommandPath())
		}
		return nil
	}
}

// ExactArgs is cobra.ExactArgs(n) with exit 2.
func ExactArgs(n int) cobra.PositionalArgs { return Args(cobra.ExactArgs(n)) }

// IDArgs is ExactArgs(n) for arguments that are IDs (or unique prefixes)
// of kind: an empty one ("$ID" with the variable unset) is bad input
// (exit 2), not a lookup that reports kind "" not found (exit 1).
func IDArgs(kind string, n int) cobra.PositionalArgs { return NonEmptyIDs(kind, ExactArgs(n)) }

// NonEmptyIDs wraps v, refusing an empty or blank ID argument of kind.
func NonEmptyIDs(kind string, v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if err := v(c, args); err != nil {
			return err
		}
		for _, a := range args {
			if strings.TrimSpace(a) == "" {
				return Usagef("empty %s ID", kind).
					Hint("give an ID or a unique prefix of one (is a shell variable unset?)")
			}
		}
		return nil
	}
}

// NoArgs is cobra.NoArgs with exit 2.
func NoArgs(c *cobra.Command, args []string) error { return Args(cobra.NoArgs)(c, args) }

// firstExample is the first line of a command's Example text, trimmed
// ("" when it has none).
func firstExample(example string) string {
	for line := range strings.Lines(example) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			return line
		}
	}
	return ""
}
