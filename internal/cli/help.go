package cli

import (
	"io"
	"regexp"
	"strings"
	"sync"
	"unicode"

	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"
)

// WrappedHelp is cobra's help (the description, then the usage) with the
// description re-flowed to a terminal width wide: a paragraph of prose
// with a line wider than that is filled again to the width, a definition
// list's entry ("  name   what it is", continued under its column) is
// filled again under its column; other indented lines (commands, code)
// stay as written. With width 0 (help piped to a pager or a file, the
// man pages) it is def's, byte for byte. (The descriptions are
// hard-wrapped near 76 columns: on a 60-column terminal each of their
// lines broke mid-word at column 0.)
func WrappedHelp(width func() int, def func(*cobra.Command, []string)) func(*cobra.Command, []string) {
	return func(c *cobra.Command, args []string) {
		w := width()
		if w <= 0 {
			def(c, args)
			return
		}
		// cobra's defaultHelpFunc, the description re-flowed.
		text := c.Long
		if text == "" {
			text = c.Short
		}
		text = strings.TrimRightFunc(text, unicode.IsSpace)
		var b strings.Builder
		if text != "" {
			b.WriteString(Reflow(text, w))
			b.WriteString("\n\n")
		}
		if c.Runnable() || c.HasSubCommands() {
			b.WriteString(c.UsageString())
		}
		io.WriteString(c.OutOrStdout(), b.String())
	}
}

// defEntry is a definition list's first line: an indent, a name (words
// one space apart), two blanks or more, the description.
var defEntry = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^( +)(\S+(?: \S+)*)( {2,})(\S.*)$`) })

// Reflow fits text's prose to width (see WrappedHelp); what fits stays
// as written.
func Reflow(text string, width int) string {
	lines := strings.Split(text, "\n")
	indent := func(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }
	fits := func(ls []string) bool {
		for _, l := range ls {
			if ansi.StringWidth(l) > width {
				return false
			}
		}
		return true
	}
	var out []string
	for i := 0; i < len(lines); {
		l := lines[i]
		switch {
		case strings.TrimSpace(l) == "":
			out = append(out, l)
			i++
		case indent(l) == 0 && !strings.HasPrefix(l, "\t"):
			// A paragraph: the lines up to a blank one or an indented one.
			j := i + 1
			for j < len(lines) && strings.TrimSpace(lines[j]) != "" && indent(lines[j]) == 0 {
				j++
			}
			if fits(lines[i:j]) {
				out = append(out, lines[i:j]...)
			} else {
				out = append(out, fill(strings.Fields(strings.Join(lines[i:j], " ")), "", "", width)...)
			}
			i = j
		default:
			m := defEntry().FindStringSubmatch(l)
			if m == nil {
				out = append(out, l) // a command, code: as written
				i++
				continue
			}
			col := len(l) - len(m[4])
			j := i + 1
			for j < len(lines) && strings.TrimSpace(lines[j]) != "" && indent(lines[j]) == col {
				j++
			}
			if fits(lines[i:j]) {
				out = append(out, lines[i:j]...)
			} else {
				// Under its column, or, where that leaves less than 24
				// columns, 4 past the name's.
				under := col
				if width-col < 24 {
					under = min(col, len(m[1])+4)
				}
				desc := strings.Fields(strings.Join(append([]string{m[4]}, lines[i+1:j]...), " "))
				out = append(out, fill(desc, l[:col], strings.Repeat(" ", under), width)...)
			}
			i = j
		}
	}
	return strings.Join(out, "\n")
}

// fill lays words out in lines of at most width columns, the first after
// lead, the others after indent; a word wider than a line stays whole.
func fill(words []string, lead, indent string, width int) []string {
	var out []string
	cur := lead
	empty := true
	for _, w := range words {
		if !empty && ansi.StringWidth(cur)+1+ansi.StringWidth(w) > width {
			out = append(out, cur)
			cur, empty = indent, true
		}
		if !empty {
			cur += " "
		}
		cur += w
		empty = false
	}
	return append(out, cur)
}
