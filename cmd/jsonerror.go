package cmd

import (
	"errors"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/ui"
)

// jsonError is the document a failed command prints on stdout under -o
// json when it printed nothing there itself: the error line stderr gets,
// its hints, the exit code. A command whose own document says how it
// ended (verify, store import, a trigger that failed after sending)
// prints that one instead.
type jsonError struct {
	Error    string   `json:"error"`
	Hints    []string `json:"hints,omitempty"`
	ExitCode int      `json:"exit_code"`
}

// jsonOutput reports whether the failed run (ran is the command cobra
// found) asked for JSON output. The root's PersistentPreRunE decides the
// format (f.Config is set with it); when the run failed before, as a flag
// cobra could not parse or a missing argument does, the format is read
// from args as ran's flags read them (-o json may come after the bad
// flag), else from HOOKCTL_OUTPUT and the config file, as the root would
// have read it.
func jsonOutput(f *cli.Factory, ran *cobra.Command, args []string) bool {
	if f.Config != nil {
		return f.IOStreams.JSON()
	}
	if ran == nil || isCompletionRequest(ran) {
		return false // a shell's TAB reads candidates from stdout
	}
	if v, ok := flagInArgs(ran, args, "output"); ok {
		return v == ui.FormatJSON
	}
	file, _ := flagInArgs(ran, args, "config")
	cfg, err := config.Load(config.Options{ExplicitFile: file})
	if err != nil {
		var fe *config.FileError
		if !errors.As(err, &fe) || fe.Config == nil {
			return false
		}
		cfg = fe.Config // HOOKCTL_OUTPUT still counts
	}
	return cfg.Get("output") == ui.FormatJSON
}

// flagInArgs returns the value the flag name (of c or a parent) was last
// given in args, read as pflag reads them (eachFlagInArgs).
func flagInArgs(c *cobra.Command, args []string, name string) (string, bool) {
	var val string
	found := false
	eachFlagInArgs(c, args, func(fl *pflag.Flag, v string, _ bool) bool {
		if fl.Name == name {
			val, found = v, true
		}
		return true
	})
	return val, found
}

// eachFlagInArgs calls fn with each flag of c (or a parent) given in
// args and its value, reading them as pflag does: up to "--", --name
// value, --name=value, -x value, -xvalue, -x=value and clusters of
// boolean shorthands (-yo json); a flag's value is not read as a flag
// (--data -o is --data "-o"). An unknown flag is taken to have no value.
// next says the value is the argument after the flag's (--name value,
// -x value), not joined to it; fn returns false to stop.
func eachFlagInArgs(c *cobra.Command, args []string, fn func(fl *pflag.Flag, v string, next bool) bool) {
	lookup := func(fn func(*pflag.FlagSet) *pflag.Flag) *pflag.Flag {
		for _, fs := range []*pflag.FlagSet{c.Flags(), c.PersistentFlags(), c.InheritedFlags()} {
			if fl := fn(fs); fl != nil {
				return fl
			}
		}
		return nil
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if len(a) < 2 || a[0] != '-' {
			continue
		}
		if strings.HasPrefix(a, "--") {
			n, v, hasValue := strings.Cut(a[2:], "=")
			fl := lookup(func(fs *pflag.FlagSet) *pflag.Flag { return fs.Lookup(n) })
			if fl == nil {
				continue
			}
			next := false
			if !hasValue && fl.NoOptDefVal == "" && i+1 < len(args) {
				i++
				v, next = args[i], true
			}
			if !fn(fl, v, next) {
				return
			}
			continue
		}
		short := a[1:]
		for j := 0; j < len(short); j++ {
			fl := lookup(func(fs *pflag.FlagSet) *pflag.Flag { return fs.ShorthandLookup(short[j : j+1]) })
			if fl == nil {
				break
			}
			rest := short[j+1:]
			if fl.NoOptDefVal != "" {
				if strings.HasPrefix(rest, "=") {
					break // -y=true
				}
				continue
			}
			v := strings.TrimPrefix(rest, "=")
			next := false
			if rest == "" && i+1 < len(args) {
				i++
				v, next = args[i], true
			}
			if !fn(fl, v, next) {
				return
			}
			break
		}
	}
}

// streams are the commands whose -o json output is JSON lines: their
// error document is one line too, so that a reader of lines reads it.
var streams = map[string]bool{
	"hookctl listen": true, "hookctl deliveries tail": true, "hookctl serve": true,
	"hookctl ui": true, "hookctl worker": true, "hookctl demo": true,
}

func writeJSONError(w io.Writer, ran *cobra.Command, doc jsonError) {
	if ran != nil && streams[ran.CommandPath()] {
		_ = ui.WriteJSONLine(w, doc)
		return
	}
	_ = ui.WriteJSON(w, doc)
}

// flagAsValue refuses (exit 2, cli.MissingValue) a flag taking a path or
// a URL (cli.TakesPath) whose value, the argument after it, is a flag:
// `hookctl --store -o json events list` took "-o" for the store (and json
// for an unknown command), `subscribe --url x --store --no-color` made a
// SQLite store named "--no-color". Checked once, before cobra runs, for
// every such flag of the command args name (the root's when they name
// none); ran is that command.
func flagAsValue(root *cobra.Command, args []string) (ran *cobra.Command, err error) {
	if len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd) {
		return nil, nil // a TAB completes a half-typed value
	}
	c, _, ferr := root.Find(args)
	if ferr != nil || c == nil {
		c = root
	}
	eachFlagInArgs(c, args, func(fl *pflag.Flag, v string, next bool) bool {
		if next && cli.LooksLikeFlag(v) && cli.TakesPath(fl) {
			err = cli.MissingValue(fl, v)
			return false
		}
		return true
	})
	return c, err
}
