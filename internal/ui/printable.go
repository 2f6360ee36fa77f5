package ui

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Printable makes text that came from outside (a receiver's answer, a
// received webhook's body or event type) safe to print on a terminal:
// control characters (C0, DEL and C1, such as ESC and CSI) and bytes that
// are not UTF-8 are written escaped (\x1b, \u009b, \xff), so the text
// cannot move the cursor, clear the screen, retitle the window or hide
// what is printed after it. keepLines keeps tabs, newlines and CR LF line
// ends as they are (a body); without it they are escaped too (a table
// cell, one line). Text with nothing to escape is returned as is.
func Printable(s string, keepLines bool) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 || needsEscape(s, i, r, keepLines) {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case needsEscape(s, i, r, keepLines):
			if r < 0x80 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func needsEscape(s string, i int, r rune, keepLines bool) bool {
	switch {
	case r == '\t' || r == '\n':
		return !keepLines
	case r == '\r':
		return !keepLines || i+1 >= len(s) || s[i+1] != '\n' // a lone CR overwrites the line
	case r < 0x20 || r == 0x7f:
		return true
	case r >= 0x80 && r < 0xa0:
		return true // C1: 0x9b is CSI on some terminals
	}
	return false
}
