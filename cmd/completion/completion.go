// Package completion implements `hookctl completion`.
//
// The scripts committed under completions/ are generated from it; refresh
// them with `go generate ./cmd/completion` (or `go test ./cmd/completion
// -update`). A test fails when they are stale.
package completion

//go:generate go test . -run TestCompletionFiles -update

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cli"
)

var shells = []string{"bash", "zsh", "fish", "powershell"}

// shellArg names the shells when the argument is missing, extra or one
// hookctl has no script for ("accepts 1 arg(s), received 0" and `invalid
// argument "pwsh"` said neither which shells there are nor how to write one).
func shellArg(c *cobra.Command, args []string) error {
	want := "want one of bash, zsh, fish, powershell"
	switch {
	case len(args) == 0:
		return cli.Usagef("which shell? %s", want).Hint("hookctl completion bash > /etc/bash_completion.d/hookctl")
	case len(args) > 1:
		return cli.Usagef("one shell at a time, got %d: %s", len(args), strings.Join(args, " ")).Hint("%s", want)
	}
	if slices.Contains(shells, args[0]) {
		return nil
	}
	err := cli.Usagef("no completion script for shell %q: %s", args[0], want)
	if strings.EqualFold(args[0], "pwsh") || strings.HasPrefix(strings.ToLower(args[0]), "power") {
		return err.Hint("did you mean \"powershell\"?")
	}
	for _, s := range shells {
		if strings.EqualFold(args[0], s) {
			return err.Hint("did you mean %q?", s)
		}
	}
	return err.Hint("hookctl completion bash, zsh, fish or powershell; \"hookctl completion --help\" says where each goes")
}

// NewCmd returns `hookctl completion {bash|zsh|fish|powershell}`.
func NewCmd(f *cli.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "completion {bash|zsh|fish|powershell}",
		Short: "Print a shell completion script",
		Long: `Print a completion script for your shell. Event types, subscription and
delivery IDs complete dynamically, with a short description. Bash needs the
bash-completion package, zsh needs compinit.`,
		Example: `  source <(hookctl completion bash)     # in ~/.bashrc
  mkdir -p ~/.zfunc && hookctl completion zsh > ~/.zfunc/_hookctl   # fpath=(~/.zfunc $fpath) before compinit in ~/.zshrc
  mkdir -p ~/.config/fish/completions && hookctl completion fish > ~/.config/fish/completions/hookctl.fish`,
		ValidArgs: shells,
		Args:      shellArg,
		RunE: func(c *cobra.Command, args []string) error {
			root := c.Root()
			out := f.IOStreams.Out
			switch args[0] {
			case "bash":
				return genBash(root, out)
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

// genBash writes cobra's bash script, changed so that a comma-separated
// flag value (--events card.created,card.st<TAB>) completes as typed:
// cobra escapes each candidate with printf %q, which writes a comma as
// "\,", so bash showed card.created\,card.status.active. A comma means
// nothing to bash in a word (braces make a list, not commas), so the
// escape is taken back where a candidate is compared with what was typed
// and where it is inserted.
func genBash(root *cobra.Command, out io.Writer) error {
	var b bytes.Buffer
	if err := root.GenBashCompletionV2(&b, true); err != nil {
		return err
	}
	script := b.String()
	name := root.Name()
	for _, r := range []struct{ old, new string }{
		{ // compared with $cur in the loop over candidates with descriptions
			`printf -v comp "%q" "${compline%%$tab*}" &>/dev/null || comp=$(printf "%q" "${compline%%$tab*}")` + "\n",
			`printf -v comp "%q" "${compline%%$tab*}" &>/dev/null || comp=$(printf "%q" "${compline%%$tab*}")` + "\n" +
				"        comp=${comp//\\\\,/,} # hookctl: a comma needs no escape\n",
		},
		{ // inserted: every case ends in __NAME_handle_completion_types
			"        __" + name + "_handle_standard_completion_case\n        ;;\n    esac\n",
			"        __" + name + "_handle_standard_completion_case\n        ;;\n    esac\n\n" +
				"    # hookctl: a comma needs no escape (--events a,b<TAB>)\n" +
				"    if (( ${#COMPREPLY[@]} )); then COMPREPLY=(\"${COMPREPLY[@]//\\\\,/,}\"); fi\n",
		},
	} {
		if strings.Count(script, r.old) != 1 {
			return fmt.Errorf("cobra's bash completion script changed: cannot unescape commas (look for %q)", r.old)
		}
		script = strings.Replace(script, r.old, r.new, 1)
	}
	_, err := io.WriteString(out, script)
	return err
}
