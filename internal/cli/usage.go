package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/ui"
)

// WrappedUsage is cobra's usage (the part of --help after the
// description) fitted to a terminal width wide: the usage line wraps
// between its bracketed groups; an example wider than the terminal is
// continued on the next line with a shell's " \" (a command that still
// pastes as one), its trailing comment put on the line above; flag
// descriptions wrap under their column. With width 0 (not a terminal,
// help piped to a pager or a file) it is cobra's own, byte for byte.
// (Cobra prints usage as written: at 80 columns a hundred flag lines and
// examples were wider, wrapped mid-word by the terminal at column 0.)
func WrappedUsage(width func() int, def func(*cobra.Command) error) func(*cobra.Command) error {
	return func(c *cobra.Command) error {
		w := width()
		if w <= 0 {
			return def(c)
		}
		var b strings.Builder
		writeUsage(&b, c, w)
		_, err := io.WriteString(c.OutOrStderr(), b.String())
		return err
	}
}

// writeUsage is cobra's defaultUsageFunc (v1.10) with the usage line,
// the examples, the commands' summaries and the flags fitted to width.
func writeUsage(w *strings.Builder, c *cobra.Command, width int) {
	w.WriteString("Usage:")
	if c.Runnable() {
		fmt.Fprintf(w, "\n%s", wrapWords("  "+c.UseLine(), width, "      ", ""))
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(w, "\n  %s [command]", c.CommandPath())
	}
	if len(c.Aliases) > 0 {
		fmt.Fprintf(w, "\n\nAliases:\n")
		fmt.Fprintf(w, "  %s", c.NameAndAliases())
	}
	if c.HasExample() {
		fmt.Fprintf(w, "\n\nExamples:\n")
		w.WriteString(wrapExamples(c.Example, width))
	}
	line := func(sub *cobra.Command) {
		// The summary under its column where it is wider than the line.
		lead := fmt.Sprintf("  %-*s ", sub.NamePadding(), sub.Name())
		fmt.Fprintf(w, "\n%s", strings.Join(fill(strings.Fields(sub.Short), lead, strings.Repeat(" ", len(lead)), width), "\n"))
	}
	shown := func(sub *cobra.Command) bool { return sub.IsAvailableCommand() || sub.Name() == "help" }
	if c.HasAvailableSubCommands() {
		cmds := c.Commands()
		if len(c.Groups()) == 0 {
			fmt.Fprintf(w, "\n\nAvailable Commands:")
			for _, sub := range cmds {
				if shown(sub) {
					line(sub)
				}
			}
		} else {
			for _, group := range c.Groups() {
				fmt.Fprintf(w, "\n\n%s", group.Title)
				for _, sub := range cmds {
					if sub.GroupID == group.ID && shown(sub) {
						line(sub)
					}
				}
			}
			if !c.AllChildCommandsHaveGroup() {
				fmt.Fprintf(w, "\n\nAdditional Commands:")
				for _, sub := range cmds {
					if sub.GroupID == "" && shown(sub) {
						line(sub)
					}
				}
			}
		}
	}
	if c.HasAvailableLocalFlags() {
		fmt.Fprintf(w, "\n\nFlags:\n")
		w.WriteString(wrapFlags(c.LocalFlags().FlagUsages(), width))
	}
	if c.HasAvailableInheritedFlags() {
		fmt.Fprintf(w, "\n\nGlobal Flags:\n")
		w.WriteString(wrapFlags(c.InheritedFlags().FlagUsages(), width))
	}
	if c.HasHelpSubCommands() {
		fmt.Fprintf(w, "\n\nAdditional help topics:")
		for _, sub := range c.Commands() {
			if sub.IsAdditionalHelpTopicCommand() {
				fmt.Fprintf(w, "\n  %-*s %s", sub.CommandPathPadding(), sub.CommandPath(), sub.Short)
			}
		}
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(w, "\n\n%s", ui.Wrap(fmt.Sprintf("Use \"%s [command] --help\" for more information about a command.", c.CommandPath()), width, ""))
	}
	w.WriteString("\n")
}

