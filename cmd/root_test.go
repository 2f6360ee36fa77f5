package cmd

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/ui"
)

func newTestRoot() *cobra.Command {
	ios, _, _, _ := ui.Test()
	return NewRootCmd(&cli.Factory{IOStreams: ios, Version: "test", Commit: "test", Now: time.Now})
}

// words splits one shell line into words, honouring quotes, and stops at
// the first redirection, pipe or command separator.
func words(line string) []string {
	var out []string
	var cur strings.Builder
	in := false
	var quote rune
	flush := func() {
		if in {
			out = append(out, cur.String())
			cur.Reset()
			in = false
		}
	}
	for _, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t':
			flush()
		case r == '#' && !in:
			flush()
			return out
		case strings.ContainsRune("|<>;&", r):
			flush()
			return out
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	flush()
	return out
}

// Every command a user can run has Example lines, and every example is a
// real invocation: the command exists and all its flags parse.
func TestExamplesAreRealInvocations(t *testing.T) {
	root := newTestRoot()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if c.Hidden || c.Name() == "help" || (c.HasParent() && c.Parent().Name() == "completion") {
			return
		}
		if c.Runnable() && !c.HasSubCommands() && strings.TrimSpace(c.Example) == "" {
			t.Errorf("%s has no Example lines", c.CommandPath())
		}
		for _, line := range strings.Split(c.Example, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			line = strings.TrimPrefix(line, "$ ")
			w := words(line)
			if len(w) == 0 || w[0] != "hookctl" {
				continue // a comment, or another program in a pipeline
			}
			fresh := newTestRoot()
			found, rest, err := fresh.Find(w[1:])
			if err != nil {
				t.Errorf("%s example %q: %v", c.CommandPath(), line, err)
				continue
			}
			if err := found.ParseFlags(rest); err != nil {
				t.Errorf("%s example %q: %v", c.CommandPath(), line, err)
			}
		}
	}
	walk(root)
}

func TestWords(t *testing.T) {
	got := words(`hookctl subscribe --url http://x --events 'card.*,kyc.x' --header "A: b" < body.json`)
	want := []string{"hookctl", "subscribe", "--url", "http://x", "--events", "card.*,kyc.x", "--header", "A: b"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("words = %q, want %q", got, want)
	}
}

// The help texts that list the providers name every provider of the
// catalog: the root's and events list's stopped at Standard Webhooks when
// stripe and github were added.
func TestHelpNamesEveryProvider(t *testing.T) {
	root := newTestRoot()
	list, _, err := root.Find([]string{"events", "list"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*cobra.Command{root, list} {
		long := strings.ToLower(c.Long)
		for _, p := range catalog.Providers() {
			if !strings.Contains(long, p) {
				t.Errorf("%s --help does not name the %s provider:\n%s", c.CommandPath(), p, c.Long)
			}
		}
	}
}

// --config's help names every place the default file is looked for (it
// said $HOOKCTL_CONFIG_DIR/config.yaml, where most people have no such
// variable and the file is ~/.config/hookctl/config.yaml).
func TestConfigFlagNamesTheDefaultPlaces(t *testing.T) {
	usage := newTestRoot().PersistentFlags().Lookup("config").Usage
	for _, want := range []string{"$HOOKCTL_CONFIG_DIR", "$XDG_CONFIG_HOME/hookctl", "~/.config/hookctl", "hookctl config path"} {
		if !strings.Contains(usage, want) {
			t.Errorf("--config usage %q lacks %q", usage, want)
		}
	}
}
