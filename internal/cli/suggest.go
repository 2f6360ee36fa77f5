package cli

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// FlagError turns a flag-parsing error of c into a usage error (exit 2)
// with a did-you-mean hint for an unknown long flag (--forwad →
// --forward) and a pointer to --help. Usable as a FlagErrorFunc.
func FlagError(c *cobra.Command, err error) error {
	e := Usagef("%v", err)
	if name, ok := strings.CutPrefix(err.Error(), "unknown flag: --"); ok {
		name, _, _ = strings.Cut(name, "=")
		for _, s := range SuggestFlags(c, name) {
			e = e.Hint("did you mean %q?", "--"+s)
		}
	}
	return e.Hint("run '%s --help' for usage", c.CommandPath())
}

// SuggestFlags returns the names of c's flags (its own and inherited,
// hidden ones left out) close to name: at most two edits away, or one a
// prefix of the other.
func SuggestFlags(c *cobra.Command, name string) []string {
	var out []string
	seen := map[string]bool{}
	visit := func(f *pflag.Flag) {
		if f.Hidden || seen[f.Name] {
			return
		}
		seen[f.Name] = true
		if distance(name, f.Name) <= 2 || (len(name) >= 3 && strings.HasPrefix(f.Name, name)) ||
			(len(f.Name) >= 4 && strings.HasPrefix(name, f.Name)) {
			out = append(out, f.Name)
		}
	}
	c.Flags().VisitAll(visit)
	c.InheritedFlags().VisitAll(visit)
	if len(out) > 3 {
		out = out[:3]
	}
	return out
}

func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
