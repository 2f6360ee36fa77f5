package cli

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/config"
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
			e := Usagef("%s", argCountText(c, args, err))
			if f := c.Annotations[ArgFlag]; f != "" && len(args) == 1 && c.Flags().Lookup(f) != nil &&
				(f != "event" || strings.ContainsAny(args[0], ".*:")) {
				// hookctl events log card.created, subscribe URL: the
				// flag meant (an event ID is no --event).
				e = e.Hint("did you mean %q?", c.CommandPath()+" --"+f+" "+config.ShellArg(args[0]))
			}
			e = e.Hint("usage: %s", c.UseLine())
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

// ArgFlag is the annotation naming the flag an argument given to a
// command that takes none was most likely meant for (events log's
// --event, subscribe's --url, listen's --forward): its error's hint then
// says so.
const ArgFlag = "hookctl_arg_flag"

// cobraArgCount matches cobra's argument-count errors (ExactArgs,
// MinimumNArgs, MaximumNArgs, RangeArgs) and NoArgs's.
var cobraArgCount = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:accepts (\d+)|requires at least (\d+)|accepts at most (\d+)|accepts between (\d+) and (\d+)) arg\(s\), (?:only )?received \d+$|^unknown command ".*" for ".*"$`)
})

// argCountText is err, an argument validator's error, in hookctl's words
// when it is one of cobra's own about the count: "accepts 1 arg(s),
// received 0" named neither the command nor what it takes, and NoArgs's
// "unknown command \"dump.jsonl\" for \"hookctl store export\"" called an
// argument a command (store export has none). Now: "hookctl store export
// takes no arguments, got \"dump.jsonl\"", "hookctl config get takes 1
// argument (<key>), got none".
func argCountText(c *cobra.Command, args []string, err error) string {
	m := cobraArgCount().FindStringSubmatch(err.Error())
	if m == nil {
		return err.Error()
	}
	n := func(s string) int { v, _ := strconv.Atoi(s); return v }
	var takes string
	switch {
	case m[1] != "":
		takes = argCount(n(m[1]))
	case m[2] != "":
		takes = "at least " + argCount(n(m[2]))
	case m[3] != "":
		takes = "at most " + argCount(n(m[3]))
	case m[4] != "":
		takes = fmt.Sprintf("%d to %d arguments", n(m[4]), n(m[5]))
	default:
		takes = "no arguments"
	}
	if p := argPlaceholders(c.Use); p != "" && takes != "no arguments" {
		takes += " (" + p + ")"
	}
	got := "none"
	if len(args) > 0 {
		q := make([]string, 0, 3)
		for i, a := range args {
			if i == 3 {
				q = append(q, "…")
				break
			}
			q = append(q, strconv.Quote(a))
		}
		got = strings.Join(q, " ")
	}
	return fmt.Sprintf("%s takes %s, got %s", c.CommandPath(), takes, got)
}

func argCount(n int) string {
	if n == 1 {
		return "1 argument"
	}
	return strconv.Itoa(n) + " arguments"
}

// argPlaceholders is what a command's Use line says its arguments are
// (<key> <value>, {<event-type>|<event-id>}): the words after its name up
// to the first flag or optional part.
func argPlaceholders(use string) string {
	words := strings.Fields(use)
	var p []string
	for _, w := range words[min(1, len(words)):] {
		if !strings.HasPrefix(w, "<") && !strings.HasPrefix(w, "{") {
			break
		}
		p = append(p, w)
	}
	return strings.Join(p, " ")
}
