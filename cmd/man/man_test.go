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

	"github.com/hookctl/hookctl/cmd"
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
	root.DisableAutoGenTag = true
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.DisableAutoGenTag = true
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(root)
	hdr := &doc.GenManHeader{Title: "HOOKCTL", Section: "1", Source: "hookctl", Manual: "hookctl manual", Date: &manDate}
	if err := doc.GenManTree(root, hdr, dir); err != nil {
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
