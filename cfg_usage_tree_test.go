package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/cmd"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/ui"
)

// TestEveryCommandRefusesBadUsage walks the whole command tree (as
// __complete lists it) and holds every runnable command to the README's
// contract for usage errors: an unknown flag, a bad --output and a bad
// HOOKCTL_OUTPUT exit 2, with nothing on stdout and one "hookctl: error:"
// line on stderr (a hint for the unknown flag), in the same voice
// everywhere and without colour.
func TestEveryCommandRefusesBadUsage(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HOOKCTL_CONFIG_DIR", filepath.Join(dir, "config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	t.Setenv("HOOKCTL_STORE", filepath.Join(dir, "hookctl.db"))
	t.Setenv("HOOKCTL_OUTPUT", "")
	ios, _, _, _ := ui.Test()
	root := cmd.NewRootCmd(&cli.Factory{IOStreams: ios})
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		if c.HasParent() {
			paths = append(paths, path)
		}
		for _, sub := range c.Commands() {
			walk(sub, append(append([]string(nil), path...), sub.Name()))
		}
	}
	walk(root, nil)
	if len(paths) < 30 {
		t.Fatalf("only %d commands found", len(paths))
	}
	errLine := regexp.MustCompile(`^hookctl: error: [a-z"-]`)
	run := func(t *testing.T, env string, args ...string) (int, string, string) {
		t.Helper()
		t.Setenv("HOOKCTL_OUTPUT", env)
		ios, _, out, errOut := ui.Test()
		code := cmd.Run(context.Background(), ios, args)
		return code, out.String(), errOut.String()
	}
	for _, path := range paths {
		name := strings.Join(path, " ")
		for _, tc := range []struct {
			what, env string
			args      []string
			hint      bool
		}{
			{"unknown flag", "", append(append([]string(nil), path...), "--no-such-flag"), true},
			{"bad --output", "", append(append([]string(nil), path...), "-o", "yaml"), true},
			{"bad HOOKCTL_OUTPUT", "yaml", path, false},
		} {
			if tc.what == "bad HOOKCTL_OUTPUT" && (path[0] == "completion" || name == "config path" || name == "version") {
				continue // they run whatever the configuration says (to repair it)
			}
			code, out, errOut := run(t, tc.env, tc.args...)
			if tc.what == "bad HOOKCTL_OUTPUT" && code != 2 {
				// a group alone or a command missing its argument refuses
				// its usage first: still exit 2
				t.Errorf("%s, %s: exit %d, want 2\n%s", name, tc.what, code, errOut)
				continue
			}
			if code != 2 {
				t.Errorf("%s, %s: exit %d, want 2\n%s", name, tc.what, code, errOut)
			}
			if out != "" {
				t.Errorf("%s, %s: stdout %q, want nothing", name, tc.what, out)
			}
			lines := strings.Split(strings.TrimRight(errOut, "\n"), "\n")
			if !errLine.MatchString(lines[0]) || strings.Count(errOut, "hookctl: error:") != 1 {
				t.Errorf("%s, %s: stderr %q, want one hookctl: error: line first", name, tc.what, errOut)
			}
			for _, l := range lines[1:] {
				if !strings.HasPrefix(l, "hookctl: hint: ") {
					t.Errorf("%s, %s: stderr line %q is neither the error nor a hint", name, tc.what, l)
				}
			}
			if tc.hint && len(lines) < 2 {
				t.Errorf("%s, %s: no hint in %q", name, tc.what, errOut)
			}
			if strings.Contains(errOut, "\x1b") {
				t.Errorf("%s, %s: escape codes in %q", name, tc.what, errOut)
			}
		}
	}
}
