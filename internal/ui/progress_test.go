package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
)

func TestProgress(t *testing.T) {
	ios, _, _, errOut := Test()
	p := ios.NewProgress("replaying")
	p.SetTotal(4, true)
	p.Add(true)
	p.Add(false)
	if p.Enabled() || errOut.Len() != 0 {
		t.Fatalf("no terminal: nothing drawn, got %q", errOut.String())
	}
	if got := p.Line(); !strings.HasPrefix(got, "replaying [===============>              ] 2/4  2 ok") && !strings.Contains(got, "1 ok") {
		t.Errorf("line = %q", got)
	}
	if got := p.Line(); !strings.Contains(got, "2/4") || !strings.Contains(got, "1 ok") || !strings.Contains(got, "1 failed") {
		t.Errorf("line = %q", got)
	}

	ios.SetTTY(false, false, true)
	p = ios.NewProgress("replaying")
	p.SetTotal(10, false)
	p.Add(true)
	p.Finish()
	out := errOut.String()
	if !strings.Contains(out, "\r\033[K") || !strings.Contains(out, "1/10+") || !strings.HasSuffix(out, "\n") {
		t.Errorf("terminal output = %q", out)
	}
}

func TestProgressRateAndETA(t *testing.T) {
	ios, _, _, _ := Test()
	p := ios.NewProgress("triggering")
	now := time.Unix(1000, 0)
	p.SetClock(func() time.Time { return now })
	p.SetTotal(300, true)
	for i := 0; i < 100; i++ {
		p.Add(i%10 != 0)
	}
	now = now.Add(2 * time.Second)
	got := p.Line()
	for _, want := range []string{"100/300", "90 ok", "10 failed", "50/s", "ETA 4s"} {
		if !strings.Contains(got, want) {
			t.Errorf("line %q lacks %q", got, want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                           "0s",
		250 * time.Millisecond:      "250ms",
		2650 * time.Millisecond:     "2.65s",
		62650 * time.Millisecond:    "1m3s",
		24 * time.Hour:              "24h",
		90 * time.Minute:            "1h30m",
		36 * time.Hour:              "36h",
		7 * 24 * time.Hour:          "1w",
		3 * 24 * time.Hour:          "3d",
		2*time.Hour + 5*time.Second: "2h0m5s",
		5 * time.Minute:             "5m",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// The line fits the terminal (COLUMNS here): a longer one wraps and each
// redraw (\r, erase line) left a row behind — a bulk trigger's line was 96
// columns, so an 80-column terminal filled with progress lines.
func TestProgressFitsTheTerminal(t *testing.T) {
	for _, cols := range []int{200, 96, 80, 60, 40, 20, 8} {
		ios, _, _, errOut := Test()
		ios.SetTTY(false, false, true)
		ios.SetGetenv(func(k string) string {
			if k == "COLUMNS" {
				return fmt.Sprint(cols)
			}
			return ""
		})
		ios.DecideColor(false)
		p := ios.NewProgress("triggering")
		now := time.Unix(1000, 0)
		p.SetClock(func() time.Time { return now })
		p.SetTotal(100000, true)
		for i := 0; i < 54321; i++ {
			p.Add(i%1000 != 0)
		}
		now = now.Add(3 * time.Second)
		line := p.Line()
		if w := lipgloss.Width(line); w > cols-1 {
			t.Errorf("%d columns: line is %d wide: %q", cols, w, line)
		}
		if cols >= 60 && !strings.Contains(line, "54321/100000") {
			t.Errorf("%d columns: the counts are gone: %q", cols, line)
		}
		if cols >= 96 && !strings.Contains(line, "ETA") {
			t.Errorf("%d columns: room for everything, yet %q", cols, line)
		}
		p.Finish()
		for _, seg := range strings.Split(errOut.String(), "\r\033[K") {
			if w := lipgloss.Width(strings.TrimSuffix(seg, "\n")); w > cols-1 {
				t.Errorf("%d columns: drew %d wide: %q", cols, w, seg)
			}
		}
	}
}

// TERM=dumb cannot erase a line (Emacs' shell showed ^[[K): no bar.
func TestProgressDumbTerminal(t *testing.T) {
	ios, _, _, errOut := Test()
	ios.SetTTY(false, false, true)
	ios.SetGetenv(func(k string) string {
		if k == "TERM" {
			return "dumb"
		}
		return ""
	})
	p := ios.NewProgress("replaying")
	p.SetTotal(3, true)
	p.Add(true)
	p.Finish()
	if p.Enabled() || errOut.Len() != 0 {
		t.Errorf("TERM=dumb: drew %q", errOut.String())
	}
}
