// Package ui holds hookctl's output contract: IO streams with TTY detection,
// the single colour decision, every style, tables and JSON output.
package ui

import (
	"bytes"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/term"
	"github.com/fatih/color"
	"github.com/mattn/go-isatty"
	"github.com/muesli/termenv"
)

// Output formats accepted by --output.
const (
	FormatTable = "table"
	FormatJSON  = "json"
)

// IOStreams is the only way commands read input and write output.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool

	colorEnabled bool
	// errColor: colour on stderr too, which must also be a terminal
	// (stdout on one, stderr sent to a file: no escape codes there).
	errColor bool
	format   string

	styles    *Styles
	errStyles *Styles
	prompter  *Prompter
	getenv    func(string) string
	// errFile is the process's stderr (System), for its terminal's size.
	errFile *os.File
}

// System returns streams bound to the process's stdin, stdout and stderr.
// HOOKCTL_FORCE_TTY=1 makes all three count as terminals (end-to-end tests of
// terminal output).
func System() *IOStreams {
	force := os.Getenv("HOOKCTL_FORCE_TTY")
	forced := force != "" && force != "0" && force != "false"
	s := &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		stdinTTY:  forced || isTerminal(os.Stdin),
		stdoutTTY: forced || isTerminal(os.Stdout),
		stderrTTY: forced || isTerminal(os.Stderr),
		format:    FormatTable,
		getenv:    os.Getenv,
		errFile:   os.Stderr,
	}
	if s.stderrTTY {
		// On a terminal hookctl's errors, hints and warnings are
		// wrapped to its width; piped, they stay one line each.
		s.ErrOut = &noticeWriter{w: os.Stderr, width: s.StderrWidth}
	}
	s.DecideColor(false)
	return s
}

// Test returns streams backed by buffers: stdin, stdout and stderr. No
// terminal, no colour, until SetTTY / DecideColor say otherwise.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	s := &IOStreams{In: in, Out: out, ErrOut: errOut, format: FormatTable, getenv: func(string) string { return "" }}
	s.DecideColor(false)
	return s, in, out, errOut
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// SetTTY overrides terminal detection (tests).
func (s *IOStreams) SetTTY(stdin, stdout, stderr bool) {
	s.stdinTTY, s.stdoutTTY, s.stderrTTY = stdin, stdout, stderr
}

// SetGetenv replaces the environment lookup used for the colour decision (tests).
func (s *IOStreams) SetGetenv(f func(string) string) { s.getenv = f }

func (s *IOStreams) IsStdinTTY() bool  { return s.stdinTTY }
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// CanPrompt reports whether interactive prompts are allowed: stdin and
// stdout are terminals and the output is not JSON.
func (s *IOStreams) CanPrompt() bool {
	return s.stdinTTY && s.stdoutTTY && s.format != FormatJSON
}

// NoPromptJSON reports that CanPrompt is false only because of -o json:
// stdin and stdout are terminals, but a script reads the output. A
// refusal to go on without --yes then says so, not "not a terminal".
func (s *IOStreams) NoPromptJSON() bool {
	return s.stdinTTY && s.stdoutTTY && s.format == FormatJSON
}

// WhyNoPrompt says why CanPrompt is false, for a refusal to go on
// without --yes: "-o json never prompts" or "not a terminal".
func (s *IOStreams) WhyNoPrompt() string {
	if s.NoPromptJSON() {
		return "-o json never prompts"
	}
	return "not a terminal"
}

// SetFormat sets the output format (table or json).
func (s *IOStreams) SetFormat(f string) { s.format = f }

// Format returns the output format (table or json).
func (s *IOStreams) Format() string { return s.format }

// JSON reports whether --output json is in force.
func (s *IOStreams) JSON() bool { return s.format == FormatJSON }

// ColorEnabled reports the one colour decision.
func (s *IOStreams) ColorEnabled() bool { return s.colorEnabled }

// DecideColor makes the one colour decision and applies it to fatih/color
// and to one lipgloss renderer per output stream. Off with NO_COLOR,
// --no-color, CLICOLOR=0 or TERM=dumb; on with CLICOLOR_FORCE; otherwise on
// only when stdout is a terminal, and on stderr only when stderr is one
// too (hookctl … 2>log writes no escape codes into the log).
func (s *IOStreams) DecideColor(noColorFlag bool) {
	getenv := s.getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	enabled := s.stdoutTTY
	errEnabled := s.stdoutTTY && s.stderrTTY
	switch {
	case noColorFlag, getenv("NO_COLOR") != "", getenv("CLICOLOR") == "0", getenv("TERM") == "dumb":
		enabled, errEnabled = false, false
	case getenv("CLICOLOR_FORCE") != "" && getenv("CLICOLOR_FORCE") != "0":
		enabled, errEnabled = true, true
	}
	s.colorEnabled = enabled
	s.errColor = errEnabled
	color.NoColor = !enabled
	// Styles are built on first use: most runs never render one.
	s.styles, s.errStyles = nil, nil
}

func newRenderer(w io.Writer, enabled bool) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(w)
	// Never let lipgloss query the terminal: it can hang and it disagrees
	// with fatih/color. The profile follows our decision.
	r.SetHasDarkBackground(true)
	if enabled {
		r.SetColorProfile(termenv.ANSI256)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	return r
}

// Styles returns the styles for stdout.
func (s *IOStreams) Styles() *Styles {
	if s.styles == nil {
		s.styles = NewStyles(newRenderer(s.Out, s.colorEnabled))
	}
	return s.styles
}

// ErrStyles returns the styles for stderr.
func (s *IOStreams) ErrStyles() *Styles {
	if s.errStyles == nil {
		s.errStyles = NewStyles(newRenderer(s.ErrOut, s.errColor))
	}
	return s.errStyles
}

func (s *IOStreams) env(k string) string {
	if s.getenv == nil {
		return ""
	}
	return s.getenv(k)
}

// StderrWidth returns the width of the terminal on stderr: COLUMNS when
// set, else what the terminal says (a size query, which writes nothing to
// it), 0 when unknown.
func (s *IOStreams) StderrWidth() int {
	if w := s.TerminalWidth(); w > 0 {
		return w
	}
	if f := s.errFile; f != nil && s.stderrTTY {
		if w, _, err := term.GetSize(f.Fd()); err == nil && w > 0 {
			return w
		}
	}
	return 0
}

// StdoutWidth returns the width of the terminal on stdout: COLUMNS when
// set, else what the terminal says, 0 when unknown or not a terminal.
func (s *IOStreams) StdoutWidth() int {
	if w := s.TerminalWidth(); w > 0 {
		return w
	}
	if f, ok := s.StdoutFile(); ok && s.stdoutTTY {
		if w, _, err := term.GetSize(f.Fd()); err == nil && w > 0 {
			return w
		}
	}
	return 0
}

// ErrWidth is the width to wrap stderr's lines to: the terminal's, 0
// (not wrapped) when stderr is not a terminal, whatever COLUMNS says
// (piped, a line stays whole for grep).
func (s *IOStreams) ErrWidth() int {
	if !s.stderrTTY {
		return 0
	}
	return s.StderrWidth()
}

// OutWidth is ErrWidth for stdout.
func (s *IOStreams) OutWidth() int {
	if !s.stdoutTTY {
		return 0
	}
	return s.StdoutWidth()
}

// TerminalWidth returns the COLUMNS width, or 0 when unknown.
func (s *IOStreams) TerminalWidth() int {
	if v := s.env("COLUMNS"); v != "" {
		n := 0
		for _, c := range strings.TrimSpace(v) {
			if c < '0' || c > '9' {
				return 0
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	return 0
}
