package ui

import (
	"strings"
	"time"
)

// FormatDuration prints a duration the way people write it: 24h, 7d, 1m3s,
// 1h30m, 2.65s, 250ms; never 24h0m0s or 1m2.65s. Whole days (from two days
// on) are printed in days, which every duration flag reads back.
func FormatDuration(d time.Duration) string {
	if d < 0 {
		return "-" + FormatDuration(-d)
	}
	switch {
	case d == 0:
		return "0s"
	case d < time.Millisecond:
		return d.String()
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < 10*time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	d = d.Round(time.Second)
	const day = 24 * time.Hour
	if d >= 2*day && d%day == 0 {
		if d%(7*day) == 0 {
			return itoa(int(d/(7*day))) + "w"
		}
		return itoa(int(d/day)) + "d"
	}
	s := d.String() // e.g. 24h0m0s, 1h30m0s, 1m3s
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
