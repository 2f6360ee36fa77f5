package ui

import (
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// noticeWriter is stderr on a terminal: each write that is one or more
// whole lines in hookctl's voice ("hookctl: error: …", "hookctl: hint:
// …", warnings and notes) has those lines wrapped to the terminal's
// width (WrapNotice); every other write goes through as it is, at once
// (a prompt, a progress line, a partial line). They were printed as
// one line whatever their length (a hint of 169 columns), which the
// terminal broke mid-word. Piped, stderr is not wrapped: scripts grep
// one line a notice.
//
// It holds no state: each Write is one Write of the stream below, as
// before (lines written by several goroutines do not mix).
type noticeWriter struct {
	w     io.Writer
	width func() int
}

const noticePrefix = "hookctl: "

func (n *noticeWriter) Write(p []byte) (int, error) {
	if len(p) == 0 || p[len(p)-1] != '\n' || !strings.HasPrefix(ansi.Strip(firstLine(p)), noticePrefix) {
		return n.w.Write(p)
	}
	width := n.width()
	if width <= 0 {
		return n.w.Write(p)
	}
	lines := strings.Split(string(p[:len(p)-1]), "\n")
	changed := false
	for i, l := range lines {
		if strings.HasPrefix(ansi.Strip(l), noticePrefix) && ansi.StringWidth(l) > width {
			lines[i] = WrapNotice(l, width)
			changed = true
		}
	}
	if !changed {
		return n.w.Write(p)
	}
	if _, err := io.WriteString(n.w, strings.Join(lines, "\n")+"\n"); err != nil {
		return 0, err
	}
	return len(p), nil
}

func firstLine(p []byte) string {
	s := string(p[:min(len(p), 64)])
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// WrapNotice wraps a line in hookctl's voice ("hookctl: hint: …") to
// width columns, the lines after the first indented by two spaces, so
// that what the reader copies stays whole: an id, a path or a flag is
// one word (Wrap keeps hyphenated words whole), a flag stays with its
// value (--port 0), and a hookctl command named in the text stays on one
// line (a command cut over two lines ran its first half when pasted).
// A command longer than a line stays whole on a line of its own.
// With no width (piped: 0) or a line that fits, line is returned as it
// is, byte for byte.
func WrapNotice(line string, width int) string {
	if width <= 0 || ansi.StringWidth(line) <= width {
		return line
	}
	return Wrap(keepWhole(line), width, "  ")
}

// NoticeCommands are hookctl's commands: "hookctl <command> …" in a
// notice is a command line to keep whole ("hookctl uses …" is prose).
var NoticeCommands = []string{
	"check", "completion", "config", "deliveries", "demo", "events", "listen", "replay", "serve",
	"sign", "store", "subs", "subscribe", "subscription", "subscriptions", "trigger", "ui", "verify",
	"version", "worker",
}

// keepWhole joins (NoBreak) the words of each hookctl command in s, and
// each flag with the value after it.
func keepWhole(s string) string {
	words := strings.Split(s, " ")
	out := make([]string, 0, len(words))
	for i := 0; i < len(words); i++ {
		w := words[i]
		if j := commandEnd(words, i); j > i {
			out = append(out, strings.Join(words[i:j+1], nbsp))
			i = j
			continue
		}
		if strings.HasPrefix(w, "--") && len(w) > 2 && !strings.ContainsAny(w[len(w)-1:], ",;:.)") &&
			i+1 < len(words) && words[i+1] != "" && !strings.HasPrefix(words[i+1], "-") && !strings.HasPrefix(words[i+1], "(") {
			out = append(out, w+nbsp+words[i+1])
			i++
			continue
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// commandEnd returns the index of the last word of the command that
// starts at words[i] ("hookctl", optionally after an opening quote,
// backtick or parenthesis, then one of NoticeCommands), or i when none
// starts there. The command ends at the quote or parenthesis that
// closes what opened it, at a word ending in ",", ";" or "." (the
// sentence goes on), before " (" (an aside), or at the end of the line.
// A synopsis ("usage: hookctl subscribe --url <url> [flags]", read, not
// run as it is) is no command to keep whole.
func commandEnd(words []string, i int) int {
	j := commandLast(words, i)
	for _, w := range words[i+1 : j+1] {
		if w = ansi.Strip(w); strings.HasPrefix(w, "<") || strings.HasPrefix(w, "[") {
			return i
		}
	}
	return j
}

func commandLast(words []string, i int) int {
	w := ansi.Strip(words[i])
	open := ""
	if w != "" && strings.ContainsAny(w[:1], "\"'`(") {
		open, w = w[:1], w[1:]
	}
	if w != "hookctl" || i+1 >= len(words) {
		return i
	}
	name := strings.TrimRight(ansi.Strip(words[i+1]), "\"'`),;:.")
	known := false
	for _, c := range NoticeCommands {
		known = known || c == name
	}
	if !known && !strings.HasPrefix(name, "-") {
		return i
	}
	closer := map[string]string{"\"": "\"", "'": "'", "`": "`", "(": ")"}[open]
	depth := 0
	for j := i + 1; j < len(words); j++ {
		w := ansi.Strip(words[j])
		if closer != "" && strings.Contains(w, closer) && (closer != ")" || strings.Count(w, ")") > strings.Count(w, "(")+depth) {
			return j
		}
		depth += strings.Count(w, "(") - strings.Count(w, ")")
		if j+1 < len(words) && strings.HasPrefix(words[j+1], "(") && closer == "" {
			return j
		}
		if closer == "" && w != "" && strings.ContainsAny(w[len(w)-1:], ",;.") && !strings.HasSuffix(w, "..") {
			return j
		}
		if closer == "" && depth < 0 {
			return j
		}
	}
	return len(words) - 1
}
