package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/fatih/color"
)

func TestDecideColor(t *testing.T) {
	tests := []struct {
		name    string
		tty     bool
		env     map[string]string
		noColor bool
		want    bool
	}{
		{"terminal", true, nil, false, true},
		{"piped", false, nil, false, false},
		{"NO_COLOR", true, map[string]string{"NO_COLOR": "1"}, false, false},
		{"--no-color", true, nil, true, false},
		{"CLICOLOR=0", true, map[string]string{"CLICOLOR": "0"}, false, false},
		{"TERM=dumb", true, map[string]string{"TERM": "dumb"}, false, false},
		{"CLICOLOR_FORCE piped", false, map[string]string{"CLICOLOR_FORCE": "1"}, false, true},
		{"CLICOLOR_FORCE=0 piped", false, map[string]string{"CLICOLOR_FORCE": "0"}, false, false},
		{"NO_COLOR beats CLICOLOR_FORCE", false, map[string]string{"NO_COLOR": "1", "CLICOLOR_FORCE": "1"}, false, false},
		{"CI=true does not matter", true, map[string]string{"CI": "true"}, false, true},
	}
	defer func(old bool) { color.NoColor = old }(color.NoColor)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := Test()
			ios.SetTTY(tt.tty, tt.tty, tt.tty)
			ios.SetGetenv(func(k string) string { return tt.env[k] })
			ios.DecideColor(tt.noColor)
			if ios.ColorEnabled() != tt.want {
				t.Fatalf("ColorEnabled = %v, want %v", ios.ColorEnabled(), tt.want)
			}
			// Both libraries follow the one decision.
			if color.NoColor == tt.want {
				t.Errorf("fatih/color NoColor = %v, want %v", color.NoColor, !tt.want)
			}
			styled := ios.Styles().Failure.Render("x")
			if hasANSI := strings.Contains(styled, "\x1b["); hasANSI != tt.want {
				t.Errorf("lipgloss output %q: ANSI = %v, want %v", styled, hasANSI, tt.want)
			}
			if painted := Red("x"); strings.Contains(painted, "\x1b[") != tt.want {
				t.Errorf("fatih/color output %q: ANSI = %v, want %v", painted, !tt.want, tt.want)
			}
		})
	}
}

func TestTablePiped(t *testing.T) {
	ios, _, out, _ := Test()
	ios.DecideColor(false)
	tb := NewTable(ios, "ID", "URL")
	tb.AddRow("abc", "http://x/a")
	tb.Row().Styled("d\tef", ios.Styles().Success).Cell("http://y").End()
	if err := tb.Render(); err != nil {
		t.Fatal(err)
	}
	want := "abc\thttp://x/a\nd ef\thttp://y\n"
	if out.String() != want {
		t.Fatalf("piped table = %q, want %q", out.String(), want)
	}
}

func TestTableTerminal(t *testing.T) {
	ios, _, out, _ := Test()
	ios.SetTTY(true, true, true)
	ios.DecideColor(true) // aligned but uncoloured, to compare text
	tb := NewTable(ios, "ID", "STATUS", "URL")
	tb.AddRow("a", "enabled", "http://x")
	tb.AddRow("abcdef", "off", "http://y")
	if err := tb.Render(); err != nil {
		t.Fatal(err)
	}
	want := "ID      STATUS   URL\n" +
		"a       enabled  http://x\n" +
		"abcdef  off      http://y\n"
	if out.String() != want {
		t.Fatalf("terminal table =\n%s\nwant\n%s", out.String(), want)
	}
}

func TestRelativeTime(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		time.Second:      "just now",
		30 * time.Second: "30 seconds ago",
		time.Minute:      "1 minute ago",
		3 * time.Hour:    "3 hours ago",
		-2 * time.Minute: "in 2 minutes",
		49 * time.Hour:   "2 days ago",
		// ahead: to the nearest unit (a grace of 7 days read a moment later)
		-(7*24*time.Hour - time.Second):   "in 7 days",
		-(3*time.Hour - time.Millisecond): "in 3 hours",
		-(2*time.Minute - time.Second):    "in 2 minutes",
		-(6*24*time.Hour + time.Hour):     "in 6 days",
	} {
		if got := RelativeTime(now.Add(-d), now); got != want {
			t.Errorf("RelativeTime(-%v) = %q, want %q", d, got, want)
		}
	}
}

func TestPrintable(t *testing.T) {
	for _, c := range []struct {
		in        string
		keepLines bool
		want      string
	}{
		{"plain text, café ✓", false, "plain text, café ✓"},
		{"a\x1b]0;owned\x07b", true, `a\x1b]0;owned\x07b`},
		{"\x1b[2J\x1b[Hcleared", true, `\x1b[2J\x1b[Hcleared`},
		{"line 1\nline 2\tx\r\nline 3", true, "line 1\nline 2\tx\r\nline 3"},
		{"line 1\nline 2\tx\r\n", false, `line 1\x0aline 2\x09x\x0d\x0a`},
		{"progress 10%\rdone", true, `progress 10%\x0ddone`},
		{"csi \u009b31m", true, `csi \u009b31m`},
		{"bin \xff\xfe\x00\x7f", true, `bin \xff\xfe\x00\x7f`},
		{"", true, ""},
	} {
		if got := Printable(c.in, c.keepLines); got != c.want {
			t.Errorf("Printable(%q, %v) = %q, want %q", c.in, c.keepLines, got, c.want)
		}
	}
}

