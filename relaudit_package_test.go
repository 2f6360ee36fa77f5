//go:build !windows

package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRelauditInstalledPackageCompletion types TAB into real bash, zsh and
// fish after the snapshot .deb was installed on this machine (dpkg -i, by
// .ci/release, which sets HOOKCTL_TEST_INSTALLED_PACKAGE=1 and
// HOOKCTL_TEST_BIN=/usr/bin/hookctl): in a new home, with no hookctl
// setup at all, each shell finds the completion script where the package
// put it. bash as a login shell (the system's profile loads
// bash-completion, which loads /usr/share/bash-completion/completions/
// hookctl on first use); zsh with only compinit in ~/.zshrc (what any zsh
// with completion runs; Debian's zsh reads vendor-completions, not
// /usr/share/zsh/site-functions); fish as it comes
// (vendor_completions.d).
func TestRelauditInstalledPackageCompletion(t *testing.T) {
	if os.Getenv("HOOKCTL_TEST_INSTALLED_PACKAGE") != "1" {
		t.Skip("SKIP: .ci/release runs this after installing the snapshot .deb (HOOKCTL_TEST_INSTALLED_PACKAGE=1)")
	}
	if _, err := os.Stat("/usr/bin/hookctl"); err != nil {
		t.Fatalf("HOOKCTL_TEST_INSTALLED_PACKAGE=1 but no installed hookctl: %v", err)
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			e := left2Env(t)
			bin := t.TempDir() // nothing in it: hookctl is the installed /usr/bin/hookctl
			var args []string
			switch shell {
			case "bash":
				args = []string{"-il"}
			case "zsh":
				if err := os.WriteFile(filepath.Join(e.dir, ".zshrc"), []byte("autoload -Uz compinit && compinit\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				args = []string{"-i"}
			case "fish":
				args = []string{"-il"}
			}
			s := startShellArgs(t, e, bin, shell, args, "true")
			for _, tc := range []struct{ keys, want string }{
				{"hookctl tr\t", "hookctl trigger X"},
				{"hookctl trigger card.cr\t", "hookctl trigger card.created X"},
				{"hookctl subscriptions show 2c\t", "hookctl subscriptions show 2c01e681-cd51-4f5e-920e-c345372e7371 X"},
			} {
				if got := s.line(tc.keys); got != tc.want {
					t.Errorf("%s: %q shows %q, want %q", shell, tc.keys, got, tc.want)
				}
			}
		})
	}
}
