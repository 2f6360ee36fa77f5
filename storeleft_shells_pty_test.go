//go:build !windows

package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestStoreLeftCommaListCompletion: a comma-separated flag value
// completes its last element in bash, zsh and fish, and goes on after a
// comma the user typed: bash showed the list escaped
// (card.created\,card.status.active), and the next TAB after it completed
// nothing.
func TestStoreLeftCommaListCompletion(t *testing.T) {
	t.Parallel()
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			e, bin := shellEnv(t)
			script, err := filepath.Abs(filepath.Join("completions", map[string]string{"bash": "hookctl.bash", "zsh": "hookctl.zsh", "fish": "hookctl.fish"}[shell]))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(script); err != nil {
				t.Fatal(err)
			}
			setup := map[string]string{
				"bash": "source " + bashCompletion + "; source " + script,
				"zsh":  "autoload -U compinit; compinit -u; source " + script,
				"fish": "source " + script,
			}[shell]
			for _, tc := range []struct{ keys, want string }{
				{"hookctl subscribe --events card.created,card.status.ac\t", "hookctl subscribe --events card.created,card.status.activeX"},
				{"hookctl subscribe --events card.cre\t,kyc.verification.su\t,card.status.fr\t", "hookctl subscribe --events card.created,kyc.verification.success,card.status.fraudX"},
			} {
				s := startShell(t, e, bin, shell, setup)
				if got := s.line(tc.keys); got != tc.want {
					t.Errorf("%s: %q shows %q, want %q", shell, tc.keys, got, tc.want)
				}
			}
		})
	}
}
