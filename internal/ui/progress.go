package ui

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Progress is a one-line progress bar on stderr for long work (bulk
// replay). It draws only when stderr is a terminal and redraws at most
// every 100 ms; otherwise every method is a cheap no-op.
type Progress struct {
	w       io.Writer
	enabled bool
	label   string

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
// it is a terminal.
func (s *IOStreams) NewProgress(label string) *Progress {
	return &Progress{w: s.ErrOut, enabled: s.IsStderrTTY(), label: label, start: time.Now(), now: time.Now}
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

// Line renders the bar's text (exported for tests).
func (p *Progress) Line() string {
	done := p.ok + p.failed
	frac := 0.0
	if p.total > 0 {
		frac = min(1, float64(done)/float64(p.total))
	}
	n := int(frac * barWidth)
	bar := strings.Repeat("=", n)
	if n < barWidth {
		bar += ">" + strings.Repeat(" ", barWidth-n-1)
	}
	total := fmt.Sprint(p.total)
	if !p.totalFinal {
		total += "+"
	}
	line := fmt.Sprintf("%s [%s] %d/%s  %s %s", p.label, bar, done, total,
		Green(fmt.Sprintf("%d ok", p.ok)), failedText(p.failed))
	if p.now == nil || p.start.IsZero() {
		return line
	}
	elapsed := p.now().Sub(p.start)
	if done > 0 && elapsed > 0 {
		rate := float64(done) / elapsed.Seconds()
		line += fmt.Sprintf("  %s/s", humanCount(rate))
		if p.totalFinal && p.total > done {
			eta := time.Duration(float64(p.total-done) / rate * float64(time.Second))
			line += "  ETA " + FormatDuration(eta.Round(time.Second))
		}
	}
	return line
}

func failedText(n int64) string {
	s := fmt.Sprintf("%d failed", n)
	if n > 0 {
		return Red(s)
	}
	return s
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