// wrapFlags wraps each line of pflag's flag usages (a name, then its
// description at a column all share) wider than width: the description
// under its column, or, where a word of it is wider than the room there
// (an enum: {bond|mono|…|github}), its next lines under column 10.
// (pflag's FlagUsagesWrapped leaves such a line whole.)
func wrapFlags(usages string, width int) string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(usages, " \t\n"), "\n") {
		l = strings.TrimRight(l, " ")
		body := strings.TrimLeft(l, " ")
		name, _, ok := strings.Cut(body, "  ")
		if ansi.StringWidth(l) <= width || !ok {
			out = append(out, l)
			continue
		}
		desc := strings.TrimLeft(body[len(name):], " ")
		col := len(l) - len(desc) // the name is ASCII: bytes are columns
		words := strings.Fields(desc)
		indent := col
		for _, word := range words[1:] {
			if col+ansi.StringWidth(word) > width {
				indent = min(col, 10)
			}
		}
		cur := l[:col] + words[0]
		for _, word := range words[1:] {
			if ansi.StringWidth(cur)+1+ansi.StringWidth(word) > width {
				out = append(out, cur)
				cur = strings.Repeat(" ", indent) + word
				continue
			}
			cur += " " + word
		}
		out = append(out, cur)
	}
	return strings.Join(out, "\n")
}

// wrapExamples wraps each example line wider than width (see
// WrappedUsage).
func wrapExamples(example string, width int) string {
	lines := strings.Split(example, "\n")
	out := make([]string, 0, len(lines))
	continued := false // the line before ended with a continuation
	for _, l := range lines {
		if ansi.StringWidth(l) > width {
			indent := l[:len(l)-len(strings.TrimLeft(l, " "))]
			cmd, comment := splitComment(strings.TrimLeft(l, " "))
			if comment != "" {
				out = append(out, wrapWords(indent+comment, width, indent+"# ", ""))
			}
			more := indent
			if !continued {
				more += "  "
			}
			l = wrapWords(indent+cmd, width, more, " \\")
		}
		continued = strings.HasSuffix(l, `\`)
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// splitComment cuts a shell line's trailing comment (a # after a blank,
// outside quotes), returned with its "#".
func splitComment(line string) (cmd, comment string) {
	var quote rune
	prev := ' '
	for i, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && (prev == ' ' || prev == '\t') && i > 0:
			return strings.TrimRight(line[:i], " \t"), line[i:]
		}
		prev = r
	}
	return line, ""
}

// wrapWords wraps s (its first line's indent included) at width between
// words: a word is what lies between blanks outside quotes ('…', "…")
// and brackets ([…], {…}, <…>), so that neither a shell argument nor a
// usage group is split; a flag goes to the next line with its value. Each
// line but the last ends with end; the lines after the first start with
// indent. A word wider than a line stays whole where it is (breaking
// before it would leave it as wide).
func wrapWords(s string, width int, indent, end string) string {
	lead := s[:len(s)-len(strings.TrimLeft(s, " "))]
	var lines []string
	cur := []string{} // the words of the line being filled
	w := func(words []string, first bool) int {
		n := ansi.StringWidth(indent)
		if first {
			n = ansi.StringWidth(lead)
		}
		return n + ansi.StringWidth(strings.Join(words, " "))
	}
	for _, word := range splitWords(strings.TrimLeft(s, " ")) {
		first := len(lines) == 0
		if len(cur) == 0 || w(append(cur, word), first)+ansi.StringWidth(end) <= width ||
			ansi.StringWidth(indent)+ansi.StringWidth(word)+ansi.StringWidth(end) > width {
			cur = append(cur, word)
			continue
		}
		next := []string{word}
		if n := len(cur); n > 1 && strings.HasPrefix(cur[n-1], "-") && !strings.HasPrefix(word, "-") &&
			w([]string{cur[n-1], word}, false)+ansi.StringWidth(end) <= width {
			cur, next = cur[:n-1], []string{cur[n-1], word} // the flag with its value
		}
		lines = append(lines, line(lead, indent, first, cur)+end)
		cur = next
	}
	return strings.Join(append(lines, line(lead, indent, len(lines) == 0, cur)), "\n")
}

func line(lead, indent string, first bool, words []string) string {
	if first {
		return lead + strings.Join(words, " ")
	}
	return indent + strings.Join(words, " ")
}

func splitWords(s string) []string {
	var words []string
	var quote rune
	depth := 0
	start := -1
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '[' || r == '{' || r == '<' && depth > 0:
			depth++
		case (r == ']' || r == '}' || r == '>') && depth > 0:
			depth--
		case r == ' ' && depth == 0:
			if start >= 0 {
				words = append(words, s[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		words = append(words, s[start:])
	}
	return words
}
