// Package completion implements `hookctl completion`.
//
// The scripts committed under completions/ are generated from it; refresh
// them with `go generate ./cmd/completion` (or `go test ./cmd/completion
// -update`). A test fails when they are stale.
package completion

//go:generate go test . -run TestCompletionFiles -update

import (
	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cli"
)

// NewCmd returns `hookctl completion {bash|zsh|fish|powershell}`.
func NewCmd(f *cli.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "completion {bash|zsh|fish|powershell}",
		Short: "Print a shell completion script",
		Long: `Print a completion script for your shell. Event types, subscription and
delivery IDs complete dynamically, with a short description. Bash needs the
bash-completion package.`,
		Example: `  hookctl completion bash > /etc/bash_completion.d/hookctl
  hookctl completion zsh > "${fpath[1]}/_hookctl"
  hookctl completion fish > ~/.config/fish/completions/hookctl.fish`,
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Args:      cli.Args(cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs)),
		RunE: func(c *cobra.Command, args []string) error {
			root := c.Root()
			out := f.IOStreams.Out
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			default:
				return root.GenPowerShellCompletionWithDesc(out)
			}
		},
	}
}