// A cell holding control characters (an event type listen took from a
// received body's "\u001b…") is escaped on a terminal and piped alike; on
// a terminal it was written raw and obeyed.
func TestTableEscapesControlCharacters(t *testing.T) {
	for _, tty := range []bool{true, false} {
		ios, _, out, _ := Test()
		ios.SetTTY(false, tty, false)
		tb := NewTable(ios, "TYPE", "ID")
		tb.AddRow("card\x1b]0;owned\x07.created", "a\x1b[2Jb")
		if err := tb.Render(); err != nil {
			t.Fatal(err)
		}
		got := out.String()
		if strings.ContainsAny(got, "\x1b\x07") {
			t.Errorf("tty %v: raw control characters in %q", tty, got)
		}
		if !strings.Contains(got, `card\x1b]0;owned\x07.created`) {
			t.Errorf("tty %v: the escaped text is missing from %q", tty, got)
		}
	}
}

// On a terminal narrower than the table, the widest cells are cut with an
// ellipsis so rows stay one line each: they wrapped, every row taking two
// lines on an 80-column terminal with a long URL.
func TestTableFitsTheTerminal(t *testing.T) {
	ios, _, out, _ := Test()
	ios.SetTTY(true, true, true)
	ios.DecideColor(true)
	ios.getenv = func(k string) string {
		if k == "COLUMNS" {
			return "40"
		}
		return ""
	}
	tb := NewTable(ios, "ID", "STATUS", "URL")
	tb.AddRow("4f1c9a2b", "succeeded", "http://localhost:3000/webhooks/bond/very/long/path")
	tb.AddRow("77aa", "failed", "http://y")
	if err := tb.Render(); err != nil {
		t.Fatal(err)
	}
	want := "ID        STATUS     URL\n" +
		"4f1c9a2b  succeeded  http://localhost:3…\n" +
		"77aa      failed     http://y\n"
	if out.String() != want {
		t.Fatalf("narrow table =\n%s\nwant\n%s", out.String(), want)
	}
	for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if w := lipgloss.Width(line); w > 40 {
			t.Errorf("a line %d wide on a 40-column terminal: %q", w, line)
		}
	}
}

// fitWidths cuts the secondary columns to their floor, then leaves them
// out (the first named first), before it cuts a primary column, and then
// not below primaryFloor; it never cuts an ID or a whole value.
func TestFitWidthsTiers(t *testing.T) {
	headers := []string{"ID", "SOURCE", "URL", "STATUS", "CREATED"}
	fit := func(width int) string {
		w := []int{8, 18, 31, 9, 13} // received ↳9c285120, …, succeeded, 2 minutes ago
		hidden := fitWidths(w, headers, []int{0, 9, 0, 0, 0}, []string{"SOURCE", "CREATED"}, width)
		return fmt.Sprint(w, hidden)
	}
	for _, c := range []struct {
		width int
		want  string
	}{
		{200, "[8 18 31 9 13] [false false false false false]"}, // fits: nothing cut
		{80, "[8 11 31 9 13] [false false false false false]"},  // 87 wide: SOURCE cut first…
		{78, "[8 9 31 9 13] [false false false false false]"},   // …to its word and an ellipsis
		{77, "[8 18 31 9 13] [false true false false false]"},   // then SOURCE left out, the URL whole
		{67, "[8 18 31 9 13] [false true false false false]"},
		{66, "[8 18 31 9 13] [false true false false true]"}, // then CREATED
		{52, "[8 18 31 9 13] [false true false false true]"},
		{51, "[8 18 30 9 13] [false true false false true]"}, // only then the URL is cut…
		{37, "[8 18 16 9 13] [false true false false true]"}, // …not below 16
		{36, "[8 18 31 9 13] [false true false false true]"}, // nothing fits: what is left wraps, whole
	} {
		if got := fit(c.width); got != c.want {
			t.Errorf("width %d: %s, want %s", c.width, got, c.want)
		}
	}
}

// TestErrStylesFollowStderr: stdout on a terminal and stderr sent to a
// file (2>log) colours stdout only; CLICOLOR_FORCE colours both.
func TestErrStylesFollowStderr(t *testing.T) {
	defer func(old bool) { color.NoColor = old }(color.NoColor)
	for _, tt := range []struct {
		name       string
		env        map[string]string
		out, errTo bool
	}{
		{"stderr to a file", nil, true, false},
		{"CLICOLOR_FORCE", map[string]string{"CLICOLOR_FORCE": "1"}, true, true},
	} {
		ios, _, _, _ := Test()
		ios.SetTTY(true, true, false)
		ios.SetGetenv(func(k string) string { return tt.env[k] })
		ios.DecideColor(false)
		if got := strings.Contains(ios.Styles().Success.Render("x"), "\x1b["); got != tt.out {
			t.Errorf("%s: stdout styled = %v, want %v", tt.name, got, tt.out)
		}
		if got := strings.Contains(ios.ErrStyles().Success.Render("x"), "\x1b["); got != tt.errTo {
			t.Errorf("%s: stderr styled = %v, want %v", tt.name, got, tt.errTo)
		}
	}
}
