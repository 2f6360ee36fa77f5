package man_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"

	"github.com/hookctl/hookctl/cmd"
	"github.com/hookctl/hookctl/cmd/man"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/ui"
)

var update = flag.Bool("update", false, "rewrite the committed man pages")

// manDate is the date in every page's footer. A fixed date keeps the pages
// reproducible (no churn on every regeneration); bump it with a release.
var manDate = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func generate(t *testing.T, dir string) {
	t.Helper()
	t.Setenv("HOOKCTL_CONFIG_DIR", t.TempDir())
	t.Setenv("HOOKCTL_STORE", filepath.Join(t.TempDir(), "unused.db"))
	ios, _, _, _ := ui.Test()
	root := cmd.NewRootCmd(&cli.Factory{IOStreams: ios, Version: "dev", Commit: "unknown", Now: time.Now})
	hdr := &doc.GenManHeader{Section: "1", Source: "hookctl", Manual: "hookctl manual", Date: &manDate}
	if err := man.Generate(root, hdr, dir); err != nil {
		t.Fatal(err)
	}
}

func pages(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".1") {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			out[e.Name()] = b
		}
	}
	return out
}

// TestManPages fails when man/ is stale: a page missing, extra or
// different from what the command tree generates. Refresh with
// `go generate ./cmd/man`.
func TestManPages(t *testing.T) {
	tmp := t.TempDir()
	generate(t, tmp)
	fresh := pages(t, tmp)
	committed := filepath.Join("..", "..", "man")
	if *update {
		if err := os.RemoveAll(committed); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(committed, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range fresh {
			if err := os.WriteFile(filepath.Join(committed, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	have := pages(t, committed)
	var problems []string
	for name, b := range fresh {
		old, ok := have[name]
		switch {
		case !ok:
			problems = append(problems, "missing man/"+name)
		case !bytes.Equal(old, b):
			problems = append(problems, "stale man/"+name)
		}
	}
	for name := range have {
		if _, ok := fresh[name]; !ok {
			problems = append(problems, "extra man/"+name+" (no such command)")
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		t.Errorf("%s\nrun: go generate ./cmd/man", strings.Join(problems, "\n"))
	}
	// Every command has its page, and the pages say what --help says.
	for _, want := range []string{"hookctl.1", "hookctl-trigger.1", "hookctl-listen.1", "hookctl-replay.1", "hookctl-subscriptions-list.1"} {
		if _, ok := fresh[want]; !ok {
			t.Errorf("no page %s", want)
		}
	}
	if p := fresh["hookctl-trigger.1"]; !bytes.Contains(p, []byte("--retry-schedule")) || !bytes.Contains(p, []byte("EXAMPLE")) {
		t.Errorf("trigger page lacks its flags or examples (%d bytes)", len(p))
	}
}

// TestManPagesSayWhatHelpSays: each page's SYNOPSIS is the command's usage
// line and its DESCRIPTION and OPTIONS keep every character of --help.
// cobra/doc renders them as Markdown, which dropped <event-type> and
// <hex …> as HTML tags and turned whsk_ … whpk_ and card.*, * into italics.
func TestManPagesSayWhatHelpSays(t *testing.T) {
	fonts := strings.NewReplacer(`\fB`, "", `\fR`, "", `\fP`, "", `\fI`, "", `\&`, "")
	tmp := t.TempDir()
	generate(t, tmp)
	fresh := pages(t, tmp)
	t.Setenv("HOOKCTL_CONFIG_DIR", t.TempDir())
	ios, _, _, _ := ui.Test()
	root := cmd.NewRootCmd(&cli.Factory{IOStreams: ios, Version: "dev", Commit: "unknown", Now: time.Now})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, s := range c.Commands() {
			walk(s)
		}
		if !c.IsAvailableCommand() && c.HasParent() {
			return
		}
		c.InitDefaultHelpFlag()
		name := strings.ReplaceAll(c.CommandPath(), " ", "-") + ".1"
		page := fonts.Replace(string(fresh[name])) // the words, without bold and italics
		if page == "" {
			t.Errorf("no page %s", name)
			return
		}
		if want := ".SH SYNOPSIS\n" + c.UseLine() + "\n"; !strings.Contains(page, want) {
			t.Errorf("%s: SYNOPSIS lacks %q", name, want)
		}
		for _, line := range strings.Split(c.Long, "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.Contains(page, line) {
				t.Errorf("%s: DESCRIPTION lacks %q", name, line)
			}
		}
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if f.Hidden {
				return
			}
			_, usage := pflag.UnquoteUsage(f)
			if !strings.Contains(page, usage) {
				t.Errorf("%s: OPTIONS lack --%s's %q", name, f.Name, usage)
			}
		})
	}
	walk(root)
	for name, want := range map[string]string{
		"hookctl-trigger.1": "hookctl trigger <event-type> [flags]",
		"hookctl-sign.1":    "verify with whpk_ (or whsk_)",
		"hookctl-listen.1":  "(card.*, *)",
	} {
		if !strings.Contains(string(fresh[name]), want) {
			t.Errorf("%s lacks %q", name, want)
		}
	}
}
