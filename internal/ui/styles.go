package ui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/fatih/color"
	"github.com/muesli/termenv"
)

// Palette: the only colours hookctl uses (ANSI 256 codes, readable on dark
// and light terminals).
const (
	colorGreen  = lipgloss.Color("2")
	colorRed    = lipgloss.Color("1")
	colorYellow = lipgloss.Color("3")
	colorBlue   = lipgloss.Color("4")
	colorCyan   = lipgloss.Color("6")
	colorGray   = lipgloss.Color("244")
	colorPurple = lipgloss.Color("5")
)

// Styles holds every lipgloss style hookctl renders with, by meaning.
// Commands never build styles of their own.
type Styles struct {
	r *lipgloss.Renderer

	Header    lipgloss.Style
	Title     lipgloss.Style
	Success   lipgloss.Style
	Failure   lipgloss.Style
	Warning   lipgloss.Style
	Pending   lipgloss.Style
	Muted     lipgloss.Style
	Bold      lipgloss.Style
	EventType lipgloss.Style
	ID        lipgloss.Style
	URL       lipgloss.Style
	Secret    lipgloss.Style
	Key       lipgloss.Style
	Box       lipgloss.Style
}

// NewStyles builds the styles on one renderer.
func NewStyles(r *lipgloss.Renderer) *Styles {
	return &Styles{
		r:         r,
		Header:    underlined(r, "1"),
		Title:     r.NewStyle().Bold(true).Foreground(colorPurple),
		Success:   r.NewStyle().Foreground(colorGreen),
		Failure:   r.NewStyle().Foreground(colorRed),
		Warning:   r.NewStyle().Foreground(colorYellow),
		Pending:   r.NewStyle().Foreground(colorYellow),
		Muted:     r.NewStyle().Foreground(colorGray),
		Bold:      r.NewStyle().Bold(true),
		EventType: r.NewStyle().Foreground(colorCyan),
		ID:        r.NewStyle().Foreground(colorGray),
		URL:       underlined(r, "34"),
		Secret:    r.NewStyle().Foreground(colorYellow).Bold(true),
		Key:       r.NewStyle().Bold(true),
		Box:       r.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(colorGray).Padding(0, 1),
	}
}

// underlined returns a style that underlines text drawn with the SGR
// attributes attrs ("1" bold, "34" blue: the palette's colorBlue on the
// ANSI and ANSI256 profiles), as one start and one reset per line.
// lipgloss v1 underlines rune by rune (each rune its own ESC[…m…ESC[0m,
// about ten times the bytes, and it repeats the 4), so the style only
// transforms the text and sets nothing lipgloss would draw; widths are
// unaffected (lipgloss and ansi measure printable width). Without colour
// the text is left as it is.
func underlined(r *lipgloss.Renderer, attrs string) lipgloss.Style {
	if r.ColorProfile() == termenv.Ascii {
		return r.NewStyle()
	}
	start := "\x1b[" + attrs + ";4m"
	return r.NewStyle().Transform(func(s string) string {
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			if l != "" {
				lines[i] = start + l + "\x1b[0m"
			}
		}
		return strings.Join(lines, "\n")
	})
}

// Renderer returns the lipgloss renderer these styles draw with.
func (s *Styles) Renderer() *lipgloss.Renderer { return s.r }

// HTTPStatus returns the style for an HTTP status code by class: 2xx green,
// 3xx/4xx yellow, 5xx and 0 (no response) red.
func (s *Styles) HTTPStatus(code int) lipgloss.Style {
	switch {
	case code >= 200 && code < 300:
		return s.Success
	case code >= 300 && code < 500:
		return s.Warning
	default:
		return s.Failure
	}
}

// AttemptStatus returns the style for an attempt's HTTP status: by class
// (HTTPStatus), except that a 2xx answer the attempt failed with (a
// provider's rules count it as failed: Bond accepts only 200 or 201, Mono
// only 200) is in the failure's style, not green beside a red "failed".
func (s *Styles) AttemptStatus(code int, failed bool) lipgloss.Style {
	if failed && code >= 200 && code < 300 {
		return s.Failure
	}
	return s.HTTPStatus(code)
}

// DeliveryStatus returns the style for a delivery status word.
func (s *Styles) DeliveryStatus(status string) lipgloss.Style {
	switch status {
	case "succeeded", "enabled", "valid", "verified", "ok":
		return s.Success
	case "failed", "disabled", "invalid", "rejected":
		return s.Failure
	default:
		return s.Pending
	}
}

// Paint: cheap fatih/color painters for hot paths (live logs), where a
// lipgloss render per line would cost too much. They follow the same
// colour decision (color.NoColor is set by IOStreams.DecideColor).
var (
	paintGreen  = color.New(color.FgGreen).SprintFunc()
	paintRed    = color.New(color.FgRed).SprintFunc()
	paintYellow = color.New(color.FgYellow).SprintFunc()
	paintCyan   = color.New(color.FgCyan).SprintFunc()
	paintGray   = color.New(color.FgHiBlack).SprintFunc()
	paintBold   = color.New(color.Bold).SprintFunc()
)

// Paint functions for log lines.
func Green(s string) string  { return paintGreen(s) }
func Red(s string) string    { return paintRed(s) }
func Yellow(s string) string { return paintYellow(s) }
func Cyan(s string) string   { return paintCyan(s) }
func Gray(s string) string   { return paintGray(s) }
func Bold(s string) string   { return paintBold(s) }

// PaintCount writes "N word" painted with paint when N > 0, plain when it
// is 0: in "3 succeeded, 0 failed, 0 pending" only what happened is in
// colour (a yellow "0 pending" caught the eye for nothing).
func PaintCount(n int64, word string, paint func(string) string) string {
	s := strconv.FormatInt(n, 10) + " " + word
	if n > 0 {
		return paint(s)
	}
	return s
}

// PaintAttemptStatus paints an attempt's HTTP status as
// Styles.AttemptStatus styles it: by class, but red for a 2xx answer the
// attempt failed with (Bond's 202).
func PaintAttemptStatus(code int, failed bool, s string) string {
	if failed && code >= 200 && code < 300 {
		return Red(s)
	}
	return PaintStatus(code, s)
}

// PaintStatus paints an HTTP status by class (see Styles.HTTPStatus).
func PaintStatus(code int, s string) string {
	switch {
	case code >= 200 && code < 300:
		return Green(s)
	case code >= 300 && code < 500:
		return Yellow(s)
	default:
		return Red(s)
	}
}
