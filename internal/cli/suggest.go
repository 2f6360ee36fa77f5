package cli

import (
	"errors"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hookctl/hookctl/internal/catalog"
)

// FlagError turns a flag-parsing error of c into a usage error (exit 2)
// with a did-you-mean hint for an unknown long flag (--forwad →
// --forward) and a pointer to --help. Usable as a FlagErrorFunc.
func FlagError(c *cobra.Command, err error) error {
	e := Usagef("%v", err)
	var ive *pflag.InvalidValueError
	var ne *strconv.NumError
	if errors.As(err, &ive) && errors.As(err, &ne) {
		// --limit abc: what the flag wants, not strconv.ParseInt's words.
		e = Usagef("%s%s", strings.TrimSuffix(err.Error(), ne.Error()), numReason(ne))
	}
	if errors.As(err, &ive) && ive.GetFlag() != nil {
		e = e.Hint("%s", flagHint(ive.GetFlag()))
	}
	if name, ok := strings.CutPrefix(err.Error(), "unknown flag: --"); ok {
		name, _, _ = strings.Cut(name, "=")
		suggested := SuggestFlags(c, name)
		for _, s := range suggested {
			e = e.Hint("did you mean %q?", "--"+s)
		}
		if len(suggested) == 0 {
			if to := flagSynonym(c, name); to != "" {
				e = e.Hint("did you mean %q?", to)
			}
		}
	}
	return e.Hint("run \"%s --help\" for usage", c.CommandPath())
}

// flagSynonyms are flags people bring from other tools, and what hookctl
// calls them (when c has that flag).
var flagSynonyms = map[string]struct{ flag, say string }{
	"format":     {"output", "-o json"},
	"json":       {"output", "-o json"},
	"type":       {"event", "--event"},
	"event-type": {"event", "--event"},
	"force":      {"yes", "--yes"},
}

// flagSynonym returns what to type instead of the unknown flag --name on
// c, or "".
func flagSynonym(c *cobra.Command, name string) string {
	s, ok := flagSynonyms[strings.ToLower(name)]
	if !ok || c.Flags().Lookup(s.flag) == nil {
		return ""
	}
	return s.say
}

// numReason says what a number or boolean flag wants, for strconv's error.
func numReason(ne *strconv.NumError) string {
	switch {
	case ne.Func == "ParseBool":
		return "want true or false"
	case errors.Is(ne.Err, strconv.ErrRange):
		return "the number is out of range"
	case ne.Func == "ParseFloat":
		return "want a number"
	}
	return "want a whole number"
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
		if catalog.EditDistance(name, f.Name) <= 2 || (len(name) >= 3 && strings.HasPrefix(f.Name, name)) ||
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

// flagHint says what a flag given a value its type cannot read is for
// and what it takes: its usage line, with its default.
func flagHint(f *pflag.Flag) string {
	_, usage := pflag.UnquoteUsage(f)
	h := "--" + f.Name + ": " + usage
	switch {
	case f.Value.Type() == "bool":
		h += " (give it alone, or --" + f.Name + "=false)"
	case f.DefValue != "" && f.DefValue != "0" && f.DefValue != "[]":
		h += " (default " + f.DefValue + ")"
	}
	return h
}
