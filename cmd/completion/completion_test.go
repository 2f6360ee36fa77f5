package completion_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/cmd"
	"github.com/hookctl/hookctl/internal/ui"
)

var update = flag.Bool("update", false, "rewrite the committed completion scripts")

var files = map[string]string{
	"bash":       "hookctl.bash",
	"zsh":        "hookctl.zsh",
	"fish":       "hookctl.fish",
	"powershell": "hookctl.ps1",
}

// TestCompletionFiles fails when completions/ is stale. Refresh with
// `go generate ./cmd/completion`.
func TestCompletionFiles(t *testing.T) {
	t.Setenv("HOOKCTL_CONFIG_DIR", t.TempDir())
	t.Setenv("HOOKCTL_STORE", filepath.Join(t.TempDir(), "unused.db"))
	for shell, name := range files {
		ios, _, out, errOut := ui.Test()
		if code := cmd.Run(context.Background(), ios, []string{"completion", shell}); code != 0 {
			t.Fatalf("completion %s: exit %d: %s", shell, code, errOut)
		}
		if out.Len() == 0 || !strings.Contains(out.String(), "hookctl") {
			t.Fatalf("completion %s printed %q", shell, out.String())
		}
		path := filepath.Join("..", "..", "completions", name)
		if *update {
			if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (generate it with: go generate ./cmd/completion)", err)
		}
		if !bytes.Equal(want, out.Bytes()) {
			t.Errorf("completions/%s is stale: run go generate ./cmd/completion", name)
		}
	}
}

func TestCompletionBadShell(t *testing.T) {
	t.Setenv("HOOKCTL_CONFIG_DIR", t.TempDir())
	ios, _, _, errOut := ui.Test()
	if code := cmd.Run(context.Background(), ios, []string{"completion", "tcsh"}); code != 2 {
		t.Errorf("exit %d, want 2 (%s)", code, errOut)
	}
}

// A missing, extra or unknown shell names the shells there are.
func TestCompletionShellErrors(t *testing.T) {
	t.Setenv("HOOKCTL_CONFIG_DIR", t.TempDir())
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{nil, []string{"hookctl: error: which shell? want one of bash, zsh, fish, powershell"}},
		{[]string{"bash", "zsh"}, []string{"one shell at a time, got 2: bash zsh", "hint: want one of bash, zsh, fish, powershell"}},
		{[]string{"tcsh"}, []string{`no completion script for shell "tcsh": want one of bash, zsh, fish, powershell`}},
		{[]string{"pwsh"}, []string{`no completion script for shell "pwsh"`, `hint: did you mean "powershell"?`}},
		{[]string{"Zsh"}, []string{`hint: did you mean "zsh"?`}},
	} {
		ios, _, _, errOut := ui.Test()
		if code := cmd.Run(context.Background(), ios, append([]string{"completion"}, tc.args...)); code != 2 {
			t.Errorf("completion %v: exit %d, want 2", tc.args, code)
		}
		for _, w := range tc.want {
			if !strings.Contains(errOut.String(), w) {
				t.Errorf("completion %v: stderr lacks %q:\n%s", tc.args, w, errOut)
			}
		}
	}
}
