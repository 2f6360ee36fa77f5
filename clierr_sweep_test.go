//go:build !windows

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hookctl/hookctl/cmd"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/ui"
)

// clierrRun is one run of the real binary in an isolated config and store.
type clierrRun struct {
	stdout, stderr string
	code           int
}

// clierrEnv is an isolated home, config directory and store for runs.
type clierrEnv struct {
	t   *testing.T
	bin string
	dir string
}

func newClierrEnv(t *testing.T) *clierrEnv {
	return &clierrEnv{t: t, bin: hookctlBinary(t), dir: t.TempDir()}
}

func (e *clierrEnv) run(env []string, args ...string) clierrRun {
	e.t.Helper()
	// Generous: every run here fails at its flags, before any work.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, e.bin, args...)
	c.Env = append(os.Environ(),
		"HOME="+filepath.Join(e.dir, "home"),
		"HOOKCTL_CONFIG_DIR="+filepath.Join(e.dir, "config"),
		"XDG_DATA_HOME="+filepath.Join(e.dir, "data"),
		"HOOKCTL_STORE="+filepath.Join(e.dir, "hookctl.db"),
		"HOOKCTL_OUTPUT=", "HOOKCTL_FORCE_TTY=", "NO_COLOR=1",
	)
	c.Env = append(c.Env, env...)
	c.Stdin = strings.NewReader("")
	var out, errOut bytes.Buffer
	c.Stdout, c.Stderr = &out, &errOut
	err := c.Run()
	r := clierrRun{stdout: out.String(), stderr: errOut.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		e.t.Fatalf("hookctl %q: %v", args, err)
	}
	if ctx.Err() != nil {
		e.t.Fatalf("hookctl %q did not end within 2 minutes", args)
	}
	return r
}

// clierrJSONError is the document a failed command prints on stdout under
// -o json when it has no document of its own.
type clierrJSONError struct {
	Error    string   `json:"error"`
	Hints    []string `json:"hints"`
	ExitCode *int     `json:"exit_code"`
}

// wantJSONError checks that r is a usage error (exit 2) said as one JSON
// document on stdout naming the error (its text contains want), the same
// error line and a hint on stderr.
func wantJSONError(t *testing.T, what string, r clierrRun, want string) {
	t.Helper()
	if r.code != cli.ExitUsage {
		t.Errorf("%s: exit %d, want 2\nstdout: %s\nstderr: %s", what, r.code, r.stdout, r.stderr)
		return
	}
	var doc clierrJSONError
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil || dec.More() {
		t.Errorf("%s: stdout is not one JSON error document (%v):\n%s\nstderr: %s", what, err, r.stdout, r.stderr)
		return
	}
	if doc.ExitCode == nil || *doc.ExitCode != cli.ExitUsage {
		t.Errorf("%s: exit_code in the document is not 2:\n%s", what, r.stdout)
	}
	if !strings.Contains(doc.Error, want) {
		t.Errorf("%s: error %q does not say %q", what, doc.Error, want)
	}
	if len(doc.Hints) == 0 {
		t.Errorf("%s: the document has no hint:\n%s", what, r.stdout)
	}
	if !strings.Contains(r.stderr, "hookctl: error: "+doc.Error+"\n") {
		t.Errorf("%s: stderr does not have the document's error line %q:\n%s", what, doc.Error, r.stderr)
	}
}

// wantHumanError checks that r is a usage error (exit 2) said on stderr
// with a hint, and nothing on stdout.
func wantHumanError(t *testing.T, what string, r clierrRun, want string) {
	t.Helper()
	if r.code != cli.ExitUsage {
		t.Errorf("%s: exit %d, want 2\nstdout: %s\nstderr: %s", what, r.code, r.stdout, r.stderr)
		return
	}
	if r.stdout != "" {
		t.Errorf("%s: stdout is not empty:\n%s", what, r.stdout)
	}
	first, _, _ := strings.Cut(r.stderr, "\n")
	if !strings.HasPrefix(first, "hookctl: error: ") || !strings.Contains(first, want) {
		t.Errorf("%s: stderr's first line is not the error saying %q:\n%s", what, want, r.stderr)
	}
	if !strings.Contains(r.stderr, "\nhookctl: hint: ") {
		t.Errorf("%s: no hint on stderr:\n%s", what, r.stderr)
	}
}

