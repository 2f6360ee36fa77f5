package ui

import "github.com/charmbracelet/x/ansi"

// ElideMiddle cuts plain text s to width columns by taking out its middle
// (an ellipsis in its place), a third kept of its start and two of its
// end: a URL keeps its scheme and the end of its path, what tells two
// callbacks of one host apart ("http://…/webhooks/fail").
func ElideMiddle(s string, width int) string {
	if ansi.StringWidth(s) <= width {
		return s
	}
	if width <= 1 {
		return ansi.Truncate(s, width, "")
	}
	left := (width - 1) / 3
	right := width - 1 - left
	return ansi.Truncate(s, left, "") + "…" + ansi.TruncateLeft(s, ansi.StringWidth(s)-right, "")
}

// CutEnd cuts plain text s to width columns, an ellipsis for the rest.
func CutEnd(s string, width int) string {
	if ansi.StringWidth(s) <= width {
		return s
	}
	return ansi.Truncate(s, width, "…")
}
