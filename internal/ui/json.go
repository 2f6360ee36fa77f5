package ui

import (
	"encoding/json"
	"io"
	"time"
)

// WriteJSON writes v as one indented JSON document followed by a newline.
// HTML characters are not escaped, so URLs stay readable.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// WriteJSONLine writes v as one compact JSON line (streams such as listen).
func WriteJSONLine(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// FormatTime renders t for a table: relative on a terminal ("3 minutes
// ago"), RFC 3339 when piped.
func (s *IOStreams) FormatTime(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	if !s.stdoutTTY {
		return t.UTC().Format(time.RFC3339)
	}
	return RelativeTime(t, now)
}

// RelativeTime renders t relative to now in English.
func RelativeTime(t, now time.Time) string {
	d := now.Sub(t)
	future := d < 0
	if future {
		// A time ahead is said to the nearest unit: a 7-day grace read a
		// moment after it was set is "in 7 days", not "in 6 days".
		d = -d
		switch {
		case d < time.Minute:
			d += time.Second / 2
		case d < time.Hour:
			d += time.Minute / 2
		case d < 24*time.Hour:
			d += time.Hour / 2
		default:
			d += 12 * time.Hour
		}
	}
	var s string
	switch {
	case d < 5*time.Second:
		return "just now"
	case d < time.Minute:
		s = plural(int(d/time.Second), "second")
	case d < time.Hour:
		s = plural(int(d/time.Minute), "minute")
	case d < 24*time.Hour:
		s = plural(int(d/time.Hour), "hour")
	case d < 30*24*time.Hour:
		s = plural(int(d/(24*time.Hour)), "day")
	default:
		return t.Local().Format("2006-01-02")
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return itoa(n) + " " + unit + "s"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