// clierrCommand is a runnable command of the tree and its typed flags.
type clierrCommand struct {
	path  []string // without "hookctl"
	typed []*pflag.Flag
	// badArgs are argument lists the command refuses before it runs:
	// none when it needs some, too many, an unknown sub-command.
	badArgs [][]string
}

// clierrTree walks the real command tree (the one every run builds).
func clierrTree(t *testing.T) []clierrCommand {
	ios, _, _, _ := ui.Test()
	root := cmd.NewRootCmd(&cli.Factory{IOStreams: ios})
	var out []clierrCommand
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		if c.HasParent() && c.Runnable() {
			cc := clierrCommand{path: strings.Fields(c.CommandPath())[1:]}
			if c.Flags().Lookup("output") == nil && c.InheritedFlags().Lookup("output") == nil {
				t.Errorf("%s has no -o/--output", c.CommandPath())
			}
			if c.HasSubCommands() {
				cc.badArgs = append(cc.badArgs, []string{"clierr-nope"})
			} else if c.Args != nil {
				// Asked of the validator itself: only a list it refuses
				// is run, so nothing runs for real.
				for _, a := range [][]string{nil, strings.Fields("a b c d e f g h i j k l")} {
					if c.Args(c, a) != nil {
						cc.badArgs = append(cc.badArgs, a)
					}
				}
			}
			c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
				if clierrBadValue(f) != "" {
					cc.typed = append(cc.typed, f)
				}
			})
			out = append(out, cc)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if len(out) < 30 {
		t.Fatalf("only %d commands found in the tree", len(out))
	}
	return out
}

// clierrBadValue is a value flag f's type cannot parse ("" for a flag
// that takes any string).
func clierrBadValue(f *pflag.Flag) string {
	switch f.Value.Type() {
	case "bool":
		return "maybe"
	case "int", "int64", "uint", "float", "float64", "duration", "time":
		return "clierr-x"
	}
	return ""
}

// TestClierrSweep: every command of the tree, given an unknown flag or a
// typed flag (a number, a duration, a time, a boolean) a value it cannot
// parse, exits 2; under -o json (also written after the bad flag, or as
// --output=json) stdout is one JSON document with the error and exit
// code, as a script parsing stdout needs; without it stderr has the
// error and a hint, stdout nothing. So does every argument list a command
// refuses before running (none, a dozen, an unknown sub-command). Before, such a run under -o json
// printed nothing on stdout: cobra fails at the flags before the root
// reads -o.
func TestClierrSweep(t *testing.T) {
	t.Parallel()
	e := newClierrEnv(t)
	nArgs := 0
	defer func() {
		t.Logf("%d refused argument lists", nArgs)
		if nArgs < 20 {
			t.Errorf("only %d refused argument lists found in the tree", nArgs)
		}
	}()
	for _, c := range clierrTree(t) {
		name := strings.Join(c.path, " ")
		args := func(more ...string) []string { return append(append([]string(nil), c.path...), more...) }
		wantJSONError(t, name+" --clierr-bogus -o json", e.run(nil, args("--clierr-bogus", "-o", "json")...), "unknown flag: --clierr-bogus")
		wantHumanError(t, name+" --clierr-bogus", e.run(nil, args("--clierr-bogus")...), "unknown flag: --clierr-bogus")
		for _, a := range c.badArgs {
			r := e.run(nil, args(append(append([]string(nil), a...), "-o", "json")...)...)
			wantJSONError(t, name+" "+strings.Join(a, " ")+" -o json", r, "")
			hr := e.run(nil, args(a...)...)
			wantHumanError(t, name+" "+strings.Join(a, " "), hr, "")
			// (clipolish) and a hint saying what to type, not only the
			// generic "run '… --help' for usage|the commands".
			if !clipolishHasSpecificHint(hr.stderr) {
				t.Errorf("%s %s: only the generic hint:\n%s", name, strings.Join(a, " "), hr.stderr)
			}
			nArgs++
		}
		for _, f := range c.typed {
			bad := "--" + f.Name + "=" + clierrBadValue(f)
			wantJSONError(t, name+" --output=json "+bad, e.run(nil, args("--output=json", bad)...), f.Name)
			br := e.run(nil, args(bad)...)
			wantHumanError(t, name+" "+bad, br, f.Name)
			// (clipolish) and the flag's usage and default as a hint.
			if !strings.Contains(br.stderr, "hookctl: hint: --"+f.Name+": ") {
				t.Errorf("%s %s: no hint saying what --%s takes:\n%s", name, bad, f.Name, br.stderr)
			}
		}
	}
}
