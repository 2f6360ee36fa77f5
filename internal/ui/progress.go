package ui

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// Progress is a one-line progress bar on stderr for long work (bulk
// replay). It draws only when stderr is a terminal and redraws at most
// every 100 ms; otherwise every method is a cheap no-op.
type Progress struct {
	w       io.Writer
	enabled bool
	label   string
	width   int // of the terminal, 0 when unknown

	mu         sync.Mutex
	total      int64
	totalFinal bool
	ok, failed int64
	last       time.Time
	drawn      bool
	start      time.Time
	now        func() time.Time
}

// NewProgress returns a progress bar labelled label, drawn on stderr when
// it is a terminal that can erase a line (not TERM=dumb, where the erase
// sequence shows as ^[[K), fitted to its width.
func (s *IOStreams) NewProgress(label string) *Progress {
	enabled := s.IsStderrTTY() && s.env("TERM") != "dumb"
	p := &Progress{w: s.ErrOut, enabled: enabled, label: label, start: time.Now(), now: time.Now}
	if enabled {
		p.width = s.StderrWidth()
	}
	return p
}

// SetClock replaces the clock the rate and ETA are computed with (tests).
func (p *Progress) SetClock(now func() time.Time) {
	p.now, p.start = now, now()
}

// Above prints something above the bar: the bar is erased, print runs (it
// writes a whole line to stdout or stderr) and the bar is drawn again.
// Without a bar print just runs.
func (p *Progress) Above(print func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.enabled && p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
	print()
	p.draw(true)
}

// Enabled reports whether the bar is drawn.
func (p *Progress) Enabled() bool { return p.enabled }

// SetTotal sets the amount of work; final says no more will be added (an
// open total is drawn as "n+").
func (p *Progress) SetTotal(n int64, final bool) {
	p.mu.Lock()
	p.total, p.totalFinal = n, final
	p.draw(false)
	p.mu.Unlock()
}

// Add counts one finished item.
func (p *Progress) Add(ok bool) {
	p.mu.Lock()
	if ok {
		p.ok++
	} else {
		p.failed++
	}
	p.draw(false)
	p.mu.Unlock()
}

// Clear erases the bar (before printing a line or the summary).
func (p *Progress) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.enabled && p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}

// Finish draws the final state and ends the line.
func (p *Progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.enabled {
		return
	}
	p.draw(true)
	fmt.Fprintln(p.w)
	p.drawn = false
}

const barWidth = 30

// Line renders the bar's text (exported for tests), fitted to the
// terminal's width when it is known: a line longer than the terminal
// wraps, and the carriage return that redraws it then returns only to the
// start of its last row, so every redraw left a row behind (an 80-column
// terminal filled with progress lines). The bar shrinks first, then the
// ETA and the rate go, then the bar; the counts stay.
func (p *Progress) Line() string {
	line := p.line(barWidth, true, true)
	if p.width <= 0 {
		return line
	}
	max := p.width - 1 // the cursor stays on the line
	if over := lipgloss.Width(line) - max; over > 0 && barWidth-over >= 10 {
		return p.line(barWidth-over, true, true)
	}
	for _, c := range []struct {
		bar       int
		rate, eta bool
	}{{10, true, true}, {10, true, false}, {10, false, false}, {0, false, false}} {
		if line = p.line(c.bar, c.rate, c.eta); lipgloss.Width(line) <= max {
			return line
		}
	}
	return ansi.Truncate(line, max, "…")
}

func (p *Progress) line(width int, rate, eta bool) string {
	done := p.ok + p.failed
	total := fmt.Sprint(p.total)
	if !p.totalFinal {
		total += "+"
	}
	bar := ""
	if width > 0 {
		frac := 0.0
		if p.total > 0 {
			frac = min(1, float64(done)/float64(p.total))
		}
		n := int(frac * float64(width))
		bar = strings.Repeat("=", n)
		if n < width {
			bar += ">" + strings.Repeat(" ", width-n-1)
		}
		bar = " [" + bar + "]"
	}
	line := fmt.Sprintf("%s%s %d/%s  %s %s", p.label, bar, done, total,
		PaintCount(p.ok, "ok", Green), PaintCount(p.failed, "failed", Red))
	if p.now == nil || p.start.IsZero() {
		return line
	}
	elapsed := p.now().Sub(p.start)
	if done > 0 && elapsed > 0 && rate {
		r := float64(done) / elapsed.Seconds()
		line += fmt.Sprintf("  %s/s", humanCount(r))
		if eta && p.totalFinal && p.total > done {
			d := time.Duration(float64(p.total-done) / r * float64(time.Second))
			line += "  ETA " + FormatDuration(d.Round(time.Second))
		}
	}
	return line
}

func (p *Progress) draw(force bool) {
	if !p.enabled {
		return
	}
	now := time.Now()
	if !force && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	fmt.Fprint(p.w, "\r\033[K"+p.Line())
	p.drawn = true
}

// humanCount renders a rate: 12.5, 840, 12.3k.
func humanCount(v float64) string {
	switch {
	case v < 10:
		return fmt.Sprintf("%.1f", v)
	case v < 10000:
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprintf("%.1fk", v/1000)
	}
}
