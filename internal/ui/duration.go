package ui

import (
	"fmt"
	"math"
	"strconv"
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

// maxDuration is the longest duration ParseDuration takes, in whole
// hours (time.Duration's limit is 2562047h47m16.854775807s).
const maxDuration = "2562047h"

// ParseDuration reads a duration the way people write it: Go's units (ms,
// s, m, h …) plus d (24h) and w (7d), combinable and fractional: 90s, 1h30m,
// 1d, 7d, 2w, 1.5d, 1d12h. A duration past what time.Duration holds
// (about 292 years), in one term or in their sum, is an error: it wrapped
// around to a negative one.
func ParseDuration(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, fmt.Errorf("invalid duration %q: want e.g. 30s, 10m, 1h, 7d", s)
	}
	if d, err := time.ParseDuration(in); err == nil {
		return d, nil
	}
	neg := false
	rest := in
	if rest[0] == '-' || rest[0] == '+' {
		neg = rest[0] == '-'
		rest = rest[1:]
	}
	var total time.Duration
	for rest != "" {
		// A number, then a unit of letters.
		i := 0
		for i < len(rest) && (rest[i] == '.' || (rest[i] >= '0' && rest[i] <= '9')) {
			i++
		}
		j := i
		for j < len(rest) && (rest[j] < '0' || rest[j] > '9') && rest[j] != '.' {
			j++
		}
		num, unit := rest[:i], rest[i:j]
		rest = rest[j:]
		v, err := strconv.ParseFloat(num, 64)
		if num == "" || err != nil {
			return 0, fmt.Errorf("invalid duration %q: want e.g. 30s, 10m, 1h, 7d", s)
		}
		var u time.Duration
		switch unit {
		case "w":
			u = 7 * 24 * time.Hour
		case "d":
			u = 24 * time.Hour
		default:
			one, err := time.ParseDuration("1" + unit)
			if err != nil || unit == "" {
				return 0, fmt.Errorf("invalid duration %q: unknown unit %q (use ms, s, m, h, d or w)", s, unit)
			}
			u = one
		}
		// float64(math.MaxInt64) rounds up to 2^63, which is already
		// too large.
		f := v * float64(u)
		if f >= float64(math.MaxInt64) || time.Duration(f) > math.MaxInt64-total {
			return 0, fmt.Errorf("invalid duration %q: it is too large (at most %s, about 292 years)", s, maxDuration)
		}
		total += time.Duration(f)
	}
	if neg {
		total = -total
	}
	return total, nil
}
