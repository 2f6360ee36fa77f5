package cli

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"90s":    90 * time.Second,
		"1h30m":  90 * time.Minute,
		"1d":     24 * time.Hour,
		"7d":     7 * 24 * time.Hour,
		"2w":     14 * 24 * time.Hour,
		"1.5d":   36 * time.Hour,
		"1d12h":  36 * time.Hour,
		"0":      0,
		"250ms":  250 * time.Millisecond,
		"1w1d1h": 8*24*time.Hour + time.Hour,
	} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "1x", "1dd", "abc", "1d x"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) accepted", in)
		}
	}
	// Past time.Duration's ~292 years, in one term or in the sum: it
	// wrapped around to a negative duration ("invalid --grace
	// -2562047h47m16.854775808s: it cannot be negative").
	for _, in := range []string{"10000000h", "300000d", "20000w", "2562047h1h", "106751d106751d", "-300000d"} {
		if d, err := ParseDuration(in); err == nil || !strings.Contains(err.Error(), "is too large (at most 2562047h, about 292 years)") {
			t.Errorf("ParseDuration(%q) = %v, %v; want a too-large error", in, d, err)
		}
	}
	if d, err := ParseDuration("2562047h"); err != nil || d != 2562047*time.Hour {
		t.Errorf("ParseDuration(2562047h) = %v, %v", d, err)
	}
	if d, err := ParseDuration("106751d"); err != nil || d != 106751*24*time.Hour {
		t.Errorf("ParseDuration(106751d) = %v, %v", d, err)
	}
}

func TestParseMoment(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	m, err := ParseMoment("7d")
	if err != nil || !m.Time(now).Equal(now.Add(-7*24*time.Hour)) {
		t.Errorf("7d: %v %v", m, err)
	}
	m, err = ParseMoment("2026-11-30T08:00:00Z")
	if err != nil || !m.Time(now).Equal(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("RFC 3339: %v %v", m, err)
	}
	m, err = ParseMoment("2026-11-30")
	if err != nil || m.Time(now).Day() != 30 {
		t.Errorf("date: %v %v", m, err)
	}
	if _, err := ParseMoment("yesterday"); err == nil {
		t.Error("yesterday accepted")
	}
	var zero Moment
	if !zero.IsZero() || !zero.Time(now).IsZero() {
		t.Error("zero moment")
	}
}

func TestWindow(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	m := func(s string) Moment {
		t.Helper()
		v, err := ParseMoment(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, ok := range [][2]Moment{{m("2h"), m("1h")}, {{}, m("1h")}, {m("1h"), {}}, {m("0"), m("1h")}, {m("2026-11-01"), m("2026-11-02")}} {
		if _, _, err := Window(ok[0], ok[1], now); err != nil {
			t.Errorf("Window(%v, %v): %v", ok[0], ok[1], err)
		}
	}
	for _, bad := range [][2]Moment{{m("1h"), m("2h")}, {m("1h"), m("1h")}, {m("2026-11-02"), m("2026-11-01")}} {
		var ee *ExitError
		if _, _, err := Window(bad[0], bad[1], now); !errors.As(err, &ee) || ee.Code != ExitUsage {
			t.Errorf("Window(%v, %v) = %v, want a usage error", bad[0], bad[1], err)
		}
	}
}

// HumanDurations prints a default the way people write it and, as pflag
// does for its own durations, none when it is zero: the wrapped flags said
// "(default 0s)" after usages naming the real default (check --deadline,
// verify --tolerance, trigger --wait).
func TestHumanDurationsDefaults(t *testing.T) {
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	fs.Duration("grace", 24*time.Hour, "how long")
	var deadline time.Duration
	fs.DurationVar(&deadline, "deadline", 0, "answer within `duration` (default: the provider's timeout)")
	HumanDurations(fs)
	usage := fs.FlagUsages()
	if !strings.Contains(usage, "(default 24h)") {
		t.Errorf("no (default 24h):\n%s", usage)
	}
	if strings.Contains(usage, "(default 0") {
		t.Errorf("a zero default is printed:\n%s", usage)
	}
	if err := fs.Parse([]string{"--deadline", "2d"}); err != nil {
		t.Fatal(err)
	}
	if deadline != 48*time.Hour {
		t.Errorf("--deadline 2d = %v", deadline)
	}
}
