package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Wrap wraps s (plain or styled text) between words so that no line is
// wider than width columns, the lines after the first indented by indent
// (a hanging indent: the first line's head stands out). A line longer
// than the terminal broke mid-word at its edge and went on at column 0.
// With no room to speak of (width 0: not a terminal, or a width unknown)
// s is left as it is; a word longer than a line stays whole, and so does
// a run of words joined by non-breaking spaces (U+00A0, written back as
// spaces): a command to copy is kept on one line. A word is not broken at
// its hyphens either: ansi.Wordwrap breaks after any "-", which cut an id
// ("9f8e7d6c-5b4a-4392-" / "8170- 6f5e…", a space put into it) and a
// flag ("--" / "deadline") over two lines.
func Wrap(s string, width int, indent string) string {
	s = strings.ReplaceAll(s, "-", hyphen)
	return strings.NewReplacer(nbsp, " ", hyphen, "-").Replace(wrap(s, width, indent))
}

// hyphen stands for "-" while Wrap wraps: a character one column wide
// that ansi.Wordwrap does not break after (one of Unicode's private use).
const hyphen = "\ue000"

// nbsp joins words Wrap keeps on one line.
const nbsp = "\u00a0"

// NoBreak joins the words of s so that Wrap keeps them on one line.
func NoBreak(s string) string { return strings.ReplaceAll(s, " ", nbsp) }

func wrap(s string, width int, indent string) string {
	if width < len(indent)+20 || ansi.StringWidth(s) <= width {
		return s
	}
	first, rest, _ := strings.Cut(ansi.Wordwrap(s, width, ""), "\n")
	if rest == "" {
		return first
	}
	rest = ansi.Wordwrap(strings.ReplaceAll(rest, "\n", " "), width-len(indent), "")
	return first + "\n" + indent + strings.ReplaceAll(rest, "\n", "\n"+indent)
}
